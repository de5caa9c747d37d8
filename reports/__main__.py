"""``python -m reports``: build the static HTML report from the marts (``make report``).

Exit codes: 0 written, 1 unexpected report error, 3 warehouse missing or locked, 4 marts
missing (run ``make transform`` first).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports.build import build_report, default_db
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
    try:
        path = build_report(args.db or default_db(), args.out)
    except ReportError as exc:
        print(f"❌ report: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"📄 Report written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
