"""``marts.progression_curves``: Kaplan-Meier by the textbook, on hand-made contacts.

dbt builds only the curve model over a hand-written ``marts.contact_outcomes``; the expected
figures are worked out by hand below (product-limit estimate, Greenwood's sum, the
log(-log) interval).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pytest

from tests.stages import dbt_vars, run_dbt

AS_OF = dt.date(2026, 11, 20)
Z = 1.96

# (contact, model, qualified, created days before as_of, progressed days after creation,
#  progressed opportunities, undetermined)
CONTACTS = [
    # qualified: events on days 2 and 5, censored on 3 and 5 (as_of reached), one undetermined
    ("q1", True, 6, 2, 1, False),
    ("q2", True, 3, None, 0, False),
    ("q3", True, 5, 5, 1, False),
    ("q4", True, 5, None, 0, False),
    ("q5", True, 4, None, 0, True),
    # not qualified: nobody progresses; one progressed with no date (current stage only)
    ("n1", False, 4, None, 0, False),
    ("n2", False, 2, None, 0, False),
    ("n3", False, 6, None, 1, False),
]


@pytest.fixture(scope="module")
def curves(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], dict]:
    db = Path(tmp_path_factory.mktemp("km")) / "km.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.contact_outcomes (contact_id varchar, model varchar, "
            "model_version varchar, is_qualified boolean, contact_created_at timestamp, "
            "contact_age_days bigint, first_progressed_at timestamp, "
            "progressed_opportunities bigint, is_undetermined boolean)"
        )
        midnight = dt.datetime.combine(AS_OF, dt.time(9, 30))
        for contact, qualified, age, progressed_after, opportunities, undetermined in CONTACTS:
            created = midnight - dt.timedelta(days=age)
            progressed = (
                None if progressed_after is None else created + dt.timedelta(days=progressed_after)
            )
            con.execute(
                "insert into marts.contact_outcomes values (?, 'm', 'v1', ?, ?, ?, ?, ?, ?)",
                [contact, qualified, created, age, progressed, opportunities, undetermined],
            )
    run_dbt(
        [
            "run",
            "--quiet",
            "--select",
            "progression_curves",
            "--vars",
            dbt_vars(as_of=AS_OF, days=6),
        ],
        db=db,
    )
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute("select * from marts.progression_curves")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {(row["decision"], row["day"]): row for row in rows}


def test_product_limit_estimate_and_risk_sets(curves: dict) -> None:
    q = {day: curves[("qualified", day)] for day in range(6)}
    assert [q[d]["contacts_at_risk"] for d in range(6)] == [4, 4, 4, 3, 2, 2]
    assert [q[d]["progressed_on_day"] for d in range(6)] == [0, 0, 1, 0, 0, 1]
    assert [q[d]["censored_on_day"] for d in range(6)] == [0, 0, 0, 1, 0, 1]
    # S(2) = 1 - 1/4 = 0.75; S(5) = 0.75 * (1 - 1/2) = 0.375
    expected_share = [0, 0, 0.25, 0.25, 0.25, 0.625]
    for day, share in enumerate(expected_share):
        assert q[day]["progressed_share"] == pytest.approx(share, abs=1e-12)
    assert q[5]["contacts_followed"] == 4 and q[5]["contacts_left_out"] == 1
    assert q[5]["follow_up_days"] == 5 and ("qualified", 6) not in curves


def test_greenwood_log_log_interval(curves: dict) -> None:
    row = curves[("qualified", 5)]
    greenwood = 1 / (4 * 3) + 1 / (2 * 1)
    assert row["greenwood_sum"] == pytest.approx(greenwood, abs=1e-12)
    survival = 0.375
    se = math.sqrt(greenwood) / abs(math.log(survival))
    low = 1 - survival ** math.exp(-Z * se)
    high = 1 - survival ** math.exp(Z * se)
    assert row["progressed_share_low"] == pytest.approx(low, abs=1e-12)
    assert row["progressed_share_high"] == pytest.approx(high, abs=1e-12)
    assert 0 < low < 0.625 < high < 1
    # Before the first progression: share 0, the upper bound is not measurable.
    first = curves[("qualified", 1)]
    assert first["progressed_share_low"] == 0 and first["progressed_share_high"] is None


def test_nobody_progressed_and_undated_progress_left_out(curves: dict) -> None:
    n = [curves[("not qualified", day)] for day in range(5)]
    assert all(row["progressed_share"] == 0 for row in n)
    assert n[0]["contacts_followed"] == 2 and n[0]["contacts_left_out"] == 1
    assert n[0]["follow_up_days"] == 4 and ("not qualified", 5) not in curves
    assert [row["contacts_at_risk"] for row in n] == [2, 2, 2, 1, 1]
