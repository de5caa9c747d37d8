"""``python -m extract``: load the org into the warehouse (``make extract``)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from extract.errors import ConfigError
from extract.pipeline import (
    ExtractResult,
    choose_org,
    run_extract,
    target,
)
from plumbing import progress as progress_files
from plumbing.failures import check_warehouse_path, fail
from plumbing.logs import Redactor, log_path, setup_logging
from plumbing.runlock import hold
from plumbing.warehouse import default_db, parquet_dir

log = logging.getLogger("extract")


class ProgressLine:
    """Prints rows per object at most every two seconds and publishes a progress file."""

    def __init__(self, db: Path, *, org: str) -> None:
        self.db = db
        self.org = org
        self.started = time.monotonic()
        self.last_print = self.started
        self.rows: dict[str, int] = {}

    def __call__(self, obj: str, rows: int) -> None:
        self.rows[obj] = rows
        now = time.monotonic()
        if now - self.last_print >= 2.0:
            self.last_print = now
            total = sum(self.rows.values())
            rate = total / max(now - self.started, 1e-9)
            log.info(
                "   📥 %s: %s rows so far (%s records/s overall)", obj, f"{rows:,}", f"{rate:,.0f}"
            )
            self.publish(done=False)

    def publish(self, *, done: bool) -> None:
        progress_files.publish(
            self.db,
            "extract",
            {
                "org": self.org,
                "rows": self.rows,
                "total": sum(self.rows.values()),
                "seconds": round(time.monotonic() - self.started, 1),
                "done": done,
            },
        )


def demo_contacts(value: str) -> int:
    """``CONTACTS`` / ``--demo-contacts``: a whole number of at least 1."""
    try:
        number = int(value.strip().replace("_", "").replace(",", ""))
    except ValueError:
        raise ConfigError(f"CONTACTS must be a whole number, got {value!r}.") from None
    if number < 1:
        raise ConfigError(f"CONTACTS must be at least 1, got {number}.")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m extract", description=__doc__)
    parser.add_argument("--org", default=None, help="demo | live | path to a Data Export (ORG=)")
    parser.add_argument(
        "--demo-contacts",
        default=os.environ.get("BACKTEST_DEMO_CONTACTS") or "5000",
        help="size of the demo org (default 5000, or BACKTEST_DEMO_CONTACTS)",
    )
    parser.add_argument("--fresh", action="store_true", help="drop raw tables and state first")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)

    db = default_db()
    log_file = log_path(db, "extract")
    redactor = None
    try:
        contacts = demo_contacts(str(args.demo_contacts))
        check_warehouse_path(db)
        redactor = Redactor()
        terminal = logging.DEBUG if args.verbose else logging.INFO
        setup_logging(
            "extract", log_file, level=logging.DEBUG, terminal=terminal, redactor=redactor
        )
        with hold(db, "extract"):
            result = _extract(args, db=db, contacts=contacts, redactor=redactor)
    except KeyboardInterrupt:
        log.error("Interrupted; what was loaded is kept. Rerun to continue.")
        return 130
    except Exception as exc:  # the CLI edge: one line here, the traceback in the log
        line, code = fail(exc, stage="extract", log_file=log_file, db=db)
        line = redactor.redact(line) if redactor else line
        if redactor is not None:
            log.error(line)
        else:
            print(line, file=sys.stderr)
        return code
    _report(result, db=db)
    return 0


def _extract(
    args: argparse.Namespace, *, db: Path, contacts: int, redactor: Redactor
) -> ExtractResult:
    choice = choose_org(args.org, demo_contacts=contacts)
    if choice.credentials:
        redactor.secrets = choice.credentials.secrets()
    if choice.kind == "demo":
        log.info(
            "No Salesforce credentials found: using the built-in demo org (%s contacts). "
            "See README 'Point it at your org' for a live org or a Data Export.",
            f"{choice.demo_contacts:,}",
        )
    else:
        log.info("📥 Extracting the %s into %s", choice.label, db)
    progress = ProgressLine(db, org=choice.identity)
    result = run_extract(choice, fresh=args.fresh, progress=progress)
    progress.publish(done=True)
    return result


def _report(result: ExtractResult, *, db: Path) -> None:
    for name, rows in result.rows.items():
        log.info("   %-24s %s new or changed rows", name, f"{rows:,}")
    rate = result.total_rows / max(result.seconds, 1e-9)
    usage = (
        f"; API usage {result.api_usage[0]:,}/{result.api_usage[1]:,}" if result.api_usage else ""
    )
    if result.api_calls:
        jobs = f" ({result.bulk_jobs} Bulk query jobs)" if result.bulk_jobs else ""
        usage += f"; {result.api_calls:,} API calls this run{jobs}"
    where = f"{parquet_dir()}/raw_salesforce (parquet)" if target() == "spark" else f"{db}"
    log.info(
        "✅ Extracted %s rows in %.1fs (%s records/s) into %s (schema raw_salesforce)%s",
        f"{result.total_rows:,}",
        result.seconds,
        f"{rate:,.0f}",
        where,
        usage,
    )


if __name__ == "__main__":
    sys.exit(main())
