"""fitted_history: the time split (dbt's contacts_to_fit), the too-short-history path, and
on the demo org determinism and an independent refit of its coefficients.

The hand-made org (as_of 2026-06-30, DAYS=30: the window starts on 2026-06-01, training
reads what was known by 2026-05-31, training contacts were created by 2026-05-17):

== =========== ============================================== ===========================
id created     its opportunity                                in training?
== =========== ============================================== ===========================
t1 2026-05-01  Prospecting, Qualification 3 days later        yes, progressed
t2 2026-05-01  Prospecting, Qualification 20 days later       yes, not progressed (late)
t3 2026-05-16  Prospecting, Qualification on 2026-06-05       yes, not progressed: that
                                                               change is after the window
                                                               starts (and the horizon)
t4 2026-05-01  no history, Needs Analysis set on 2026-06-10   no: its stage at the horizon
                                                               is unknown (undetermined)
t5 2026-05-01  no history, Needs Analysis set 2 days later    yes, progressed
y1 2026-05-25  Prospecting, Qualification on 2026-05-27       no: not matured before the
                                                               window, though progressed
w1 2026-06-10  Prospecting, Qualification 2 days later        no: a window contact
== =========== ============================================== ===========================

t1's account was "Retail" when t1 arrived and is "Banking" now (AccountHistory): training
reads "Retail".
"""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from scoring.fitted import too_short
from scoring.models import seniority
from tests.dbt_fixtures import DEFAULT_LADDER, _audit, create_tables, insert_rows
from tests.stages import ROOT, dbt_vars, run_dbt

AS_OF = dt.date(2026, 6, 30)
UTC = dt.UTC


def _on(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


def _qualified(created: dt.date, prospecting: dt.date, qualification: dt.date) -> tuple:
    """A contact whose opportunity went Prospecting -> Qualification on those days."""
    history = [("Prospecting", prospecting), ("Qualification", qualification)]
    return created, history, ("Qualification", qualification)


# contact -> (created on, [(stage, reached on)] history or None, (current stage, set on))
D = dt.date
CASES: dict[str, tuple[dt.date, list[tuple[str, dt.date]] | None, tuple[str, dt.date]]] = {
    "t1": _qualified(D(2026, 5, 1), D(2026, 5, 1), D(2026, 5, 4)),
    "t2": _qualified(D(2026, 5, 1), D(2026, 5, 1), D(2026, 5, 21)),
    "t3": _qualified(D(2026, 5, 16), D(2026, 5, 17), D(2026, 6, 5)),
    "t4": (D(2026, 5, 1), None, ("Needs Analysis", D(2026, 6, 10))),
    "t5": (D(2026, 5, 1), None, ("Needs Analysis", D(2026, 5, 3))),
    "y1": _qualified(D(2026, 5, 25), D(2026, 5, 25), D(2026, 5, 27)),
    "w1": _qualified(D(2026, 6, 10), D(2026, 6, 10), D(2026, 6, 12)),
}


def write_tiny_org(db: Path) -> None:
    """The hand-made org of the module docstring."""
    old = _on(dt.date(2025, 1, 1))
    order = {name: sort for name, sort, *_ in DEFAULT_LADDER}
    with duckdb.connect(str(db)) as con:
        create_tables(con)
        insert_rows(
            con,
            "opportunity_stage",
            [
                {
                    "id": f"st{sort}",
                    "master_label": name,
                    "sort_order": sort,
                    "is_active": True,
                    "is_closed": closed,
                    "is_won": won,
                    "default_probability": prob,
                    **_audit(old),
                }
                for name, sort, closed, won, prob in DEFAULT_LADDER
            ],
        )
        insert_rows(con, "user", [{"id": "u1", "name": "Ann", "is_active": True, **_audit(old)}])
        accounts, contacts, opportunities, roles, history = [], [], [], [], []
        for cid, (created_on, stages, (stage, set_on)) in CASES.items():
            created = _on(created_on)
            accounts.append(
                {
                    "id": f"a{cid}",
                    "name": f"Company {cid}",
                    "industry": "Banking",
                    "number_of_employees": 500,
                    "annual_revenue": 1e7,
                    "owner_id": "u1",
                    "is_deleted": False,
                    **_audit(old, _on(dt.date(2026, 6, 20))),
                }
            )
            contacts.append(
                {
                    "id": cid,
                    "account_id": f"a{cid}",
                    "name": f"Contact {cid}",
                    "email": f"{cid}@company-{cid}.com",
                    "title": "VP Sales",
                    "lead_source": "Web",
                    "owner_id": "u1",
                    "is_deleted": False,
                    **_audit(created),
                }
            )
            opportunities.append(
                {
                    "id": f"o{cid}",
                    "account_id": f"a{cid}",
                    "name": f"Deal {cid}",
                    "stage_name": stage,
                    "stage_sort_order": order[stage],
                    "is_closed": False,
                    "is_won": False,
                    "last_stage_change_date": _on(set_on),
                    "owner_id": "u1",
                    "is_deleted": False,
                    **_audit(created + dt.timedelta(hours=1), _on(set_on)),
                }
            )
            roles.append(
                {
                    "id": f"r{cid}",
                    "opportunity_id": f"o{cid}",
                    "contact_id": cid,
                    "is_primary": True,
                    "is_deleted": False,
                    **_audit(created + dt.timedelta(hours=1)),
                }
            )
            for index, (name, day) in enumerate(stages or []):
                history.append(
                    {
                        "id": f"h{cid}{index}",
                        "opportunity_id": f"o{cid}",
                        "stage_name": name,
                        "created_date": _on(day, 12),
                        "system_modstamp": _on(day, 12),
                        "is_deleted": False,
                    }
                )
        insert_rows(con, "account", accounts)
        insert_rows(con, "contact", contacts)
        insert_rows(con, "opportunity", opportunities)
        insert_rows(con, "opportunity_contact_role", roles)
        insert_rows(con, "opportunity_history", history)
        # t1's account was Retail when t1 arrived; edited to Banking ten days later.
        insert_rows(
            con,
            "account_history",
            [
                {
                    "id": "ah1",
                    "account_id": "at1",
                    "field": "Industry",
                    "old_value": "Retail",
                    "new_value": "Banking",
                    "created_date": _on(dt.date(2026, 5, 11)),
                    "is_deleted": False,
                }
            ],
        )


def rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def run_fitted(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BACKTEST_DB": str(db), "BACKTEST_TARGET": "duckdb"}
    env.pop("BACKTEST_FITTED", None)
    return subprocess.run(
        [sys.executable, "-m", "scoring.fitted", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("fitted-tiny") / "tiny.duckdb"
    write_tiny_org(db)
    run_dbt(
        [
            "build",
            "--quiet",
            "--select",
            "+contacts_to_score +contacts_to_fit",
            "--vars",
            dbt_vars(as_of=AS_OF, days=30),
        ],
        db=db,
    )
    return db


def test_training_rows_are_only_contacts_matured_before_the_window(tiny: Path) -> None:
    training = {r["contact_id"]: r for r in rows(tiny, "select * from marts.contacts_to_fit")}
    assert set(training) == {"t1", "t2", "t3", "t5"}
    window = {r["contact_id"] for r in rows(tiny, "select contact_id from marts.contacts_to_score")}
    assert window == {"w1"}
    assert not window & set(training)
    first = training["t1"]
    assert first["training_known_by"] == dt.date(2026, 5, 31)
    assert first["training_created_by"] == dt.date(2026, 5, 17)
    assert first["maturity_days"] == 14


def test_labels_read_only_stage_changes_before_the_window_and_horizon(tiny: Path) -> None:
    labels = {
        r["contact_id"]: r["is_progressed"]
        for r in rows(tiny, "select contact_id, is_progressed from marts.contacts_to_fit")
    }
    # t3's Qualification (2026-06-05) is dated after the window starts: not a positive.
    assert labels == {"t1": True, "t2": False, "t3": False, "t5": True}
    undetermined = rows(
        tiny,
        "select contact_id from intermediate.int_training_contacts_labelled where is_undetermined",
    )
    assert [r["contact_id"] for r in undetermined] == ["t4"]


def test_a_field_edited_later_is_read_as_it_was_at_arrival(tiny: Path) -> None:
    industries = {
        r["contact_id"]: r["industry"]
        for r in rows(tiny, "select contact_id, industry from marts.contacts_to_fit")
    }
    assert industries["t1"] == "Retail"
    assert industries["t2"] == "Banking"


def test_too_short_history_is_said_once_and_writes_no_rows(tiny: Path) -> None:
    done = run_fitted(tiny)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if "fitted_history" in line]
    assert len(lines) == 1
    assert "not trained: 4 training contacts matured before the window (needs 200)" in lines[0]
    with duckdb.connect(str(tiny), read_only=True) as con:
        scored = con.execute(
            "select count(*) from scoring.qualifications where model = 'fitted_history'"
        ).fetchall()[0][0]
        card = con.execute(
            "select status, note, training_contacts, training_positives, model_version "
            "from scoring.model_cards"
        ).fetchall()
    assert scored == 0
    assert card == [
        (
            "not trained",
            "not trained: 4 training contacts matured before the window (needs 200)",
            4,
            2,
            "",
        )
    ]
    run_dbt(
        ["build", "--quiet", "--select", "+model_cards", "--vars", dbt_vars(as_of=AS_OF, days=30)],
        db=tiny,
    )
    mart = rows(tiny, "select is_trained, training_base_rate, training_auc from marts.model_cards")
    assert mart == [{"is_trained": False, "training_base_rate": 0.5, "training_auc": None}]


def test_too_short_counts_contacts_then_each_class() -> None:
    assert too_short([True] * 100 + [False] * 99) == (
        "199 training contacts matured before the window (needs 200)"
    )
    assert too_short([True] * 19 + [False] * 300) == (
        "19 progressed and 300 not progressed among 319 training contacts (needs 20 of each)"
    )
    assert too_short([True] * 300 + [False] * 19) is not None
    assert too_short([True] * 20 + [False] * 180) is None


def test_fitted_off_writes_a_card_and_no_rows(tiny: Path) -> None:
    done = run_fitted(tiny, "--fitted", "off")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not trained: switched off (FITTED=off)" in done.stdout
    bad = run_fitted(tiny, "--fitted", "sometimes")
    assert bad.returncode == 2 and "FITTED must be auto or off" in bad.stderr


# --- the demo org ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("fitted-demo") / "demo.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    env.update({"BACKTEST_DB": str(db), "BACKTEST_TARGET": "duckdb"})
    done = subprocess.run(
        [sys.executable, "-m", "extract", "--demo-contacts", "5000", "--fresh"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    run_dbt(
        ["build", "--quiet", "--select", "+contacts_to_score +contacts_to_fit", "--vars", "{}"],
        db=db,
        env=env,
    )
    return db


def _scores(db: Path) -> list[tuple[str, str, float, bool]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select contact_id, model_version, score, is_qualified from scoring.qualifications "
            "where model = 'fitted_history' order by contact_id"
        ).fetchall()


def test_the_demo_org_trains_and_two_runs_give_identical_scores(demo: Path) -> None:
    first = run_fitted(demo)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "📐 fitted_history trained on" in first.stdout
    scores = _scores(demo)
    window = rows(demo, "select count(*) as n from marts.contacts_to_score")[0]["n"]
    assert len(scores) == window > 0
    assert all(0 < score < 1 for _, _, score, _ in scores)
    assert 0 < sum(qualified for *_, qualified in scores) < len(scores)
    second = run_fitted(demo)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _scores(demo) == scores
    card = rows(demo, "select * from scoring.model_cards")[0]
    assert card["status"] == "trained"
    assert card["training_contacts"] >= 200 and card["training_positives"] >= 20
    assert card["model_version"] == (
        f"trained-{card['training_first_created_on']}..{card['training_created_by']}"
    )
    assert 0.5 < card["cv_auc"] <= card["training_auc"] < 1


def _independent_design(training: list[dict[str, Any]]) -> tuple[np.ndarray, list[str]]:
    """The design the README describes, rebuilt here from the training mart's rows alone:
    log1p of employees and revenue standardised (population std), a missing number at the
    mean with a 0/1 flag, one-hot seniority / industry / lead source with levels on fewer
    than 20 contacts grouped as 'other', the most frequent level as reference."""
    n = len(training)
    columns: list[np.ndarray] = []
    names: list[str] = []
    for name in ("employees", "annual_revenue"):
        values = [r[name] for r in training]
        logs = [math.log1p(max(float(v), 0.0)) for v in values if v is not None]
        mean, std = sum(logs) / len(logs), float(np.std(logs)) or 1.0
        column = [
            (math.log1p(max(float(v), 0.0)) - mean) / std if v is not None else 0.0 for v in values
        ]
        columns.append(np.array(column))
        names.append(f"{name}_log")
        if len(logs) < n:
            columns.append(np.array([float(v is None) for v in values]))
            names.append(f"{name}_missing")

    def level(value: Any) -> str:
        return (str(value).strip() if value is not None else "") or "missing"

    readers = {
        "seniority": lambda r: level(seniority(r["title"])),
        "industry": lambda r: level(r["industry"]),
        "lead_source": lambda r: level(r["lead_source"]),
    }
    for name, read in readers.items():
        raw = [read(r) for r in training]
        counts: dict[str, int] = {}
        for value in raw:
            counts[value] = counts.get(value, 0) + 1
        grouped = [value if counts[value] >= 20 else "other" for value in raw]
        totals: dict[str, int] = {}
        for value in grouped:
            totals[value] = totals.get(value, 0) + 1
        reference = sorted(totals, key=lambda v: (-totals[v], v))[0]
        for value in sorted(totals):
            if value != reference:
                columns.append(np.array([float(g == value) for g in grouped]))
                names.append(f"{name}={value}")
    return np.column_stack(columns), names


def test_coefficients_match_an_independent_refit_on_the_training_mart(demo: Path) -> None:
    done = run_fitted(demo)
    assert done.returncode == 0, done.stdout + done.stderr
    training = rows(demo, "select * from marts.contacts_to_fit order by contact_id")
    x, names = _independent_design(training)
    y = np.array([int(r["is_progressed"]) for r in training])
    model = LogisticRegression(C=1.0, max_iter=5000, tol=1e-10).fit(x, y)
    card = rows(demo, "select * from scoring.model_cards")[0]
    terms = {
        r["term"]: r["coefficient"] for r in rows(demo, "select * from scoring.model_card_terms")
    }
    assert card["training_contacts"] == len(training)
    assert card["training_positives"] == int(y.sum())
    assert set(terms) == set(names)
    for name, coefficient in zip(names, model.coef_[0], strict=True):
        assert terms[name] == pytest.approx(coefficient, abs=1e-4), name
    assert card["intercept"] == pytest.approx(model.intercept_[0], abs=1e-4)


def test_above_max_rows_it_fits_the_same_sample_every_run(demo: Path) -> None:
    """FITTED_MAX_ROWS=1000 on the demo org (3,000-odd training contacts): the card says it
    is a sample, the sample is the 1,000 contacts with the lowest hash of their id, and the
    coefficients are those of an independent refit on exactly those rows."""
    available = rows(demo, "select count(*) as n from marts.contacts_to_fit")[0]["n"]
    assert available > 1000
    env_cap = {"BACKTEST_FITTED_MAX_ROWS": "1000"}
    os.environ.update(env_cap)
    try:
        done = run_fitted(demo)
        again = run_fitted(demo)
    finally:
        os.environ.pop("BACKTEST_FITTED_MAX_ROWS")
    assert done.returncode == 0 and again.returncode == 0, done.stdout + done.stderr
    assert f"trained on 1,000 contacts (a sample of {available:,}, the same every run)" in (
        done.stdout
    )
    card = rows(demo, "select * from scoring.model_cards")[0]
    assert card["training_contacts"] == 1000
    assert "a sample of" in card["note"]
    sample = rows(
        demo,
        "select * from (select * from marts.contacts_to_fit order by hash(contact_id) limit 1000)"
        " order by contact_id",
    )
    x, names = _independent_design(sample)
    y = np.array([int(r["is_progressed"]) for r in sample])
    model = LogisticRegression(C=1.0, max_iter=5000, tol=1e-10).fit(x, y)
    terms = {
        r["term"]: r["coefficient"] for r in rows(demo, "select * from scoring.model_card_terms")
    }
    assert card["training_positives"] == int(y.sum())
    assert set(terms) == set(names)
    for name, coefficient in zip(names, model.coef_[0], strict=True):
        assert terms[name] == pytest.approx(coefficient, abs=1e-4), name
    bad = subprocess.run(
        [sys.executable, "-m", "scoring.fitted"],
        cwd=ROOT,
        env={**os.environ, "BACKTEST_DB": str(demo), "BACKTEST_FITTED_MAX_ROWS": "ten"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0
    assert "FITTED_MAX_ROWS must be a whole number, at least 200, got 'ten'" in bad.stderr
    # Without the cap the next run trains on every contact again.
    assert run_fitted(demo).returncode == 0
    assert rows(demo, "select * from scoring.model_cards")[0]["training_contacts"] == available
