"""Progress of a scoring run: a bar on stderr, a JSON file for other processes, a log file.

- The bar shows processed/total, rate, ETA and qualified-so-far; on a terminal it redraws
  one line, otherwise it prints a plain line every 10 % (or every 15 s).
- ``<warehouse dir>/progress/score.json`` (``plumbing.progress``: stage, pid, updated_at) is
  rewritten atomically (at most every 0.5 s) with status, processed, qualified, errors,
  total, rate, started_at (plus as_of, days, models, db), so a second process can show
  status without opening the DuckDB file (DuckDB allows one writer or many readers).
  Counts are (contact, model) pairs, also split ``by_model``; ``rate`` is pairs per second
  (contacts/s = rate / len(models)).
- ``<warehouse dir>/logs/score.log`` gets the batch lines, the summary and (with ``-v``) the
  per-contact lines, appended.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from plumbing import progress


def _duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """Counts processed/qualified/errors and shows them (bar, JSON file)."""

    def __init__(
        self,
        total: int,
        *,
        db_path: Path,
        meta: dict[str, Any] | None = None,
        stream: TextIO | None = None,
        enabled: bool = True,
    ) -> None:
        self.total = total
        self.processed = 0
        self.qualified = 0
        self.errors = 0
        self.by_model: dict[str, dict[str, int]] = {}
        self.db_path = db_path
        self.meta = meta or {}
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()
        self.started = time.monotonic()
        self.started_at = progress.utc_now()
        self._last_draw = 0.0
        self._last_file = 0.0
        self._next_line_pct = 10
        self._last_line = self.started
        self.publish(status="running", force=True)

    @property
    def rate(self) -> float:
        """Contacts (rows) per second so far."""
        elapsed = time.monotonic() - self.started
        return self.processed / elapsed if elapsed > 0 else 0.0

    def count_truncated(self, model: str, n: int) -> None:
        """Count ``n`` rows of ``model`` sent with text cut to the contract's limits."""
        counts = self.by_model.setdefault(model, {"processed": 0, "qualified": 0, "errors": 0})
        counts["truncated"] = counts.get("truncated", 0) + n

    def advance(self, n: int, *, qualified: int, errors: int, model: str | None = None) -> None:
        """Count ``n`` more processed rows and refresh the displays when due."""
        self.processed += n
        self.qualified += qualified
        self.errors += errors
        if model is not None:
            counts = self.by_model.setdefault(model, {"processed": 0, "qualified": 0, "errors": 0})
            counts["processed"] += n
            counts["qualified"] += qualified
            counts["errors"] += errors
        now = time.monotonic()
        if self.enabled:
            self._draw(now)
        if now - self._last_file >= 0.5:
            self.publish(status="running")

    def line(self) -> str:
        """processed/total, percent, rate, ETA, qualified-so-far."""
        pct = 100.0 * self.processed / self.total if self.total else 100.0
        rate = self.rate
        eta = (self.total - self.processed) / rate if rate > 0 else 0.0
        qpct = 100.0 * self.qualified / self.processed if self.processed else 0.0
        errors = f" | errors {self.errors:,}" if self.errors else ""
        return (
            f"{self.processed:,}/{self.total:,} {pct:5.1f}% | {rate:,.0f}/s | "
            f"ETA {_duration(eta)} | qualified {self.qualified:,} ({qpct:.1f}%){errors}"
        )

    def _draw(self, now: float) -> None:
        if self.tty:
            if now - self._last_draw < 0.1 and self.processed < self.total:
                return
            self._last_draw = now
            width = 24
            filled = int(width * self.processed / self.total) if self.total else width
            bar = "█" * filled + "░" * (width - filled)
            self.stream.write(f"\r🧠 {bar} {self.line()}\x1b[K")
            self.stream.flush()
            return
        pct = 100.0 * self.processed / self.total if self.total else 100.0
        if pct >= self._next_line_pct or now - self._last_line >= 15.0:
            while self._next_line_pct <= pct:
                self._next_line_pct += 10
            self._last_line = now
            self.stream.write(f"🧠 {self.line()}\n")
            self.stream.flush()

    def echo(self, text: str) -> None:
        """Print a line above the bar (verbose output)."""
        if self.tty:
            self.stream.write("\r\x1b[K")
        print(text, file=sys.stdout, flush=False)

    def warn(self, text: str) -> None:
        """Print a warning line on the terminal (stderr), above the bar."""
        if self.tty:
            self.stream.write("\r\x1b[K")
        self.stream.write(f"{text}\n")
        self.stream.flush()

    def finish(self, *, status: str = "done") -> None:
        """Final redraw and final JSON state (``done`` or ``failed``)."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
        self.publish(status=status, force=True)

    def publish(self, *, status: str, force: bool = False) -> None:
        """Rewrite the progress JSON atomically (rename over the old file)."""
        now = time.monotonic()
        if not force and now - self._last_file < 0.5:
            return
        self._last_file = now
        state = {
            "status": status,
            "processed": self.processed,
            "qualified": self.qualified,
            "errors": self.errors,
            "by_model": self.by_model,
            "total": self.total,
            "rate": round(self.rate, 1),
            "started_at": self.started_at,
            **self.meta,
        }
        progress.publish(self.db_path, "score", state)


def status_update(state: dict[str, Any]) -> str:
    """The seed's status block, from a progress JSON."""
    started = dt.datetime.fromisoformat(state["started_at"])
    updated = dt.datetime.fromisoformat(state["updated_at"])
    end = dt.datetime.now(dt.UTC) if state.get("status") == "running" else updated
    processed, qualified = state.get("processed", 0), state.get("qualified", 0)
    pct = 100.0 * qualified / processed if processed else 0.0
    models = max(len(state.get("models") or ()), 1)
    rate = float(state.get("rate") or 0.0) / models  # processed counts (contact, model) pairs
    status = state.get("status")
    if status == "running" and not progress.writer_alive(state):
        status = f"stopped: process {state.get('pid')} is gone; rerun to finish"
        end = updated
    return "\n".join(
        [
            "📊 WEEKEND BACKTEST STATUS UPDATE",
            f"   ⏱️ Runtime: {_duration((end - started).total_seconds())} ({status})",
            f"   📈 Job 1 (Scoring): {processed:,} processed, {qualified:,} qualified "
            f"({pct:.1f}%) of {state.get('total', 0):,}, {state.get('errors', 0):,} errors",
            f"   ⚡ Scoring rate: {rate * 3600:,.0f} contacts/hour ({rate:,.1f}/s, "
            f"{models} model{'s' if models > 1 else ''} each)",
        ]
    )
