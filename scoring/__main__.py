"""``python -m scoring``: the scoring step's command line (the only place errors become exit codes).

Exit codes: 0 done, 1 unexpected scoring error, 2 bad configuration, 3 warehouse problem,
4 qualification API unusable, 5 finished with error rows left (rerun to retry them),
130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path

from plumbing import progress
from plumbing.failures import check_warehouse_path, fail
from plumbing.logs import Redactor, log_path
from plumbing.runlock import hold
from scoring.config import Settings, build_parser, settings_from
from scoring.errors import ScoringError
from scoring.progress import status_update


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run the step, print the summary; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = None
    try:
        settings = settings_from(args)
        if args.status:
            return _status(settings.db)
        from scoring.step import check_complete, run

        check_warehouse_path(settings.db.resolve())
        with hold(settings.db, "score"):
            summary = run(settings)
        print(
            f"🎯 Scored window ({summary.days} days to {summary.as_of}): "
            f"{summary.contacts:,} contacts, {summary.no_domain:,} without a business domain, "
            f"{summary.sent:,} qualifications sent in {summary.seconds:.1f} s"
        )
        for model in summary.models:
            print(model.line())
        check_complete(summary)
    except ScoringError as exc:
        print(_redact(f"❌ scoring: {exc}", settings), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("❌ scoring: interrupted; rerun to finish (nothing written is lost)", file=sys.stderr)
        return 130
    except Exception as exc:  # the CLI edge: one line here, the traceback in score.log
        db = settings.db.resolve() if settings else None
        logs = log_path(db, "score") if db else None
        line, code = fail(exc, stage="scoring", log_file=logs, db=db)
        print(_redact(line, settings), file=sys.stderr)
        return code
    return 0


def _redact(text: str, settings: Settings | None) -> str:
    """The line without any API credential in it (a server may echo what it was sent)."""
    return Redactor(settings.auth.secrets if settings else ()).redact(text)


def _status(db: Path) -> int:
    state = progress.read(db, "score")
    if state is None:
        print(f"no scoring run has published progress for {db}")
        return 1
    print(status_update(state))
    return 0


if __name__ == "__main__":
    sys.exit(main())
