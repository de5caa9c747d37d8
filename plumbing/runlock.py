"""One run per warehouse at a time, and status reads that never block a writer.

DuckDB lets one process write a file or several read it, not both: a reader that opens the
file while a stage is about to write makes the writer fail. So every process that touches
the warehouse agrees on an advisory lock file beside it (``<warehouse>.lock``, ``flock``):

- a stage (extract, score, dbt build, report) or a whole ``make backtest`` holds it
  exclusively for as long as it runs and writes who it is into it (pid, stage, start).
  A stage started by a run that already holds the lock (``BACKTEST_RUN_LOCK`` in its
  environment) runs under that hold. Another run finds the lock taken and stops at once
  naming the holder, or waits for it (``WAIT`` seconds) saying so;
- ``make status`` takes the lock *shared and without waiting* for the few milliseconds it
  reads the marts. If a stage holds it, or wants it (``<warehouse>.lock.want``), status
  shows the progress files alone and never opens the DuckDB file. A stage that finds only
  status readers on the lock retries for a moment instead of failing.

The lock dies with its holder (``flock`` is released by the kernel even on ``kill -9``); the
holder's description stays in the file, so status can tell a stage that died from one that
runs. A clean end empties the file.

Run a command under the lock: ``python -m plumbing.runlock --stage transform -- dbt build``.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plumbing.warehouse import default_db

ENV = "BACKTEST_RUN_LOCK"
#: How long a stage retries while only status readers hold the lock (they hold it for ms).
READER_GRACE_SECONDS = 15.0


class RunLockError(Exception):
    """Base of the errors of this module (one clear line each)."""

    exit_code = 3


class WarehouseBusyError(RunLockError):
    """Another run holds the warehouse."""


def lock_path(db: Path) -> Path:
    """The lock file of the warehouse at ``db``."""
    return db.with_name(db.name + ".lock")


def _want_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock.want")


def wait_seconds() -> float:
    """``BACKTEST_WAIT`` (``make ... WAIT=600``): seconds to wait for another run, 0 = none."""
    raw = (os.environ.get("BACKTEST_WAIT") or "0").strip()
    try:
        value = float(raw)
    except ValueError:
        raise RunLockError(f"WAIT must be a number of seconds, got {raw!r}.") from None
    if value < 0:
        raise RunLockError(f"WAIT must be 0 or more seconds, got {raw!r}.")
    return value


def read_holder(db: Path) -> dict[str, Any]:
    """What the lock file says about its (current or last) holder; {} when empty."""
    try:
        text = lock_path(db).read_text(encoding="utf-8")
        info = json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def is_held(db: Path) -> bool:
    """Whether a stage holds the warehouse exclusively right now."""
    try:
        fd = os.open(lock_path(db), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def describe_holder(info: dict[str, Any]) -> str:
    """``score (pid 123, since 14:02:11 UTC, `make backtest`)`` from a holder description."""
    stage = info.get("stage") or "a stage"
    parts = [f"pid {info.get('stage_pid') or info.get('pid', '?')}"]
    if info.get("started_at"):
        parts.append(f"since {_clock(info['started_at'])}")
    if info.get("command"):
        parts.append(f"`{info['command']}`")
    return f"{stage} ({', '.join(parts)})"


def _clock(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%H:%M:%S UTC")
    except ValueError:
        return iso


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _inherited(db: Path) -> dict[str, Any] | None:
    """The holder's description when our parent run holds this warehouse's lock."""
    value = os.environ.get(ENV, "")
    path, _, pid = value.rpartition("|")
    if not path or Path(path) != lock_path(db) or not pid.isdigit():
        return None
    info = read_holder(db)
    if info.get("pid") == int(pid) and is_held(db):
        return info
    return None


def inside_run(db: Path) -> bool:
    """Whether this process runs under the run that holds ``db`` (a stage of it)."""
    return _inherited(db.resolve()) is not None


def _command_line() -> str:
    """How this process was started, as a user would type it (``python -m extract ...``)."""
    first = Path(sys.argv[0])
    program = f"python -m {first.parent.name}" if first.name == "__main__.py" else first.name
    return " ".join([program, *sys.argv[1:]])[:200]


def _write(fd: int, info: dict[str, Any]) -> None:
    data = json.dumps(info).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


@contextmanager
def hold(
    db: Path, stage: str, *, wait: float | None = None, command: str | None = None
) -> Iterator[None]:
    """Hold the warehouse for ``stage`` (exclusive), or run under the parent run's hold.

    Raises ``WarehouseBusyError`` naming the holder when another run has it and ``wait``
    (default ``BACKTEST_WAIT``) runs out.
    """
    db = db.resolve()
    inherited = _inherited(db)
    if inherited is not None:
        with suppress(OSError):
            lock_path(db).write_text(
                json.dumps({**inherited, "stage": stage, "stage_pid": os.getpid()})
            )
        yield
        return
    wait = wait_seconds() if wait is None else wait
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, db, wait=wait)
        info = {
            "pid": os.getpid(),
            "stage": stage,
            "started_at": _now(),
            "command": command or _command_line(),
        }
        _write(fd, info)
        previous = os.environ.get(ENV)
        os.environ[ENV] = f"{path}|{os.getpid()}"
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(ENV, None)
            else:
                os.environ[ENV] = previous
            with suppress(OSError):
                os.ftruncate(fd, 0)  # a clean end leaves no holder behind
    finally:
        os.close(fd)


def _acquire(fd: int, db: Path, *, wait: float) -> None:
    started = time.monotonic()
    want = _want_path(db)
    announced = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            waited = time.monotonic() - started
            if not is_held(db) and waited < READER_GRACE_SECONDS:
                # Only `make status` readers: they hold it for milliseconds. Say we want it,
                # so that new readers step aside.
                with suppress(OSError):
                    want.touch()
                time.sleep(0.02)
                continue
            holder = describe_holder(read_holder(db))
            if waited < wait:
                if not announced:
                    print(
                        f"⏳ {db} is in use by {holder}; waiting up to {wait:.0f}s (WAIT) ...",
                        file=sys.stderr,
                        flush=True,
                    )
                    announced = True
                time.sleep(0.2)
                continue
            raise WarehouseBusyError(
                f"the warehouse {db} is in use by another run: {holder}. Wait for it to end "
                "(`make status` shows it), or rerun with WAIT=600 to wait up to 600 s."
            )
    finally:
        with suppress(OSError):
            want.unlink()


@contextmanager
def reading(db: Path) -> Iterator[bool]:
    """Whether the warehouse may be opened read-only right now; if so, kept so for the block.

    Never waits and never makes a writer fail: False while a stage holds or wants the lock.
    """
    db = db.resolve()
    if _inherited(db) is not None:
        yield True
        return
    if _want_path(db).exists():
        yield False
        return
    try:
        fd = os.open(lock_path(db), os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError:  # a folder nobody can write: no stage can take the lock either
        yield True
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _die_with_us() -> None:  # runs in the child between fork and exec
    with suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def main(argv: list[str] | None = None) -> int:
    """``python -m plumbing.runlock --stage NAME -- command ...``: run it holding the lock."""
    parser = argparse.ArgumentParser(prog="python -m plumbing.runlock", description=__doc__)
    parser.add_argument("--stage", required=True, help="what holds the lock (shown by status)")
    parser.add_argument("--db", type=Path, default=None, help="warehouse (env BACKTEST_DB)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command and arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    from plumbing.failures import check_warehouse_path, one_line

    db = (args.db or default_db()).expanduser().resolve()
    try:
        check_warehouse_path(db)
        with hold(db, args.stage, command=" ".join(command)[:200]):
            child = subprocess.Popen(command, preexec_fn=_die_with_us)

            def forward(signum: int, _frame: object) -> None:
                child.send_signal(signum)

            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, forward)
            code = child.wait()
            return 128 - code if code < 0 else code
    except KeyboardInterrupt:
        print(f"❌ {args.stage}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the CLI edge: one line, never a traceback
        print(f"❌ {args.stage} failed: {one_line(exc, db=db)}", file=sys.stderr)
        return getattr(exc, "exit_code", 1)


if __name__ == "__main__":
    sys.exit(main())
