"""The marts beyond one snapshot, on hand-made inputs with answers worked out by hand.

dbt builds only the model under test over hand-written input tables (``marts.contact_outcomes``,
``marts.deal_progressions``, ``marts.cohort_metrics``); the expected figures come from the
textbook formulas, computed below on paper-sized cases: Kaplan-Meier with Greenwood's
variance and the log(-log) interval, revenue capture, the weighted AUC slope, the PSI.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest

from tests.stages import dbt_vars, run_dbt

AS_OF = dt.date(2026, 11, 20)
Z = 1.96
NOON = dt.datetime.combine(AS_OF, dt.time(9, 30))


def build(
    folder: Path,
    model: str,
    tables: dict[str, tuple[str, Sequence[tuple]]],
    *,
    days: int = 30,
) -> list[dict]:
    """Write the hand-made input tables (``schema.name`` or a ``marts`` name -> (columns DDL,
    rows)), build ``model`` alone over them with dbt, and return its rows."""
    db = folder / f"{model}.duckdb"
    with duckdb.connect(str(db)) as con:
        for name, (columns, rows) in tables.items():
            table = name if "." in name else f"marts.{name}"
            con.execute(f"create schema if not exists {table.split('.')[0]}")
            con.execute(f"create table {table} ({columns})")
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                con.executemany(f"insert into {table} values ({marks})", list(rows))
    run_dbt(
        ["run", "--quiet", "--select", model, "--vars", dbt_vars(as_of=AS_OF, days=days)], db=db
    )
    schema = "intermediate" if model.startswith("int_") else "marts"
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(f"select * from {schema}.{model}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# (contact, qualified, created days before as_of, progressed days after creation,
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
    rows = []
    for contact, qualified, age, progressed_after, opportunities, undetermined in CONTACTS:
        created = NOON - dt.timedelta(days=age)
        progressed = (
            None if progressed_after is None else created + dt.timedelta(days=progressed_after)
        )
        rows.append(
            (contact, "m", "v1", qualified, created, age, progressed, opportunities, undetermined)
        )
    columns = (
        "contact_id varchar, model varchar, model_version varchar, is_qualified boolean, "
        "contact_created_at timestamp, contact_age_days bigint, first_progressed_at timestamp, "
        "progressed_opportunities bigint, is_undetermined boolean"
    )
    built = build(
        tmp_path_factory.mktemp("km"),
        "progression_curves",
        {"contact_outcomes": (columns, rows)},
        days=6,
    )
    return {(row["decision"], row["day"]): row for row in built}


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


OUTCOME_COLUMNS = (
    "contact_id varchar, model varchar, model_version varchar, qualification_score double, "
    "is_qualified boolean, contact_created_at timestamp"
)
DEAL_COLUMNS = (
    "contact_id varchar, opportunity_id varchar, model varchar, model_version varchar, "
    "amount double, corporate_currency varchar, has_reached_won boolean, "
    "qualification_score double, is_qualified boolean"
)


def revenue_tables() -> dict[str, tuple[str, list[tuple]]]:
    """a (0.9, qualified), b (0.4), c (0.2). O1 won 100 (a and b), O2 won 50 (c), O3 open 30
    (b), O4 won without an amount (a)."""
    contacts = [("a", 0.9, True), ("b", 0.4, False), ("c", 0.2, False)]
    outcomes = [(c, "m", "1", s, q, NOON) for c, s, q in contacts]
    score = {c: (s, q) for c, s, q in contacts}
    links = [("a", "O1", 100.0, True), ("b", "O1", 100.0, True), ("c", "O2", 50.0, True)]
    links += [("b", "O3", 30.0, False), ("a", "O4", None, True)]
    deals = [(c, o, "m", "1", amount, "EUR", won, *score[c]) for c, o, amount, won in links]
    return {
        "contact_outcomes": (OUTCOME_COLUMNS, outcomes),
        "deal_progressions": (DEAL_COLUMNS, deals),
    }


def test_revenue_capture_counts_each_opportunity_once(tmp_path: Path) -> None:
    (row,) = build(tmp_path, "revenue_capture", revenue_tables())
    assert (row["contacts"], row["contacts_qualified"], row["corporate_currency"]) == (3, 1, "EUR")
    assert (row["opportunities"], row["opportunities_without_amount"]) == (4, 1)
    assert (row["won_opportunities"], row["won_opportunities_found"]) == (3, 2)
    assert (row["pipeline_found"], row["pipeline_missed"]) == (100.0, 80.0)
    assert (row["won_found"], row["won_missed"], row["won_total"]) == (100.0, 50.0, 150.0)
    assert row["revenue_weighted_recall"] == pytest.approx(2 / 3, abs=1e-12)
    assert row["qualified_share"] == pytest.approx(1 / 3, abs=1e-12)


def test_revenue_capture_curve_reads_from_the_top(tmp_path: Path) -> None:
    curve = {r["threshold"]: r for r in build(tmp_path, "revenue_capture_curve", revenue_tables())}
    # O1's best contact is a (0.9), O2's is c (0.2); O3 is not won, O4 has no amount.
    assert sorted(curve) == [0.2, 0.4, 0.9]
    expected = {0.9: (1, 100.0), 0.4: (2, 100.0), 0.2: (3, 150.0)}
    for threshold, (contacts_above, won) in expected.items():
        row = curve[threshold]
        assert row["contacts_at_or_above"] == contacts_above and row["won_captured"] == won
        assert row["contact_share"] == pytest.approx(contacts_above / 3, abs=1e-12)
        assert row["won_share"] == pytest.approx(won / 150, abs=1e-12)


COHORT_COLUMNS = (
    "model varchar, model_version varchar, cohort_grain varchar, cohort_start date, "
    "roc_auc double, roc_auc_se double"
)


def test_cohort_trend_weighted_slope_by_hand(tmp_path: Path) -> None:
    monday = dt.date(2026, 9, 7)
    weeks = [monday + dt.timedelta(weeks=i) for i in range(4)]
    rows = [
        ("rising", "1", "week", w, auc, 0.01)
        for w, auc in zip(weeks, (0.6, 0.65, 0.7, 0.75), strict=True)
    ]
    rows += [
        ("noisy", "1", "week", w, auc, 0.1)
        for w, auc in zip(weeks, (0.7, 0.6, 0.7, 0.6), strict=True)
    ]
    rows += [
        ("short", "1", "week", w, auc, se)
        for w, auc, se in zip(weeks, (0.7, 0.6, None, 0.8), (0.05, 0.05, None, 0.0), strict=True)
    ]
    trend = {
        r["model"]: r
        for r in build(tmp_path, "cohort_trend", {"cohort_metrics": (COHORT_COLUMNS, rows)})
    }
    # rising: x = 0..3, mean 1.5, sum (x - 1.5)^2 = 5, equal weights 1 / 0.01^2 = 10,000:
    # slope = sum (x - 1.5)(y - 0.675) / 5 = 0.05, SE = sqrt(1 / (10,000 * 5)).
    rising = trend["rising"]
    assert rising["auc_slope"] == pytest.approx(0.05, abs=1e-12)
    assert rising["auc_slope_se"] == pytest.approx(math.sqrt(1 / 50_000), abs=1e-12)
    assert rising["stability"] == "better" and rising["cohorts_measured"] == 4
    assert (rising["first_cohort_auc"], rising["last_cohort_auc"]) == (0.6, 0.75)
    # noisy: slope (-0.075 + 0.025 + 0.025 - 0.075) / 5 = -0.02, SE sqrt(1 / 500), z -0.45.
    noisy = trend["noisy"]
    assert noisy["auc_slope"] == pytest.approx(-0.02, abs=1e-12)
    assert noisy["auc_slope_z"] == pytest.approx(-0.02 / math.sqrt(1 / 500), abs=1e-12)
    assert noisy["stability"] == "within noise"
    # short: one cohort without an AUC, one with SE 0 (no weight): two points, not measurable.
    short = trend["short"]
    assert short["stability"] == "not measurable" and short["auc_slope"] is None
    assert (short["cohorts"], short["cohorts_measured"]) == (4, 2)
    assert short["last_cohort_auc"] == 0.8


def test_score_drift_psi_by_hand(tmp_path: Path) -> None:
    first, second = dt.datetime(2026, 9, 8, 10), dt.datetime(2026, 9, 15, 10)
    rows = [(f"a{i}", "m", "1", 0.05, False, first) for i in range(10)]
    rows += [(f"b{i}", "m", "1", 0.95, True, second) for i in range(10)]
    rows += [(f"s{i}", "same", "1", 0.55, True, day) for i in range(10) for day in (first, second)]
    drift = {
        (r["model"], r["cohort_start"]): r
        for r in build(tmp_path, "score_drift", {"contact_outcomes": (OUTCOME_COLUMNS, rows)})
    }
    # Everything in bin 0 against everything in bin 9: shares 10.5/15 = 0.7 and 0.5/15 in both,
    # swapped, so PSI = 2 * (0.7 - 1/30) * ln(0.7 / (1/30)) = 2 * (2/3) * ln 21.
    psi = 2 * (0.7 - 1 / 30) * math.log(21)
    noise = 16.918977604620448 * (1 / 10 + 1 / 10)
    for monday in (dt.date(2026, 9, 7), dt.date(2026, 9, 14)):
        row = drift["m", monday]
        assert row["psi_vs_rest"] == pytest.approx(psi, abs=1e-12)
        assert row["psi_noise_95"] == pytest.approx(noise, abs=1e-12) and noise < psi
        assert row["drift"] == "shifted" and row["contacts_scored"] == 10
    assert drift["m", dt.date(2026, 9, 7)]["psi_vs_previous"] is None
    assert drift["m", dt.date(2026, 9, 14)]["psi_vs_previous"] == pytest.approx(psi, abs=1e-12)
    # The same scores every week: no drift at all.
    same = drift["same", dt.date(2026, 9, 14)]
    assert same["psi_vs_rest"] == pytest.approx(0.0, abs=1e-15) and same["drift"] == "within noise"


PAIR_COLUMNS = (
    "model varchar, model_version varchar, baseline_model varchar, "
    "baseline_model_version varchar, contact_id varchar, label integer, score double, "
    "baseline_score double, qualified integer, baseline_qualified integer"
)


def test_delong_by_hand(tmp_path: Path) -> None:
    # Positives p1, p2; negatives n1, n2. The baseline b scores p1 0.4, p2 0.8, n1 0.5, n2 0.2:
    # p1 outscores n2 only (component 0.5), p2 both (1); n1 is outscored by p2 (0.5), n2 by both
    # (1): AUC 0.75. "same" ranks the other way round among positives, p1 0.9, p2 0.6, n1 0.7,
    # n2 0.1: components p (1, 0.5), n (0.5, 1), AUC 0.75, difference 0. Over positives the two
    # vary against each other: var 0.125 each, covariance -0.125, so S10_11 + S10_22 - 2 S10_12
    # = 0.5 over m = 2; over negatives they agree (0): var = 0.25, SE 0.5, z 0, p 1.
    # "perfect" scores p 0.9, 0.8, n 0.2, 0.1: components all 1, AUC 1, difference 0.25;
    # positives 0 + 0.125 - 0 = 0.125 over 2, negatives the same: var 0.125, z = 0.25 /
    # sqrt(0.125) = 0.7071, p = erfc(0.5) = 0.4795.
    contacts = [("p1", 1, 0.4), ("p2", 1, 0.8), ("n1", 0, 0.5), ("n2", 0, 0.2)]
    scores = {"same": (0.9, 0.6, 0.7, 0.1), "perfect": (0.9, 0.8, 0.2, 0.1)}
    rows = [
        (model, "1", "b", "1", cid, label, score, base, 1, 0)
        for model, own in scores.items()
        for (cid, label, base), score in zip(contacts, own, strict=True)
    ]
    tables = {"intermediate.int_model_pairs": (PAIR_COLUMNS, rows)}
    tested = {r["model"]: r for r in build(tmp_path, "int_model_pairs_delong", tables)}
    same, perfect = tested["same"], tested["perfect"]
    assert (same["model_auc"], same["baseline_auc"], same["auc_difference"]) == (0.75, 0.75, 0.0)
    assert same["auc_difference_se"] == pytest.approx(0.5, abs=1e-12)
    assert same["delong_z"] == 0 and same["delong_p_value"] == pytest.approx(1.0, abs=1e-7)
    assert perfect["auc_difference"] == pytest.approx(0.25, abs=1e-12)
    assert perfect["auc_difference_se"] == pytest.approx(math.sqrt(0.125), abs=1e-12)
    assert perfect["delong_p_value"] == pytest.approx(math.erfc(0.5), rel=1e-6)
