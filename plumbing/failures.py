"""Every failure a user can cause, as one line: what, where, what to do.

Stages raise their own errors (``ExtractError``, ``ScoringError``, ``ReportError``) with
clear messages. What reaches a CLI edge from a library instead (an ``OSError`` from a
read-only or full disk, DuckDB refusing a file) is turned into one line here, and anything
else into one line that points at the stage's log, where ``log_traceback`` wrote the full
traceback. Nothing here prints; the CLI edges do.
"""

from __future__ import annotations

import errno
import os
import re
import traceback
from datetime import UTC, datetime
from pathlib import Path

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
_DUCKDB_MAGIC = b"DUCK"


class WarehousePathError(Exception):
    """``DB`` points somewhere a warehouse cannot live."""

    exit_code = 3


def check_warehouse_path(db: Path) -> None:
    """Fail early, in one line, when ``db`` cannot be a DuckDB warehouse.

    Catches a path through a file (``DB=notes.txt/x.duckdb``), a folder that cannot be
    created or written, and an existing file that is not a DuckDB database.
    """
    existing = db.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise WarehousePathError(
            f"DB={db}: {existing} is a file, not a folder. Point DB at a path inside a "
            "folder, e.g. DB=data/backtest.duckdb."
        )
    if db.is_dir():
        raise WarehousePathError(
            f"DB={db} is a folder. Point DB at a file, e.g. DB={db / 'backtest.duckdb'}."
        )
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        probe = db.parent / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise WarehousePathError(describe_os_error(exc)) from None
    if db.is_file() and db.stat().st_size > 0:
        with db.open("rb") as handle:
            head = handle.read(16)
        if head[8:12] != _DUCKDB_MAGIC:
            raise WarehousePathError(
                f"DB={db} exists but is not a DuckDB database. Point DB at a DuckDB file or "
                "at a new path (it is created)."
            )


def describe_os_error(exc: OSError) -> str:
    """One line for a file-system failure, naming the path and the fix."""
    where = exc.filename or "a file beside the warehouse"
    if exc.errno == errno.EROFS:
        return (
            f"cannot write {where}: the file system is read-only. Point DB at a writable "
            "folder, e.g. DB=/tmp/backtest/backtest.duckdb."
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            f"permission denied writing {where}. Make the folder writable for this user, "
            "or point DB at a folder you own."
        )
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return (
            f"the disk holding {where} is full. Free some space and rerun: what was loaded "
            "is kept and the run resumes."
        )
    if exc.errno == errno.ENOTDIR:
        return f"{where}: part of this path is a file, not a folder. Point DB inside a folder."
    reason = exc.strerror or type(exc).__name__
    return f"{reason}: {where}."


def describe_duckdb_error(message: str, *, db: Path | None = None) -> str | None:
    """One line for DuckDB refusing the warehouse file, or None if it is something else."""
    where = str(db) if db else "the warehouse"
    holder = _LOCK_HOLDER.search(message)
    if "Could not set lock" in message or holder:
        who = f" ({holder['program']}, PID {holder['pid']})" if holder else ""
        return (
            f"{where} is open in another program{who}, and DuckDB allows one writer or many "
            "readers. Close that program (or wait for it), then rerun."
        )
    if "not a valid DuckDB database" in message:
        return f"{where} is not a DuckDB database. Point DB at a DuckDB file or a new path."
    return None


def one_line(exc: BaseException, *, db: Path | None = None, log_file: Path | None = None) -> str:
    """The one line a CLI edge prints for ``exc``."""
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    text = " ".join(str(exc).split())
    duck = describe_duckdb_error(text, db=db) if type(exc).__module__ == "_duckdb" else None
    if duck:
        return duck
    if getattr(exc, "exit_code", None) is not None and text:
        return text  # one of the stages' own errors: already a user-facing message
    where = f"; the full traceback is in {log_file}" if log_file else ""
    return f"unexpected {type(exc).__name__}: {text[:300]}{where}. Please report it."


def log_traceback(exc: BaseException, log_file: Path, *, stage: str) -> Path | None:
    """Append ``exc``'s full traceback to ``log_file``; the path, or None if it cannot."""
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a", encoding="utf-8") as handle:
            handle.write(f"{datetime.now(UTC).isoformat(timespec='seconds')} {stage} failed:\n")
            handle.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return log_file


def fail(
    exc: BaseException, *, stage: str, log_file: Path | None, db: Path | None = None
) -> tuple[str, int]:
    """(the line to print, the exit code) for an exception at a CLI edge; logs it fully."""
    logged = log_traceback(exc, log_file, stage=stage) if log_file else None
    code = getattr(exc, "exit_code", None)
    if not isinstance(code, int):
        code = 3 if isinstance(exc, OSError) or type(exc).__module__ == "_duckdb" else 1
    return f"❌ {stage} failed: {one_line(exc, db=db, log_file=logged)}", code
