"""Score: the qualification API (reference models) and the httpx scoring step.

Modules:

- ``scoring.api`` — the reference qualification API (FastAPI app, ``python -m scoring.api``).
- ``scoring.models`` / ``scoring.signals`` — the two deterministic reference models and the
  signal vocabulary they read.
- ``scoring.domains`` — business-domain derivation (email, else account website).
- ``scoring.client`` — the httpx client of any service speaking the contract.
- ``scoring.warehouse`` — reading ``marts.contacts_to_score`` (built by dbt) and writing
  ``scoring.qualifications``.
- ``scoring.step`` — the scoring step (``python -m scoring``); its benchmark is
  ``tests/bench_scoring.py``.

Errors are drawn in ``scoring.errors``.
"""

from __future__ import annotations

from scoring.errors import ScoringError

__all__ = ["ScoringError"]
