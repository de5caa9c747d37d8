"""A multi-currency org end to end (issue #10): the demo org with ``CURRENCIES=USD,EUR,GBP``
extracted over the REST API (and the same files as a Data Export), scored, built by dbt,
and reported. Amounts are compared only in the corporate currency.

Expected corporate amounts are recomputed here from the org's own CSV files: the dated rate
whose [StartDate, NextStartDate) holds the close date, else the CurrencyType rate, and
amount / rate (rates are units of the currency per corporate unit).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from extract.demo.generate import generate_org
from tests.stages import score

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "dbt_project"
CONTACTS = 1500
CURRENCIES = "USD,EUR,GBP"


def run(args: list[str], *, env: dict[str, str], cwd: Path = ROOT) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def clean_env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "BACKTEST_"))}
    env.update(
        BACKTEST_DB=str(db), DBT_PROFILES_DIR=str(PROJECT), DBT_SEND_ANONYMOUS_USAGE_STATS="false"
    )
    return env


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The multi-currency demo org over REST: extract, score, dbt build, report."""
    work = tmp_path_factory.mktemp("currencies")
    db = work / "wh.duckdb"
    env = {**clean_env(db), "BACKTEST_DEMO_CURRENCIES": CURRENCIES}
    py = sys.executable
    run([py, "-m", "extract", "--org", "demo", "--demo-contacts", str(CONTACTS)], env=env)
    score(env, "--no-progress")  # as `make score`: dbt builds its input first
    run(
        [str(Path(py).with_name("dbt")), "build", "--quiet", "--target-path", str(work / "t")],
        env=env,
        cwd=PROJECT,
    )
    run([py, "-m", "reports", "--db", str(db)], env=env)
    return db


def org_folder(db: Path) -> Path:
    (folder,) = (db.parent / "orgs").glob("demo-*-USD-EUR-GBP")
    return folder


def read(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def expected_corporate_amounts(folder: Path) -> dict[str, float | None]:
    types = {r["IsoCode"]: float(r["ConversionRate"]) for r in read(folder, "CurrencyType")}
    corporate = next(r["IsoCode"] for r in read(folder, "CurrencyType") if r["IsCorporate"] == "1")
    dated = [
        (r["IsoCode"], r["StartDate"], r["NextStartDate"], float(r["ConversionRate"]))
        for r in read(folder, "DatedConversionRate")
    ]
    out: dict[str, float | None] = {}
    for opp in read(folder, "Opportunity"):
        if opp["IsDeleted"] == "1":  # staging drops deleted rows
            continue
        if not opp["Amount"]:
            out[opp["Id"]] = None
            continue
        code, close, amount = opp["CurrencyIsoCode"], opp["CloseDate"], float(opp["Amount"])
        if code == corporate:
            out[opp["Id"]] = amount
            continue
        rate = next((r for c, s, n, r in dated if c == code and s <= close < n), types[code])
        out[opp["Id"]] = amount / rate
    return out


def test_the_org_is_multi_currency_and_loads_its_currency_objects(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        types = con.execute(
            "select iso_code, is_corporate from raw_salesforce.currency_type order by iso_code"
        ).fetchall()
        dated = con.execute("select count(*) from raw_salesforce.dated_conversion_rate").fetchone()
        codes = dict(
            con.execute(
                "select currency_iso_code, count(*) from raw_salesforce.opportunity group by 1"
            ).fetchall()
        )
    assert types == [("EUR", False), ("GBP", False), ("USD", True)]
    assert dated == (6,)
    assert set(codes) == {"USD", "EUR", "GBP"} and min(codes.values()) > 10


def test_every_amount_is_converted_with_the_rate_of_its_close_date(warehouse: Path) -> None:
    expected = expected_corporate_amounts(org_folder(warehouse))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select opportunity_id, amount, corporate_currency, rate_source "
            "from intermediate.int_opportunity_amounts_converted"
        ).fetchall()
    assert len(rows) == len(expected)
    sources = set()
    for opportunity_id, amount, corporate, source in rows:
        assert corporate == "USD"
        sources.add(source)
        if expected[opportunity_id] is None:
            assert amount is None
        else:
            assert amount == pytest.approx(expected[opportunity_id], rel=1e-9)
    assert {"corporate", "dated"} <= sources and "missing" not in sources


def test_misses_are_ranked_in_the_corporate_currency(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select model, miss_type, kind_rank, amount, amount_original, currency_iso_code, "
            "corporate_currency, kind_amount from marts.review_misses "
            "where miss_type <> 'closed_at_stage_one' order by model, miss_type, kind_rank"
        ).fetchall()
    assert rows, "the demo org has missed won or late-stage deals"
    assert {r[5] for r in rows} - {"USD"}, "some misses are in EUR or GBP"
    by_kind: dict[tuple[str, str], list[tuple]] = {}
    for row in rows:
        by_kind.setdefault((row[0], row[1]), []).append(row)
    for kind_rows in by_kind.values():
        amounts = [r[3] for r in kind_rows]
        assert amounts == sorted(amounts, key=lambda a: (a is None, -(a or 0)))
        assert kind_rows[0][7] == pytest.approx(sum(a for a in amounts if a is not None))
        assert all(r[6] == "USD" for r in kind_rows)


def test_the_report_names_the_corporate_currency(warehouse: Path) -> None:
    page = (warehouse.parent / "report" / "index.html").read_text(encoding="utf-8")
    assert "Amounts are in the corporate currency, USD" in page
    assert "in the org&#x27;s currency" not in page and "in the org's currency" not in page


def test_the_export_path_loads_the_same_currencies(tmp_path: Path, warehouse: Path) -> None:
    """The same files read as a Data Export give the same currency rows as the REST API."""
    folder = tmp_path / "org"
    generate_org(
        folder,
        contacts=300,
        seed=5,
        anchor=date(2026, 11, 20),
        currencies=("EUR", "USD"),
    )
    db = tmp_path / "export.duckdb"
    run([sys.executable, "-m", "extract", "--org", str(folder)], env=clean_env(db))
    with duckdb.connect(str(db), read_only=True) as con:
        types = con.execute(
            "select iso_code, conversion_rate, is_corporate from raw_salesforce.currency_type "
            "order by iso_code"
        ).fetchall()
        ranges = con.execute(
            "select iso_code, start_date, next_start_date from raw_salesforce.dated_conversion_rate"
            " order by iso_code, start_date"
        ).fetchall()
        codes = {
            r[0]
            for r in con.execute(
                "select distinct currency_iso_code from raw_salesforce.opportunity"
            ).fetchall()
        }
    assert types[0][0] == "EUR" and types[0][1:] == (1.0, True)
    assert types[1][0] == "USD" and types[1][2] is False
    assert [r[0] for r in ranges] == ["EUR", "EUR", "USD", "USD"]
    assert ranges[0][1] == date(1900, 1, 1) and ranges[1][2] == date(9999, 12, 31)
    assert codes == {"EUR", "USD"}
