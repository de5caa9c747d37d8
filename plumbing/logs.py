"""Logging, set up the same way by every stage.

Each stage appends to ``<warehouse dir>/logs/<stage>.log`` (``extract.log``, ``score.log``;
dbt's own ``dbt.log`` lands beside them) every line with its time, level and logger; the
terminal, where a stage wants it, gets the message alone. A :class:`Redactor` replaces
secrets (tokens, passwords) with ``***`` before a line is written anywhere.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from collections.abc import Iterable
from pathlib import Path

FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path(db: Path, stage: str) -> Path:
    """The log file of ``stage`` for the warehouse at ``db``."""
    return db.parent / "logs" / f"{stage}.log"


class Redactor(logging.Filter):
    """Replaces every configured secret value in log records with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 4]

    def redact(self, text: str) -> str:
        """``text`` with each secret replaced by ``***``."""
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.redact(record.getMessage())
            record.args = ()
        return True


class BufferedLog(logging.handlers.MemoryHandler):
    """Writes log lines in groups: at 200 lines, after 1 s, on a warning, and at exit.

    A flush per line cost half a millisecond here (a tenth of a 100k-contact scoring run's
    client time at two lines per batch).
    """

    def __init__(self, target: logging.Handler, *, seconds: float = 1.0) -> None:
        super().__init__(200, flushLevel=logging.WARNING, target=target, flushOnClose=True)
        self.seconds = seconds
        self._last = time.monotonic()

    def close(self) -> None:
        """Flush, then close the file too (MemoryHandler leaves its target open)."""
        target = self.target
        super().close()
        if target is not None:
            target.close()

    def shouldFlush(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if super().shouldFlush(record) or now - self._last >= self.seconds:
            self._last = now
            return True
        return False


def setup_logging(
    name: str,
    log_file: Path,
    *,
    level: int = logging.INFO,
    terminal: int | None = None,
    buffered: bool = False,
    redactor: Redactor | None = None,
) -> logging.Logger:
    """The logger ``name``: ``level`` and up appended to ``log_file`` (grouped when
    ``buffered``), and ``terminal`` and up to stderr when given. Handlers it had before are
    closed and replaced; nothing propagates to the root logger."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    file = logging.FileHandler(log_file, encoding="utf-8")
    file.setFormatter(logging.Formatter(FILE_FORMAT))
    handlers: list[logging.Handler] = [BufferedLog(file) if buffered else file]
    if terminal is not None:
        screen = logging.StreamHandler(sys.stderr)
        screen.setLevel(terminal)
        screen.setFormatter(logging.Formatter("%(message)s"))
        handlers.append(screen)
    logger = logging.getLogger(name)
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    for handler in handlers:
        if redactor is not None:
            handler.addFilter(redactor)
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return logger
