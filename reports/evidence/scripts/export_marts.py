"""Copy the dbt marts of a backtest warehouse into a small DuckDB file Evidence can open.

Evidence's DuckDB connector (@duckdb/node-api 1.4) cannot open a file written by the project's
DuckDB 2.x, so the marts are copied into a file in an older storage format. The warehouse is
attached read only, so a running backtest is not disturbed.

    python scripts/export_marts.py WAREHOUSE OUT
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

#: The newest storage format @duckdb/node-api 1.4 reads.
STORAGE_VERSION = "v1.2.0"


def export(warehouse: Path, out: Path) -> list[str]:
    out.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute("attach ? as wh (read_only)", [str(warehouse)])
        con.execute(f"attach ? as ev (storage_version '{STORAGE_VERSION}')", [str(out)])
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'wh' and table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        if not tables:
            raise SystemExit(f"evidence: {warehouse} has no marts (run make transform first)")
        con.execute("create schema ev.marts")
        for name in tables:
            con.execute(f'create table ev.marts."{name}" as select * from wh.marts."{name}"')
        con.execute("detach ev")
    finally:
        con.close()
    return tables


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    names = export(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"evidence: copied {len(names)} marts to {sys.argv[2]}")
