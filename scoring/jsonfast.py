"""JSON through orjson (a pinned dependency): fast, and compact UTF-8 bytes."""

from __future__ import annotations

from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    """Serialise to compact UTF-8 JSON bytes (non-finite floats become null)."""
    return orjson.dumps(value)


def dumps_kept(value: Any) -> bytes:
    """Like ``dumps``, for values kept in memory: an exact-size copy.

    orjson's result keeps its working buffer (about 4 KB per call, measured): 100,000
    kept request items would hold 400 MB instead of 30 MB.
    """
    return bytes(memoryview(orjson.dumps(value)))


def dumps_text(value: Any) -> str:
    """Serialise to a compact JSON string."""
    return orjson.dumps(value).decode()


def loads(data: bytes | str) -> Any:
    """Parse JSON bytes or text."""
    return orjson.loads(data)
