"""Reading the verdict: the static HTML report and the terminal status update.

Modules:

- ``reports.status`` — ``make status`` and the end-of-run summary.
- ``reports.data`` — the static report's one short read-only visit to the warehouse: the
  marts as they are (every figure on the page is a mart column), plus the scoring run's
  progress file and the extracted org's marker.
- ``reports.checks`` — the seed's Expected Results, each met / not met / not measurable.
- ``reports.verdict`` — the one-sentence verdict per model.
- ``reports.answers`` — the seed's Key Questions and Business Insights, answered.
- ``reports.charts`` — inline SVG charts (and thinning long curves for drawing).
- ``reports.sections`` / ``reports.figures`` / ``reports.page`` — the page itself;
  ``reports.html`` — the escaping HTML builder every value goes through.
- ``reports.build`` — ``build_report(db, out)``; ``python -m reports`` is its CLI.

Errors are drawn in ``reports.errors``.
"""

from __future__ import annotations

from reports.errors import ReportError

__all__ = ["ReportError"]
