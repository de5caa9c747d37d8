"""DuckDB side of the scoring step: read ``marts.contacts_to_score``, write
``scoring.qualifications``.

The contacts to score and every field sent for them come from the dbt model
``contacts_to_score`` (window, dedupe, deleted rows, 18-character ids, UTC, fields as of each
contact's arrival): this module selects it and restates none of its rules.

Connections are short-lived: inputs are read with one connection that is closed before any
HTTP call; rows are written by a writer thread, whole batches per transaction (batches that
arrive within a quarter of a second share a commit). The writer keeps its
connection while batches keep coming and closes it after ``idle_close`` seconds without work:
reopening per batch costs a checkpoint each time (about 13 ms here, 4x the insert itself),
and a second process can watch progress through ``data/progress/score.json`` instead.

Rows are keyed by (contact_id, model, model_version, as_of), a real primary key: a batch
that retries earlier error rows deletes them in the same transaction, so a rerun or a run
after ``kill -9`` never duplicates a row, and a committed batch is never lost.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from plumbing import warehouse
from scoring.errors import WarehouseError

SCHEMA = "scoring"
TABLE = "qualifications"
QUALIFICATIONS = f"{SCHEMA}.{TABLE}"

PRIMARY_KEY = ("contact_id", "model", "model_version", "as_of")

#: The output contract (dbt source ``scoring.qualifications``). ``inputs_truncated`` was added
#: after the first release: ensure_table adds it to older warehouses.
ARROW_SCHEMA = pa.schema(
    [
        ("contact_id", pa.string()),
        ("model", pa.string()),
        ("model_version", pa.string()),
        ("as_of", pa.date32()),
        ("scored_at", pa.timestamp("us")),
        ("domain", pa.string()),
        ("domain_source", pa.string()),
        ("score", pa.float64()),
        ("is_qualified", pa.bool_()),
        ("confidence", pa.string()),
        ("industries", pa.string()),
        ("use_cases", pa.string()),
        ("enterprise_indicators", pa.string()),
        ("reasoning", pa.string()),
        ("business_signals", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("input_point_in_time", pa.string()),
        ("inputs_edited_after", pa.string()),
        ("point_in_time_mode", pa.string()),
        ("inputs_truncated", pa.string()),
    ]
)
#: The same contract as DuckDB column types (the qualifications table's DDL).
COLUMNS: dict[str, str] = warehouse.duckdb_types(ARROW_SCHEMA)

#: The scoring step's input, built by dbt (``make score`` builds it first).
INPUTS = "marts.contacts_to_score"

#: Columns read from the input: the contact, the fields sent, and how sure they are.
INPUT_COLUMNS: tuple[str, ...] = (
    "contact_id",
    "contact_name",
    "company_name",
    "website",
    "industry",
    "employees",
    "annual_revenue",
    "description",
    "title",
    "email",
    "lead_source",
    "input_point_in_time",
    "inputs_edited_after",
    "point_in_time_mode",
)


@contextmanager
def connect(path: Path, *, read_only: bool = False, wait: float = 10.0) -> Iterator[Any]:
    """A short-lived DuckDB connection; waits up to ``wait`` s for another process's lock."""
    try:
        with warehouse.connect(path, read_only=read_only, wait=wait) as con:
            yield con
    except warehouse.WarehouseOpenError as exc:
        raise WarehouseError(str(exc)) from exc


def ensure_table(con: Any) -> None:
    """Create schema ``scoring`` and table ``qualifications`` if missing."""
    columns = ",\n    ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"create table if not exists {QUALIFICATIONS} (\n    {columns},\n"
        f"    primary key ({', '.join(PRIMARY_KEY)})\n)"
    )
    _add_missing_columns(con)


def _add_missing_columns(con: Any) -> None:
    """Columns added to ``COLUMNS`` after a warehouse was created (``inputs_truncated``)."""
    present = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [SCHEMA, TABLE],
        ).fetchall()
    }
    for name, kind in COLUMNS.items():
        if name not in present:
            con.execute(f"alter table {QUALIFICATIONS} add column {name} {kind}")


def _require_inputs(con: Any, path: Path) -> None:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'contacts_to_score'"
    ).fetchone()[0]
    if not found:
        raise WarehouseError(
            f"{path} has no {INPUTS}: run `make score` (it builds that dbt model, then "
            "scores), or `make extract` first if nothing was loaded yet"
        )


@dataclass(frozen=True)
class Inputs:
    """What one run reads: the contacts to score (an Arrow table of ``INPUT_COLUMNS``), and per
    (model, version) the contacts already scored ok and those to score again."""

    table: pa.Table
    ok: dict[tuple[str, str], set[str]]
    errors: dict[tuple[str, str], set[str]]

    @property
    def contacts(self) -> dict[str, list[Any]]:
        """The contacts as Python lists, column by column (for small windows and tests)."""
        return {name: self.table.column(name).to_pylist() for name in INPUT_COLUMNS}

    def __len__(self) -> int:
        return self.table.num_rows


def read_inputs(
    path: Path, *, as_of: dt.date, days: int, models: Sequence[tuple[str, str]]
) -> Inputs:
    """The contacts of ``marts.contacts_to_score`` (checked to be built for ``as_of`` and
    ``days``), and for each (model, version) the contact ids already scored ok for this
    as_of with the same point-in-time mode; rows with an error, or scored with another
    point-in-time mode, are scored again and replaced."""
    if not path.exists():
        raise WarehouseError(f"warehouse {path} does not exist: run `make extract` first")
    names = ", ".join(INPUT_COLUMNS)
    with connect(path) as con:
        _require_inputs(con, path)
        ensure_table(con)
        try:
            built = con.execute(
                f"select distinct as_of, window_days from {INPUTS} limit 2"
            ).fetchall()
            table = con.sql(
                f"select {names} from {INPUTS} order by created_at, contact_id"
            ).to_arrow_table()
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot read {INPUTS} from {path}: {exc}") from exc
        if built and (len(built) > 1 or tuple(built[0]) != (as_of, days)):
            found = ", ".join(f"AS_OF={a} DAYS={d}" for a, d in built)
            raise WarehouseError(
                f"{INPUTS} was built for {found}, not AS_OF={as_of} DAYS={days}: run "
                f"`make score AS_OF={as_of} DAYS={days}` (it rebuilds the model first)"
            )
        mode = table.column("point_in_time_mode")[0].as_py() if table.num_rows else None
        ok: dict[tuple[str, str], set[str]] = {}
        errors: dict[tuple[str, str], set[str]] = {}
        for model, version in models:
            rows = con.execute(
                f"select contact_id, status = 'ok' and point_in_time_mode is not distinct "
                f"from ? from {QUALIFICATIONS} "
                "where model = ? and model_version = ? and as_of = ?",
                [mode, model, version, as_of],
            ).fetchall()
            ok[model, version] = {cid for cid, is_ok in rows if is_ok}
            errors[model, version] = {cid for cid, is_ok in rows if not is_ok}
    return Inputs(table, ok, errors)


def rows_table(
    columns: dict[str, Sequence[Any]], *, constants: dict[str, Any] | None = None
) -> pa.Table:
    """An Arrow table in the output schema from column lists and per-batch constants
    (columns in neither are null)."""
    constants = constants or {}
    n = len(columns["contact_id"])
    arrays = []
    for field in ARROW_SCHEMA:
        if field.name in columns:
            arrays.append(pa.array(columns[field.name], type=field.type))
        elif field.name in constants:
            arrays.append(pa.repeat(pa.scalar(constants[field.name], field.type), n))
        else:
            arrays.append(pa.nulls(n, type=field.type))
    return pa.Table.from_arrays(arrays, schema=ARROW_SCHEMA)


@dataclass
class _Job:
    table: pa.Table
    replace: bool


class Writer:
    """Writes row batches from a queue on its own thread, whole batches per transaction.

    ``submit`` never blocks the event loop; ``close`` flushes and raises any error the
    thread met. Batches arriving within ``linger`` seconds of each other (up to
    ``group_rows`` rows) share one commit: each batch stays whole (all its rows are
    committed or none), a ``kill -9`` loses at most the last ``linger`` seconds of
    answers (scored again by the rerun), and DuckDB does half the work of one commit per
    1,000-row batch (measured).
    """

    def __init__(
        self,
        path: Path,
        *,
        idle_close: float = 1.0,
        linger: float = 0.25,
        group_rows: int = 10_000,
    ) -> None:
        self.path = path
        self.idle_close = idle_close
        self.linger = linger
        self.group_rows = group_rows
        self.rows_written = 0
        self.commits = 0
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="scoring-writer", daemon=True)
        self._thread.start()

    def submit(self, table: pa.Table, *, replace: bool = False) -> None:
        """Queue a batch; ``replace`` deletes rows with the same keys first (retries)."""
        self.check()
        self._queue.put(_Job(table, replace))

    def check(self) -> None:
        """Raise the writer thread's error, if it met one."""
        if self._error is not None:
            raise WarehouseError(f"writing to {self.path} failed: {self._error}") from self._error

    def close(self) -> None:
        """Flush every queued batch, stop the thread, and raise its error if any."""
        self._queue.put(None)
        self._thread.join()
        self.check()

    def _run(self) -> None:
        con = None
        try:
            while True:
                try:
                    job = self._queue.get(timeout=self.idle_close if con else None)
                except queue.Empty:
                    con.close()
                    con = None
                    continue
                jobs, done = self._gather(job)
                if jobs:
                    con = con or self._open()
                    self._write(con, jobs)
                if done:
                    return
        except BaseException as exc:  # reported by check()/close() on the caller's thread
            self._error = exc
            self._drain()
        finally:
            if con is not None:
                con.close()

    def _gather(self, first: _Job | None) -> tuple[list[_Job], bool]:
        """The batches for one commit: ``first`` plus whatever arrives within ``linger``
        seconds, up to ``group_rows`` rows; and whether the stop sentinel came."""
        if first is None:
            return [], True
        jobs, rows = [first], first.table.num_rows
        deadline = time.monotonic() + self.linger
        while rows < self.group_rows:
            try:
                job = self._queue.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                break
            if job is None:
                return jobs, True
            jobs.append(job)
            rows += job.table.num_rows
        return jobs, False

    def _open(self) -> Any:
        deadline = time.monotonic() + 30.0
        while True:
            try:
                con = duckdb.connect(str(self.path))
                # Checkpoint once when the connection closes, not every 16 MB of WAL while
                # rows stream in: measured 3x less writer CPU for a 100k-contact run. Each
                # commit is still durable in the WAL (a kill -9 loses nothing committed).
                con.execute("set checkpoint_threshold = '1GB'")
                # One thread: batches are small, and the API server needs the other core
                # (measured: 30 % less writer CPU than DuckDB's default of one per core).
                con.execute("set threads = 1")
                return con
            except duckdb.IOException as exc:
                if time.monotonic() >= deadline or not warehouse.is_lock_error(exc):
                    raise
                time.sleep(0.2)

    def _write(self, con: Any, jobs: list[_Job]) -> None:
        table = pa.concat_tables([j.table for j in jobs]) if len(jobs) > 1 else jobs[0].table
        replace = any(j.replace for j in jobs)
        try:
            self._transaction(con, table, replace=replace)
        except duckdb.ConstraintException:
            # Someone else (another run) wrote some of these keys since we read: replace them.
            self._transaction(con, table, replace=True)
        self.rows_written += table.num_rows
        self.commits += 1

    @staticmethod
    def _transaction(con: Any, table: pa.Table, *, replace: bool) -> None:
        names = ", ".join(COLUMNS)
        con.execute("begin transaction")
        try:
            con.register("scoring_batch", table)
            if replace:
                keys = " and ".join(f"q.{k} = b.{k}" for k in PRIMARY_KEY)
                con.execute(
                    f"delete from {QUALIFICATIONS} as q using scoring_batch as b where {keys}"
                )
            con.execute(f"insert into {QUALIFICATIONS} ({names}) select {names} from scoring_batch")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        finally:
            con.unregister("scoring_batch")

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return


def export_parquet(path: Path, root: Path) -> Path:
    """Copy ``scoring.qualifications`` to ``<root>/scoring/qualifications/`` as parquet, the
    layout dlt's filesystem destination uses, for dbt's Spark target (``TARGET=spark``).

    The warehouse file stays the step's own record (resume, idempotence); the parquet copy is
    replaced whole each run, so it always equals the table.
    """
    folder = root / SCHEMA / TABLE
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / "qualifications.parquet"
    partial = folder / "qualifications.parquet.partial"
    with connect(path, read_only=True) as con:
        con.execute(
            f"copy (select * from {QUALIFICATIONS}) to '{partial.as_posix()}' (format parquet)"
        )
    partial.replace(final)
    return final
