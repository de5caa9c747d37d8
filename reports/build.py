"""Build the static report: read the marts, write one self-contained HTML file.

``build_report(db, out)`` reads every figure in one short read-only visit to the warehouse
(:func:`reports.data.load`), renders the page (:func:`render`), and writes it atomically,
so a browser never sees half a file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from plumbing.progress import write_atomic
from reports import answers, beyond, figures, sections
from reports.data import ReportData, generated_at, load
from reports.html import Safe
from reports.page import document

TOC = (
    ("verdict", "Verdict"),
    ("how-to-read", "How to read this"),
    ("questions", "Questions"),
    ("expected", "Expected results"),
    ("confusion", "Confusion matrix"),
    ("curves", "ROC & PR"),
    ("calibration", "Calibration & lift"),
    ("thresholds", "Thresholds"),
    ("segments", "Segments"),
    ("patterns", "Patterns"),
    ("comparison", "vs baseline"),
    ("stability", "Stability"),
    ("progression", "Progression"),
    ("revenue", "Revenue"),
    ("fitted", "Fitted yardstick"),
    ("pending", "Pending"),
    ("review", "Review list"),
    ("quality", "Data quality"),
)


def default_out(db: Path) -> Path:
    """The report file beside the warehouse: ``<warehouse dir>/report/index.html``."""
    return db.parent / "report" / "index.html"


def render(data: ReportData, *, generated: dt.datetime | None = None) -> Safe:
    """The whole page for ``data``."""
    generated = generated or generated_at()
    body = [
        sections.verdict(data),
        sections.how_to_read(data),
        answers.questions(data),
        answers.expected_results(data),
        sections.confusion(data),
        figures.curves(data),
        figures.calibration(data),
        figures.thresholds(data),
        figures.segments(data),
        figures.patterns(data),
        sections.comparison(data),
        beyond.stability(data),
        beyond.progression(data),
        beyond.revenue(data),
        beyond.fitted(data),
        sections.pending(data),
        sections.review(data),
        sections.data_quality(data),
    ]
    as_of = data.first.get("as_of")
    return document(
        title=f"Lead-qualification backtest, as of {as_of}",
        header=sections.header(data, generated=generated),
        toc=TOC,
        sections=body,
        footer=sections.footer(data),
    )


def build_report(
    db: Path, out: Path | None = None, *, generated: dt.datetime | None = None
) -> Path:
    """Read the marts of ``db`` and write the report to ``out`` (default beside ``db``)."""
    db = db.expanduser().resolve()
    out = (out or default_out(db)).expanduser().resolve()
    data = load(db)
    write_atomic(out, render(data, generated=generated))
    return out
