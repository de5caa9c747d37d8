"""The progress files stages publish beside the warehouse, for other processes to read.

DuckDB lets one process write the warehouse or several read it, not both, so a running
stage says how far it is in ``<warehouse dir>/progress/<stage>.json`` (``extract``,
``score``, ``transform``) and ``make status`` or the report read that instead of the
warehouse. Every file is one JSON object carrying ``stage``, ``pid`` (the process that
wrote it) and ``updated_at`` (UTC, ISO 8601 seconds), plus what the stage reports (rows,
rates, status, ...). Files are replaced atomically: a reader sees the old one or the new
one, never half.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def progress_path(db: Path, stage: str) -> Path:
    """The progress file of ``stage`` for the warehouse at ``db``."""
    return db.parent / "progress" / f"{stage}.json"


def utc_now() -> str:
    """Now, as the progress files write it (UTC, ISO 8601 seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it: a reader sees
    the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def publish(db: Path, stage: str, state: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the progress file of ``stage`` with ``state``; returns what was written."""
    payload = {"stage": stage, **state, "pid": os.getpid(), "updated_at": utc_now()}
    write_atomic(progress_path(db, stage), json.dumps(payload))
    return payload


def writer_alive(state: Mapping[str, Any]) -> bool:
    """Whether the process that wrote ``state`` still runs (True when the file names none:
    an older file, which cannot tell)."""
    pid = state.get("pid")
    if not isinstance(pid, int):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, run by another user
        return True
    return True


def read(db: Path, stage: str) -> dict[str, Any] | None:
    """The last progress ``stage`` published, or None (none yet, or unreadable)."""
    try:
        value = json.loads(progress_path(db, stage).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def read_all(db: Path) -> dict[str, dict[str, Any]]:
    """Every stage's last progress, by stage name."""
    found = sorted((db.parent / "progress").glob("*.json"))
    states = {path.stem: read(db, path.stem) for path in found}
    return {stage: state for stage, state in states.items() if state is not None}
