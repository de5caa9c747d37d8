"""``python -m reports``: build the static HTML report from the marts (``make report``).

Exit codes: 0 written, 1 unexpected report error, 3 warehouse missing or locked, 4 marts
missing (run ``make transform`` first).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plumbing.failures import check_warehouse_path, fail
from plumbing.runlock import hold
from plumbing.warehouse import default_db
from reports.build import build_report
from reports.errors import ReportError


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``--db`` and ``--out``."""
    parser = argparse.ArgumentParser(
        prog="python -m reports",
        description="Build the backtest report: one self-contained HTML file from the marts.",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="warehouse (env BACKTEST_DB, default data/backtest.duckdb)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="HTML file (default <warehouse dir>/report/index.html)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Build the report and print its path; return the exit code."""
    args = build_parser().parse_args(argv)
    db = (args.db or default_db()).resolve()
    try:
        check_warehouse_path(db)
        with hold(db, "report"):
            path = build_report(db, args.out)
    except ReportError as exc:
        print(f"❌ report: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("❌ report: interrupted; rerun `make report`", file=sys.stderr)
        return 130
    except Exception as exc:  # the CLI edge: one line here, the traceback in report.log
        line, code = fail(exc, stage="report", log_file=db.parent / "logs" / "report.log", db=db)
        print(line, file=sys.stderr)
        return code
    print(f"📄 Report written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
