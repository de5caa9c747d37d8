"""Where the warehouse lives, and opening it without meeting another process's lock.

Every stage finds the warehouse the same way: ``BACKTEST_DB`` (the Makefile exports it),
else ``data/backtest.duckdb``; the Spark target's folders likewise (``BACKTEST_PARQUET_DIR``,
``BACKTEST_SPARK_DIR``). DuckDB lets one process write a file or several read it, not both:
``connect`` waits a moment for the other process instead of failing at once, and
``parquet_views`` lets the warehouse file read tables a Spark run wrote as parquet.

Errors (one line each; a stage turns them into its own)::

    WarehouseOpenError        the file cannot be opened
    └── WarehouseLockedError  another process holds it, still after the wait
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

DEFAULT_DB = "data/backtest.duckdb"
_LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "lock on file")


class WarehouseOpenError(Exception):
    """The warehouse file cannot be opened."""


class WarehouseLockedError(WarehouseOpenError):
    """Another process holds the warehouse file."""


def _path(name: str, default: str, env: Mapping[str, str] | None = None) -> Path:
    value = (os.environ if env is None else env).get(name)
    return Path(value or default).expanduser().resolve()


def default_db(env: Mapping[str, str] | None = None) -> Path:
    """The warehouse file: ``BACKTEST_DB`` (of ``env``, default the process environment),
    else ``data/backtest.duckdb``; absolute."""
    return _path("BACKTEST_DB", DEFAULT_DB, env)


def parquet_dir() -> Path:
    """Where the Spark target's raw and scoring parquet lands (``BACKTEST_PARQUET_DIR``)."""
    return _path("BACKTEST_PARQUET_DIR", "data/parquet")


def spark_dir() -> Path:
    """dbt's local Spark folder (``BACKTEST_SPARK_DIR``); marts under ``spark-warehouse``."""
    return _path("BACKTEST_SPARK_DIR", "data/spark")


def duckdb_types(schema: pa.Schema) -> dict[str, str]:
    """Column -> DuckDB type of a table created from Arrow data of ``schema`` (as dlt or an
    insert from Arrow creates it), e.g. ``timestamp with time zone``."""
    import duckdb

    empty = duckdb.from_arrow(schema.empty_table())
    return {name: str(kind).lower() for name, kind in zip(empty.columns, empty.types, strict=True)}


def is_lock_error(exc: BaseException) -> bool:
    """Whether a DuckDB error says another process holds the file."""
    return any(marker in str(exc) for marker in _LOCK_MARKERS)


@contextmanager
def connect(
    db: Path, *, read_only: bool = False, wait: float = 10.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived DuckDB connection; waits up to ``wait`` s for another process's lock."""
    import duckdb  # here, so that the run lock and settings checks start fast

    deadline = time.monotonic() + wait
    while True:
        try:
            con = duckdb.connect(str(db), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not is_lock_error(exc):
                raise WarehouseOpenError(f"cannot open warehouse {db}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"warehouse {db} is locked by another process (DuckDB allows one "
                    "writer or many readers); wait for it to finish, then rerun"
                ) from exc
            time.sleep(0.2)
    try:
        yield con
    finally:
        con.close()


def parquet_views(
    con: duckdb.DuckDBPyConnection, schema: str, folders: Mapping[str, Path]
) -> list[str]:
    """Create or replace ``<schema>.<name>`` views over each folder's parquet files.

    Folders without parquet are skipped; a table of that name (built earlier by the DuckDB
    target) is replaced by the view. Files are read by column name, so loads that added
    columns read together. Returns the names of the views.
    """
    con.execute(f'create schema if not exists "{schema}"')
    made = []
    for name, folder in sorted(folders.items()):
        if not any(folder.glob("*.parquet")):
            continue
        kind = con.execute(
            "select table_type from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()
        if kind and kind[0] == "BASE TABLE":
            con.execute(f'drop table "{schema}"."{name}"')
        con.execute(
            f'create or replace view "{schema}"."{name}" as select * from '
            f"read_parquet('{folder.as_posix()}/*.parquet', union_by_name = true)"
        )
        made.append(name)
    return made
