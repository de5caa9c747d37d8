"""``python -m reports.spark_marts``: after ``dbt build --target spark``, views in the
warehouse file over the marts Spark wrote as parquet, so ``make report`` and ``make status``
read the same ``marts.*`` tables whichever engine built them (``TARGET=spark``).

Spark keeps each mart in ``<BACKTEST_SPARK_DIR>/spark-warehouse/marts.db/<mart>/``.
"""

from __future__ import annotations

import sys

import duckdb

from plumbing.warehouse import default_db, parquet_views, spark_dir


def main() -> int:
    db = default_db()
    marts = spark_dir() / "spark-warehouse" / "marts.db"
    folders = {p.name: p for p in marts.iterdir() if p.is_dir()} if marts.is_dir() else {}
    with duckdb.connect(str(db)) as con:
        names = parquet_views(con, "marts", folders)
    if not names:
        raise SystemExit(f"No marts under {marts}: run `make transform TARGET=spark` first.")
    print(f"Spark marts readable from {db}: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
