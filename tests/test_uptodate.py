"""A step whose inputs did not change since its last success is skipped (plumbing.uptodate).

The unit cases run ``python -m plumbing.uptodate`` for real on a small hand-made warehouse,
with a step that appends a line to a file each time it really runs: what must run and what
must be skipped is written by hand for each change (new rows, a changed row in a table
without a timestamp, code, settings, a dropped output, a failure, ``UPTODATE=off``). The
end-to-end case runs ``make backtest`` on an export-folder org twice (the second skips
every dbt build, fitted_history's training and the report, and ends with the same marts),
then after the org changed (every step runs again and the marts see the new contacts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from plumbing.uptodate import record_path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema raw_salesforce")
        con.execute("create schema scoring")
        con.execute("create schema marts")
        con.execute(
            "create table raw_salesforce.contact as "
            "select 'c1' as id, 'CTO' as title, '1700000000.1' as _dlt_load_id"
        )
        # dlt's own tables change on every load, even one that loads nothing: not read.
        con.execute("create table raw_salesforce._dlt_loads as select '1700000000.1' as load_id")
        con.execute(
            "create table scoring.qualifications as select 'c1' as contact_id, 0.5 as score, "
            "timestamp '2026-11-01 10:00:00' as scored_at"
        )
        con.execute("create table scoring.model_card_terms as select 'employees' as term, 0.5 as c")
    return db


@pytest.fixture
def code(tmp_path: Path) -> Path:
    folder = tmp_path / "code"
    (folder / "models").mkdir(parents=True)
    (folder / "models" / "a.sql").write_text("select 1\n")
    (folder / "target").mkdir()
    (folder / "target" / "run_results.json").write_text("{}")
    return folder


def step(
    db: Path,
    code: Path,
    *,
    name: str = "build",
    fail: bool = False,
    makes: Path | None = None,
    extra: list[str] | None = None,
    **env: str,
) -> tuple[bool, str]:
    """Run the step through plumbing.uptodate; return whether it really ran, and its output."""
    ran = db.parent / f"{name}.ran"
    before = ran.read_text().count("\n") if ran.exists() else 0
    body = (
        "import duckdb, pathlib, sys; "
        f"pathlib.Path({str(ran)!r}).open('a').write('ran\\n'); "
        f"c = duckdb.connect({str(db)!r}); "
        "c.execute('create or replace table marts.out as select 1 as x'); c.close(); "
        + (f"pathlib.Path({str(makes)!r}).write_text('<html>'); " if makes else "")
        + f"sys.exit({1 if fail else 0})"
    )
    done = subprocess.run(
        [
            PY,
            "-m",
            "plumbing.uptodate",
            name,
            "--reads",
            "raw_salesforce,scoring",
            "--code",
            str(code),
            *(extra or []),
            "--",
            PY,
            "-c",
            body,
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("BACKTEST_")},
            "BACKTEST_DB": str(db),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    after = ran.read_text().count("\n") if ran.exists() else 0
    assert done.returncode == (1 if fail else 0), done.stderr
    return after > before, done.stdout


def sql(db: Path, statement: str) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute(statement)


def test_a_step_runs_once_then_is_skipped_until_its_data_changes(warehouse, code) -> None:
    assert step(warehouse, code)[0]
    ran, out = step(warehouse, code)
    assert not ran
    assert "build is up to date: nothing new loaded or scored" in out
    assert "UPTODATE=off runs it anyway" in out
    # A load that loaded nothing adds a _dlt_loads row only: still skipped.
    sql(warehouse, "insert into raw_salesforce._dlt_loads values ('1700000099.1')")
    assert not step(warehouse, code)[0]
    # A new or changed row gets a new load id: runs, then is skipped again.
    sql(warehouse, "update raw_salesforce.contact set title = 'CEO', _dlt_load_id = '1700000100.2'")
    ran, out = step(warehouse, code)
    assert ran
    assert "🔁 build runs again: new data, code or settings since its last success" in out
    assert not step(warehouse, code)[0]
    # A scored row (scored_at moves), and a changed value in a table without a timestamp.
    sql(warehouse, "insert into scoring.qualifications values ('c2', 0.7, now())")
    assert step(warehouse, code)[0]
    sql(warehouse, "update scoring.model_card_terms set c = 0.25")
    assert step(warehouse, code)[0]
    # A deleted row (the count changes although no marker moves).
    sql(warehouse, "delete from scoring.qualifications where contact_id = 'c2'")
    assert step(warehouse, code)[0]
    assert not step(warehouse, code)[0]


def test_code_settings_and_a_dropped_output_run_the_step(warehouse, code) -> None:
    assert step(warehouse, code)[0]
    # dbt's own output under the code folder is not code.
    (code / "target" / "run_results.json").write_text('{"other": 1}')
    assert not step(warehouse, code)[0]
    (code / "models" / "a.sql").write_text("select 2\n")
    assert step(warehouse, code)[0]
    assert step(warehouse, code, BACKTEST_DAYS="60")[0]
    assert not step(warehouse, code, BACKTEST_DAYS="60")[0]
    # AS_OF unset means today: an explicit today is the same settings.
    today = datetime.now(UTC).date().isoformat()
    assert not step(warehouse, code, BACKTEST_DAYS="60", BACKTEST_AS_OF=today)[0]
    assert step(warehouse, code, BACKTEST_DAYS="60", BACKTEST_AS_OF="2026-01-05")[0]
    sql(warehouse, "drop table marts.out")
    ran, out = step(warehouse, code, BACKTEST_DAYS="60", BACKTEST_AS_OF="2026-01-05")
    assert ran, out
    assert "🔁 build runs again: marts.out is gone from the warehouse" in out
    assert step(warehouse, code, BACKTEST_DAYS="60", BACKTEST_UPTODATE="off")[0]


def test_a_failed_step_is_run_again_and_off_always_runs(warehouse, code) -> None:
    assert step(warehouse, code)[0]
    assert step(warehouse, code, BACKTEST_UPTODATE="off")[0]
    assert step(warehouse, code, fail=True, BACKTEST_UPTODATE="off")[0]
    # The failure dropped the record: nothing changed, yet the step runs until it succeeds.
    assert step(warehouse, code, fail=True)[0]
    assert step(warehouse, code)[0]
    assert not step(warehouse, code)[0]


def test_an_output_that_is_gone_or_never_made_runs_the_step(warehouse, code, tmp_path) -> None:
    page = tmp_path / "page.html"
    made = ["--output", str(page)]
    assert step(warehouse, code, name="report", makes=page, extra=made)[0]
    assert not step(warehouse, code, name="report", makes=page, extra=made)[0]
    page.unlink()
    assert step(warehouse, code, name="report", makes=page, extra=made)[0]
    assert not step(warehouse, code, name="report", makes=page, extra=made)[0]
    # A success that left no page is not recorded: the next run runs it again.
    page.unlink()
    assert step(warehouse, code, name="report", extra=made)[0]
    page.write_text("<html>")
    assert step(warehouse, code, name="report", makes=page, extra=made)[0]
    assert not step(warehouse, code, name="report", makes=page, extra=made)[0]
    # Steps are recorded apart: another step's success does not stand for this one.
    assert step(warehouse, code)[0]
    assert not step(warehouse, code, name="report", makes=page, extra=made)[0]
    assert set(json.loads(record_path(warehouse).read_text())) == {"build", "report"}


# -- end to end: make backtest on an export-folder org -----------------------------------

AS_OF = "2026-11-20"
SKIPPABLE = (
    "dbt: marts.contacts_to_score",
    "dbt: marts.contacts_to_fit",
    "fitted_history (trained on marts.contacts_to_fit)",
    "dbt build (the marts)",
    "report (",
)


def skipped(out: str) -> list[str]:
    """The steps a run skipped as up to date, in order (their names up to "is up to date")."""
    return [
        line.removeprefix("⏭️  ").split(" is up to date")[0]
        for line in out.splitlines()
        if line.startswith("⏭️  ") and " is up to date" in line
    ]


def backtest(db: Path, org: Path) -> str:
    done = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "backtest",
            f"DB={db}",
            f"ORG={org}",
            f"AS_OF={AS_OF}",
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("BACKTEST_", "SALESFORCE_"))},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def summary(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select model, total_contacts, true_positives, false_positives, roc_auc "
            "from marts.backtest_summary order by model"
        ).fetchall()


def test_a_second_backtest_skips_what_nothing_changed_and_a_change_runs_it(tmp_path) -> None:
    from extract.demo.generate import generate_org
    from extract.demo.mutate import mutate_org

    org = tmp_path / "org"
    org.mkdir()
    generate_org(org, contacts=1200, seed=5, anchor=date(2026, 11, 18))
    db = tmp_path / "wh" / "backtest.duckdb"
    first = backtest(db, org)
    assert skipped(first) == [], first
    before = summary(db)

    second = backtest(db, org)
    names = skipped(second)
    assert len(names) == len(SKIPPABLE), second
    assert all(name.startswith(step) for name, step in zip(names, SKIPPABLE, strict=True))
    assert "Running with dbt" not in second
    assert summary(db) == before

    changed = mutate_org(org, seed=6, at=datetime(2026, 11, 19, 9, 0), new=40, updated=0, deleted=0)
    third = backtest(db, org)
    assert skipped(third) == [], third
    for step in SKIPPABLE:
        assert f"🔁 {step}" in third, step
    after = summary(db)
    assert after != before
    # The new contacts arrived in the window: every model judges 40 more contacts.
    assert [row[1] for row in after] == [row[1] + len(changed["new"]) for row in before]
