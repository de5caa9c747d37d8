"""Logging for the extract stage: the terminal, ``data/logs/extract.log``, secrets redacted."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from pathlib import Path


class Redactor(logging.Filter):
    """Replaces every configured secret value in log records with ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 4]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.redact(record.getMessage())
            record.args = ()
        return True


def setup_logging(log_file: Path, *, verbose: bool, secrets: Iterable[str] = ()) -> Redactor:
    """Log INFO+ to the terminal (DEBUG with -v) and everything to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    redactor = Redactor(secrets)
    terminal = logging.StreamHandler(sys.stderr)
    terminal.setLevel(logging.DEBUG if verbose else logging.INFO)
    terminal.setFormatter(logging.Formatter("%(message)s"))
    file = logging.FileHandler(log_file, encoding="utf-8")
    file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for handler in (terminal, file):
        handler.addFilter(redactor)
    root = logging.getLogger("extract")
    root.handlers[:] = [terminal, file]
    root.setLevel(logging.DEBUG)
    root.propagate = False
    return redactor
