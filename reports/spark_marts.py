"""``python -m reports.spark_marts``: after ``dbt build --target spark``, views in the
warehouse file over the marts Spark wrote as parquet, so ``make report`` and ``make status``
read the same ``marts.*`` tables whichever engine built them (``TARGET=spark``).

Spark keeps each mart in ``<BACKTEST_SPARK_DIR>/spark-warehouse/marts.db/<mart>/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

from reports.build import default_db


def spark_marts_dir() -> Path:
    root = Path(os.environ.get("BACKTEST_SPARK_DIR") or "data/spark").expanduser().resolve()
    return root / "spark-warehouse" / "marts.db"


def register(db: Path, marts: Path) -> list[str]:
    """Create or replace ``marts.<mart>`` views over every mart folder; return their names."""
    names = sorted(p.name for p in marts.iterdir() if p.is_dir() and any(p.glob("*.parquet")))
    if not names:
        raise SystemExit(f"No marts under {marts}: run `make transform TARGET=spark` first.")
    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists marts")
        for name in names:
            existing = con.execute(
                "select table_type from information_schema.tables "
                "where table_schema = 'marts' and table_name = ?",
                [name],
            ).fetchone()
            if existing and existing[0] == "BASE TABLE":  # built earlier by the duckdb target
                con.execute(f'drop table marts."{name}"')
            con.execute(
                f'create or replace view marts."{name}" as select * from '
                f"read_parquet('{(marts / name).as_posix()}/*.parquet')"
            )
    return names


def main() -> int:
    db = default_db().resolve()
    names = register(db, spark_marts_dir())
    print(f"Spark marts readable from {db}: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
