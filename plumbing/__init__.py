"""Plumbing every stage shares and that knows no stage (it imports none of them).

- ``plumbing.warehouse``: where the warehouse is (``BACKTEST_DB``, the parquet and Spark
  folders), the lock-waiting DuckDB connection, parquet views, DuckDB types of an Arrow schema;
- ``plumbing.runlock``: one run per warehouse at a time (an advisory lock file beside the
  DuckDB file), and the short shared hold that lets ``make status`` read without ever
  blocking a writer;
- ``plumbing.progress``: the progress file each stage publishes beside the warehouse
  (``progress/<stage>.json``, replaced atomically) and its readers;
- ``plumbing.logs``: each stage's log (``logs/<stage>.log``), terminal output, redaction;
- ``plumbing.servers``: a free port, and a local server started, awaited and stopped;
- ``plumbing.failures``: every failure a user can cause as one line (what, where, what to
  do); the full traceback goes to the stage's log;
- ``plumbing.settings``: the run settings (AS_OF, DAYS, ...) checked once, before any stage
  runs (``python -m plumbing.settings``, the ``make settings`` step);
- ``plumbing.retry``: the one retry policy of every HTTP client (which failures retry,
  backoff with jitter or ``Retry-After``, how many attempts);
- ``plumbing.lifetime``: helper processes (the demo Salesforce server) that die with the
  process that started them, even on ``kill -9``.
"""
