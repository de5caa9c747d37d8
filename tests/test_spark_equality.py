"""The same backtest on DuckDB and on Spark: every mart equal, row for row, to 1e-9.

A small demo org is extracted and scored the real way into a DuckDB file, and its raw and
scoring tables are copied to parquet folders laid out as dlt's filesystem destination
writes them (tests/spark_fixtures.py). `dbt build --target duckdb` runs on the DuckDB file
and `dbt build --target spark` (dbt-spark's session method: a local Spark, started once) on
the parquet, both for the same as_of, side by side. Spark's marts are then read back from
the parquet files of its spark-warehouse folder and compared with DuckDB's.

Both sides also miss the same pieces of the org, as real orgs do: the `user` table (no
parquet folder at all on Spark) and the contacts' `mailing_country` column, so the staging
models' "missing table / missing column" path is compared too.

Needs the `spark` extra (`pip install -e '.[dev,spark]'`) and Java 17; never skipped.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from reports.data import MARTS as REPORT_MARTS
from tests.spark_fixtures import export_parquet
from tests.stages import score

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "dbt_project"
BIN = Path(sys.executable).parent
DBT = BIN / "dbt"
CONTACTS = 600
TOLERANCE = 1e-9
# Missing on both sides: a whole table and one column (see the module docstring).
MISSING_TABLE = "user"
MISSING_COLUMN = ("contact", "mailing_country")


@dataclass(frozen=True)
class Mart:
    """A mart as read back: column names, coarse types and rows."""

    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Builds:
    duckdb: dict[str, Mart]
    spark: dict[str, Mart]
    seconds: dict[str, float]
    spark_dir: Path


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment without any BACKTEST_* / TARGET setting of the caller's, plus overrides."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("BACKTEST_") and key not in {"TARGET", "DBT_TARGET"}
    }
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", DBT_PROFILES_DIR=str(PROJECT))
    env.update(overrides)
    return env


def run(args: list[str], *, env: dict[str, str], cwd: Path = ROOT) -> None:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{args}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def build_warehouse(db: Path, as_of: dt.date) -> None:
    """Extract the demo org and score it, as `make extract score` does, into `db`."""
    env = clean_env(BACKTEST_DB=str(db), BACKTEST_AS_OF=as_of.isoformat())
    python = str(BIN / "python")
    run([python, "-m", "extract", "--org", "demo", "--demo-contacts", str(CONTACTS)], env=env)
    score(env)
    con = duckdb.connect(str(db))
    try:
        con.execute(f'drop table raw_salesforce."{MISSING_TABLE}"')
        table, column = MISSING_COLUMN
        con.execute(f"alter table raw_salesforce.{table} drop column {column}")
    finally:
        con.close()


class DbtBuild:
    """`dbt build` for one target in the background, its artifacts and logs under `work`."""

    def __init__(self, target: str, work: Path, as_of: dt.date, env: dict[str, str]) -> None:
        self.target = target
        self.output = work / f"dbt-{target}.out"
        self.started = time.monotonic()
        with self.output.open("w") as log:
            self.process = subprocess.Popen(
                [
                    str(DBT),
                    "build",
                    "--target",
                    target,
                    "--vars",
                    f'{{as_of: "{as_of.isoformat()}"}}',
                    "--target-path",
                    str(work / f"target-{target}"),
                    "--log-path",
                    str(work / f"logs-{target}"),
                ],
                cwd=PROJECT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait(self) -> float:
        """Seconds the build took; fails the test with dbt's output if it failed."""
        code = self.process.wait(timeout=600)
        seconds = time.monotonic() - self.started
        output = self.output.read_text()
        assert code == 0, f"dbt build --target {self.target} failed:\n{output[-6000:]}"
        assert "ERROR=0" in output, output[-3000:]
        return seconds

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def coarse_type(duckdb_type: str) -> str:
    # Spark's timestamps are instants, written as UTC-adjusted parquet timestamps.
    return "TIMESTAMP" if duckdb_type == "TIMESTAMP WITH TIME ZONE" else duckdb_type


def naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def read_mart(con: duckdb.DuckDBPyConnection, sql: str) -> Mart:
    relation = con.execute(sql)
    columns = [column[0] for column in relation.description]
    rows = [tuple(naive_utc(value) for value in row) for row in relation.fetchall()]
    types = [
        coarse_type(str(row[1]))
        for row in con.execute(f"select * from (describe {sql})").fetchall()
    ]
    return Mart(columns=columns, types=types, rows=rows)


def duckdb_marts(db: Path) -> dict[str, Mart]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by table_name"
            ).fetchall()
        ]
        return {name: read_mart(con, f'select * from marts."{name}"') for name in names}
    finally:
        con.close()


def spark_marts(spark_dir: Path) -> dict[str, Mart]:
    """The marts Spark wrote: one folder of parquet files per table under marts.db/."""
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        marts: dict[str, Mart] = {}
        for folder in sorted((spark_dir / "spark-warehouse" / "marts.db").iterdir()):
            files = sorted(str(path) for path in folder.glob("*.parquet"))
            assert files, f"no parquet files in {folder}"
            marts[folder.name] = read_mart(con, f"select * from read_parquet({files!r})")
        return marts
    finally:
        con.close()


def sorted_rows(mart: Mart) -> list[tuple[Any, ...]]:
    """Rows ordered by their exact columns first and their doubles (rounded) last, so that
    differences in the last bits of a double cannot change the order."""
    doubles = [index for index, kind in enumerate(mart.types) if kind in {"DOUBLE", "FLOAT"}]
    exact = [index for index in range(len(mart.types)) if index not in doubles]

    def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple((row[i] is None, str(row[i])) for i in exact) + tuple(
            (row[i] is None, round(row[i] or 0.0, 6)) for i in doubles
        )

    return sorted(mart.rows, key=key)


def same_value(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return math.isclose(left, right, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return left == right


def differences(name: str, expected: Mart, actual: Mart, limit: int = 20) -> list[str]:
    found: list[str] = []
    left = sorted_rows(expected)
    right = sorted_rows(actual)
    for index, (row_left, row_right) in enumerate(zip(left, right, strict=True)):
        for column, a, b in zip(expected.columns, row_left, row_right, strict=True):
            if not same_value(a, b):
                found.append(f"{name} row {index} {column}: duckdb {a!r} != spark {b!r}")
                if len(found) >= limit:
                    return found
    return found


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Builds]:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("Java (17) is needed for the Spark target: apt-get install openjdk-17-jre")
    work = tmp_path_factory.mktemp("spark_equality")
    db = work / "wh.duckdb"
    parquet = work / "parquet"
    spark_dir = work / "spark"
    as_of = dt.datetime.now(dt.UTC).date()

    build_warehouse(db, as_of)
    written = export_parquet(db, parquet)
    assert f"raw_salesforce.{MISSING_TABLE}" not in written
    assert written["scoring.qualifications"] > 0

    # Spark first (its JVM start-up is the long pole), DuckDB beside it.
    spark = DbtBuild(
        "spark",
        work,
        as_of,
        clean_env(
            BACKTEST_PARQUET_DIR=str(parquet),
            BACKTEST_SPARK_DIR=str(spark_dir),
            SPARK_LOCAL_IP="127.0.0.1",
        ),
    )
    duck = DbtBuild("duckdb", work, as_of, clean_env(BACKTEST_DB=str(db)))
    try:
        seconds = {"duckdb": duck.wait(), "spark": spark.wait()}
    finally:
        spark.stop()
        duck.stop()
    print(f"dbt build: duckdb {seconds['duckdb']:.1f} s, spark {seconds['spark']:.1f} s")

    yield Builds(
        duckdb=duckdb_marts(db),
        spark=spark_marts(spark_dir),
        seconds=seconds,
        spark_dir=spark_dir,
    )


def test_spark_builds_the_same_marts(builds: Builds) -> None:
    assert len(builds.duckdb) >= 10
    assert sorted(builds.spark) == sorted(builds.duckdb)
    # Every figure the report shows is a column of these marts, so all are compared below.
    assert set(REPORT_MARTS) <= set(builds.duckdb)


def test_every_mart_has_the_same_columns_and_types(builds: Builds) -> None:
    for name, expected in builds.duckdb.items():
        actual = builds.spark[name]
        assert actual.columns == expected.columns, name
        assert actual.types == expected.types, name


def test_every_mart_has_the_same_rows_and_figures(builds: Builds) -> None:
    assert builds.duckdb["contact_outcomes"].rows, "the org gave no contact outcomes"
    assert builds.duckdb["deal_progressions"].rows, "the org gave no deal progressions"
    problems: list[str] = []
    for name, expected in builds.duckdb.items():
        actual = builds.spark[name]
        if len(actual.rows) != len(expected.rows):
            problems.append(f"{name}: duckdb {len(expected.rows)} rows, spark {len(actual.rows)}")
            continue
        problems.extend(differences(name, expected, actual))
    assert not problems, "\n".join(problems)


def test_missing_table_and_column_come_out_null_on_both(builds: Builds) -> None:
    for marts in (builds.duckdb, builds.spark):
        deals = marts["deal_progressions"]
        owners = {row[deals.columns.index("ae_owner")] for row in deals.rows}
        assert owners == {None}


def test_spark_keeps_its_state_in_the_build_folder(builds: Builds) -> None:
    for name in ("metastore_db", "derby.log", "spark-warehouse"):
        assert (builds.spark_dir / name).exists(), name
        assert not (PROJECT / name).exists(), f"{name} leaked into dbt_project/"
