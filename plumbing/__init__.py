"""Plumbing every stage shares and that knows no stage.

- ``plumbing.runlock``: one run per warehouse at a time (an advisory lock file beside the
  DuckDB file), and the short shared hold that lets ``make status`` read without ever
  blocking a writer;
- ``plumbing.failures``: every failure a user can cause as one line (what, where, what to
  do); the full traceback goes to the stage's log;
- ``plumbing.settings``: the run settings (AS_OF, DAYS, ...) checked once, before any stage
  runs (``python -m plumbing.settings``, the ``make settings`` step);
- ``plumbing.retry``: the one retry policy of every HTTP client (which failures retry,
  backoff with jitter or ``Retry-After``, how many attempts);
- ``plumbing.lifetime``: helper processes (the demo Salesforce server) that die with the
  process that started them, even on ``kill -9``.
"""
