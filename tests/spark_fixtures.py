"""Parquet folders laid out as dlt's filesystem destination writes them, for the Spark target.

dlt's `filesystem` destination writes each table of a dataset as a folder of parquet files
(`<bucket>/<dataset>/<table>/<load_id>.<file_id>.parquet`) beside its own `_dlt_loads`,
`_dlt_pipeline_state` and `_dlt_version` folders and an `init` marker. `export_parquet`
copies the raw and scoring tables of a DuckDB warehouse into that layout, so the Spark
target can be tested on the very org the DuckDB target reads.

    python -m tests.spark_fixtures WAREHOUSE.duckdb PARQUET_DIR
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterable
from pathlib import Path

import duckdb

# The datasets dbt reads as sources: dlt's dataset name is the DuckDB schema name.
SOURCE_SCHEMAS: tuple[str, ...] = ("raw_salesforce", "scoring")
# A load id as dlt writes it (seconds since the epoch, with a fraction).
LOAD_ID = "1764288000.000001"


def quote(identifier: str) -> str:
    """A DuckDB identifier, double-quoted."""
    return '"' + identifier.replace('"', '""') + '"'


def source_tables(
    con: duckdb.DuckDBPyConnection, schemas: Iterable[str] = SOURCE_SCHEMAS
) -> list[tuple[str, str]]:
    """(schema, table) of every data table in `schemas`; dlt's own `_dlt_*` tables are skipped."""
    wanted = list(schemas)
    placeholders = ", ".join("?" for _ in wanted)
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({placeholders}) and table_type = 'BASE TABLE' "
        "order by table_schema, table_name",
        wanted,
    ).fetchall()
    return [(schema, table) for schema, table in rows if not table.startswith("_dlt")]


def export_parquet(
    warehouse: Path, out_dir: Path, *, schemas: Iterable[str] = SOURCE_SCHEMAS
) -> dict[str, int]:
    """Write every table of `schemas` in `warehouse` to `out_dir/<schema>/<table>/*.parquet`.

    The folder of each dataset is replaced. Returns rows written per `schema.table`. An
    `init` file and an empty `_dlt_loads` folder stand in for dlt's bookkeeping, so readers
    are tested against their presence.
    """
    written: dict[str, int] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = source_tables(con, schemas)
        for schema in {schema for schema, _ in tables} | set(schemas):
            dataset = out_dir / schema
            shutil.rmtree(dataset, ignore_errors=True)
            (dataset / "_dlt_loads").mkdir(parents=True)
            (dataset / "init").write_text("")
        for schema, table in tables:
            folder = out_dir / schema / table
            folder.mkdir(parents=True)
            target = folder / f"{LOAD_ID}.{table[:10]}0.parquet"
            con.execute(
                f"copy (select * from {quote(schema)}.{quote(table)}) "
                f"to '{target.as_posix()}' (format parquet)"
            )
            count = con.execute(f"select count(*) from {quote(schema)}.{quote(table)}").fetchone()
            written[f"{schema}.{table}"] = int(count[0]) if count else 0
    finally:
        con.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.spark_fixtures", description=__doc__)
    parser.add_argument("warehouse", type=Path, help="DuckDB warehouse file")
    parser.add_argument("out_dir", type=Path, help="folder for <schema>/<table>/*.parquet")
    args = parser.parse_args(argv)
    for name, rows in export_parquet(args.warehouse, args.out_dir).items():
        print(f"{name}: {rows:,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
