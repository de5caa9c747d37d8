"""Warehouses for the scoring tests and benchmarks, from the one synthetic-org generator.

``demo_warehouse`` generates the demo org (``extract.demo.generate``) and loads it with the
extract stage, as ``make extract ORG=<folder>`` does, so the scoring step meets exactly the
raw tables a run writes. ``create_raw_tables`` / ``insert_rows`` build hand-made raw tables
with the columns and types of ``tests.dbt_fixtures.raw_columns`` (the extract stage's table
contract as dlt creates it).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from extract.demo.generate import generate_org
from extract.demo.generators import CONTACT_DAYS
from tests.dbt_fixtures import raw_columns

ROOT = Path(__file__).resolve().parents[1]


def demo_warehouse(
    db: Path, *, window_contacts: int, as_of: dt.date, days: int = 30, seed: int = 7
) -> int:
    """Load into ``db`` a demo org whose ``days``-day window ending ``as_of`` holds about
    ``window_contacts`` contacts (the org spreads its contacts over ``CONTACT_DAYS`` days,
    the newest on ``as_of``). Returns the live contacts the window holds, counted in the
    generated files."""
    org = db.with_name(f"{db.stem}-org")
    contacts = max(1, round(window_contacts * CONTACT_DAYS / days))
    generate_org(org, contacts=contacts, seed=seed, anchor=as_of + dt.timedelta(days=1))
    env = {**os.environ, "BACKTEST_DB": str(db), "RUNTIME__LOG_LEVEL": "ERROR"}
    done = subprocess.run(
        [sys.executable, "-m", "extract", "--org", str(org), "--fresh"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"extract failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return _live_in_window(org, as_of=as_of, days=days)


def _live_in_window(org: Path, *, as_of: dt.date, days: int) -> int:
    table = pacsv.read_csv(
        org / "Contact.csv",
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            include_columns=["CreatedDate", "IsDeleted"],
            column_types={"CreatedDate": pa.string(), "IsDeleted": pa.string()},
        ),
    )
    day = pc.utf8_slice_codeunits(table["CreatedDate"], 0, 10)
    start = (as_of - dt.timedelta(days=days)).isoformat()
    inside = pc.and_(pc.greater(day, start), pc.less_equal(day, as_of.isoformat()))
    return pc.sum(pc.and_(inside, pc.equal(table["IsDeleted"], "0"))).as_py() or 0


def create_raw_tables(con: Any, objects: Iterable[str] = ("Account", "Contact")) -> None:
    """Create empty ``raw_salesforce`` tables for the given objects (contract columns)."""
    from extract.salesforce.objects import OBJECTS

    con.execute("create schema if not exists raw_salesforce")
    for name in objects:
        cols = ", ".join(f'"{c}" {t}' for c, t in raw_columns(name).items())
        con.execute(f'create or replace table raw_salesforce."{OBJECTS[name].table}" ({cols})')


def insert_rows(con: Any, object_name: str, rows: list[dict[str, Any]]) -> None:
    """Insert dict rows (missing columns null) into ``raw_salesforce.<table>``."""
    from extract.salesforce.objects import OBJECTS

    if not rows:
        return
    table = pa.table({c: [r.get(c) for r in rows] for c in raw_columns(object_name)})
    con.register("scoring_synthetic_rows", table)
    try:
        con.execute(
            f'insert into raw_salesforce."{OBJECTS[object_name].table}" by name '
            "select * from scoring_synthetic_rows"
        )
    finally:
        con.unregister("scoring_synthetic_rows")
