"""TARGET=spark: extract writes parquet through dlt's filesystem destination and scoring
copies its output beside it, holding the same rows as the DuckDB target's tables.

(Whether Spark then builds marts equal to DuckDB's is tests/test_spark_equality.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from extract.salesforce.objects import OBJECTS
from tests.stages import score

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    work = tmp_path_factory.mktemp("targets")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "BACKTEST_"))}
    duck = {**base, "BACKTEST_DB": str(work / "duck" / "wh.duckdb"), "BACKTEST_TARGET": "duckdb"}
    spark = {
        **base,
        "BACKTEST_DB": str(work / "spark" / "wh.duckdb"),
        "BACKTEST_TARGET": "spark",
        "BACKTEST_PARQUET_DIR": str(work / "parquet"),
    }
    for env in (duck, spark):
        run(["-m", "extract", "--demo-contacts", "500"], env)
        score(env)  # its input built by dbt on DuckDB over the raw views, for speed
    return Path(duck["BACKTEST_DB"]), Path(spark["BACKTEST_DB"]), work / "parquet"


def rows(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> list[tuple]:
    select = ", ".join(f'"{c}"' for c in columns)
    return sorted(con.execute(f"select {select} from {relation}").fetchall(), key=repr)


def test_raw_parquet_holds_the_same_records_as_the_duckdb_tables(
    both: tuple[Path, Path, Path],
) -> None:
    duck_db, _, parquet = both
    with duckdb.connect(str(duck_db), read_only=True) as con:
        loaded = {
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw_salesforce'"
            ).fetchall()
        }
        for obj in OBJECTS.values():
            folder = parquet / "raw_salesforce" / obj.table
            if obj.table not in loaded:  # currencies: the demo org is single-currency here
                assert obj.multi_currency_only and not list(folder.glob("*.parquet")), obj.table
                continue
            assert list(folder.glob("*.parquet")), f"no parquet for {obj.table}"
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where "
                    "table_schema = 'raw_salesforce' and table_name = ?",
                    [obj.table],
                ).fetchall()
                if not c.startswith("_dlt")
            ]
            expected = rows(con, f'raw_salesforce."{obj.table}"', columns)
            got = rows(con, f"read_parquet('{folder}/*.parquet')", columns)
            assert got == expected, obj.table


def test_the_warehouse_file_reads_the_parquet_and_scoring_copies_its_output(
    both: tuple[Path, Path, Path],
) -> None:
    duck_db, spark_db, parquet = both
    columns = ["contact_id", "model", "model_version", "as_of", "score", "is_qualified", "status"]
    copied = parquet / "scoring" / "qualifications" / "qualifications.parquet"
    with duckdb.connect(str(spark_db), read_only=True) as con:
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_schema = 'raw_salesforce'"
            ).fetchall()
        )
        assert kinds["contact"] == "VIEW"  # over the parquet, not a copy
        in_file = rows(con, "scoring.qualifications", columns)
        in_parquet = rows(con, f"read_parquet('{copied}')", columns)
    with duckdb.connect(str(duck_db), read_only=True) as con:
        on_duckdb = rows(con, "scoring.qualifications", columns)
    assert in_parquet == in_file
    assert [r[:6] for r in in_file] == [r[:6] for r in on_duckdb] and len(in_file) > 100
