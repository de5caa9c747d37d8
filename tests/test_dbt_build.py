"""`dbt build` on the hand-made label example (tests/dbt_fixtures.py), marts checked by hand.

The fixture is DESIGN.md's label example: opportunities A..G (plus H, created before its
contact), contacts c1..c7 (plus c8..c10 on E, F, G), scored by business_context and
demographic. Every figure asserted here is worked out in the comments.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.dbt_fixtures import LABEL_AS_OF, LABEL_OUTCOMES, write_label_example

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
VARS = f'{{as_of: "{LABEL_AS_OF.isoformat()}", window_days: 90}}'


def run_dbt_build(db: Path, work: Path) -> subprocess.CompletedProcess[str]:
    """Run `dbt build` on `db`, with target and logs kept under `work`."""
    env = {
        **os.environ,
        "BACKTEST_DB": str(db),
        "DBT_PROFILES_DIR": str(PROJECT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        [
            str(DBT),
            "build",
            "--vars",
            VARS,
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module", params=["opportunity_stage", "data_export"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The label example built by dbt: with OpportunityStage, and without (a Data Export)."""
    work = tmp_path_factory.mktemp(request.param)
    db = work / "label.duckdb"
    write_label_example(db, with_opportunity_stage=request.param == "opportunity_stage")
    result = run_dbt_build(db, work)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con, result.stdout
    con.close()


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_unknown_stage_is_a_warning_that_names_it(built):
    con, stdout = built
    assert "Stage Zeta" in stdout
    derived = rows(con, "select stage_one_source from marts.backtest_summary")[0][0]
    if derived == "opportunities":
        # A derived ladder that cannot place a history stage also says which Stage 1 it took.
        assert "WARN=2" in stdout and "Stage 1 may not be your first stage" in stdout
        assert 'Stage 1 is "Prospecting" (the lowest open stage of the ladder derived' in stdout
    else:
        assert derived == "opportunity_stage" and "WARN=1" in stdout


def test_every_label_example_outcome(built):
    con, _ = built
    got = {
        (model, contact): outcome
        for model, contact, outcome in rows(
            con, "select model, contact_id, outcome from marts.contact_outcomes"
        )
    }
    want = {
        (model, contact): outcome
        for model, outcomes in LABEL_OUTCOMES.items()
        for contact, outcome in outcomes.items()
    }
    assert got == want


def test_progression_per_opportunity(built):
    con, _ = built
    got = dict(
        rows(
            con,
            "select opportunity_id, is_beyond_stage_one "
            "from intermediate.int_opportunities_progressed",
        )
    )
    # A lost from Stage 1, B lost after Stage 2, C won, D no history at Needs Analysis,
    # E no history at Prospecting, F unknown stage, G progressed only after as_of,
    # H progressed (but created before c4, so never attributed).
    assert got == {
        "oppA": False,
        "oppB": True,
        "oppC": True,
        "oppD": True,
        "oppE": False,
        "oppF": False,
        "oppG": False,
        "oppH": True,
    }


def test_attribution(built):
    con, _ = built
    got = set(
        rows(
            con,
            "select contact_id, opportunity_id, attribution_method "
            "from intermediate.int_contact_opportunities_attributed",
        )
    )
    assert got == {
        ("c1", "oppB", "contact_role"),
        ("c2", "oppA", "contact_role"),
        ("c3", "oppD", "account_window"),
        ("c6", "oppC", "contact_role"),
        ("c7", "oppC", "converted_lead"),
        ("c8", "oppE", "contact_role"),
        ("c9", "oppF", "contact_role"),
        ("c10", "oppG", "contact_role"),
    }


def test_business_context_summary(built):
    con, _ = built
    cols = [
        "total_contacts",
        "model_qualified",
        "pending_contacts",
        "decided_contacts",
        "deals_beyond_stage_one",
        "true_positives",
        "false_positives",
        "true_negatives",
        "false_negatives",
        "model_accuracy",
        "model_precision",
        "model_recall",
        "f1",
        "specificity",
        "qualification_rate",
        "base_rate",
        "roc_auc",
        "scoring_errors",
    ]
    (got,) = rows(
        con,
        f"select {', '.join(cols)} from marts.backtest_summary where model = 'business_context'",
    )
    summary = dict(zip(cols, got, strict=True))
    # c1..c10 scored (c11 deleted), c5 pending. Decided: TP c1 c6, FP c2 c9, TN c4 c8 c10,
    # FN c3 c7. Qualified: c1 c2 c5 c6 c9.
    assert summary["total_contacts"] == 10
    assert summary["model_qualified"] == 5
    assert summary["pending_contacts"] == 1
    assert summary["decided_contacts"] == 9
    assert summary["deals_beyond_stage_one"] == 4
    assert (
        summary["true_positives"],
        summary["false_positives"],
        summary["true_negatives"],
        summary["false_negatives"],
    ) == (2, 2, 3, 2)
    assert summary["model_accuracy"] == pytest.approx(5 / 9, abs=1e-12)
    assert summary["model_precision"] == pytest.approx(0.5, abs=1e-12)
    assert summary["model_recall"] == pytest.approx(0.5, abs=1e-12)
    assert summary["f1"] == pytest.approx(0.5, abs=1e-12)
    assert summary["specificity"] == pytest.approx(3 / 5, abs=1e-12)
    assert summary["qualification_rate"] == pytest.approx(0.5, abs=1e-12)
    assert summary["base_rate"] == pytest.approx(4 / 9, abs=1e-12)
    # Positives 0.9, 0.3, 0.6, 0.4 against negatives 0.8, 0.2, 0.1, 0.55, 0.45:
    # pairs won 5 + 2 + 4 + 2 = 13 of 20.
    assert summary["roc_auc"] == pytest.approx(13 / 20, abs=1e-12)
    # c13's failed call (outside the window) still counts as a scoring error.
    assert summary["scoring_errors"] == 1


def test_summary_matches_scikit_learn(built):
    metrics = pytest.importorskip("sklearn.metrics")
    con, _ = built
    for (model,) in rows(con, "select distinct model from marts.contact_outcomes"):
        decided = rows(
            con,
            "select qualification_score, ae_progressed from marts.contact_outcomes "
            f"where model = '{model}' and not is_pending order by contact_id",
        )
        scores = [score for score, _ in decided]
        labels = [int(progressed) for _, progressed in decided]
        (summary,) = rows(
            con,
            "select roc_auc, average_precision, brier_score, model_precision, "
            "precision_ci_low, precision_ci_high, true_positives, false_positives "
            f"from marts.backtest_summary where model = '{model}'",
        )
        roc_auc, ap, brier, precision, low, high, tp, fp = summary
        assert roc_auc == pytest.approx(metrics.roc_auc_score(labels, scores), abs=1e-9)
        assert ap == pytest.approx(metrics.average_precision_score(labels, scores), abs=1e-9)
        assert brier == pytest.approx(metrics.brier_score_loss(labels, scores), abs=1e-9)
        n, z = tp + fp, 1.96
        centre = (precision + z * z / (2 * n)) / (1 + z * z / n)
        spread = math.sqrt(precision * (1 - precision) / n + z * z / (4 * n * n))
        half = z / (1 + z * z / n) * spread
        assert (low, high) == pytest.approx((centre - half, centre + half), abs=1e-9)


def test_alignment(built):
    con, _ = built
    got = {
        (contact, opp): (score, has_reasoning)
        for contact, opp, score, has_reasoning in rows(
            con,
            "select contact_id, opportunity_id, alignment_score, has_ae_reasoning "
            "from marts.deal_progressions where model = 'business_context'",
        )
    }
    # c1/B: decision agrees (qualified, progressed); AE {enterprise_scale, api_integration,
    # saas_platform, security_compliance, competitor} vs model {technology, api_integration,
    # saas_platform, enterprise_scale}: Jaccard 3/6 -> 0.5 * 1 + 0.5 * 0.5.
    assert got[("c1", "oppB")] == (pytest.approx(0.75), True)
    # c3/D has no AE text: the decision alone (model said no, the AE progressed).
    assert got[("c3", "oppD")] == (0.0, False)
    # c6 is 5 days old but progressed: decided, so aligned on the decision.
    assert got[("c6", "oppC")][0] is not None
    (avg, count) = rows(
        con,
        "select ae_model_alignment_avg, ae_reasoning_rows from marts.backtest_summary "
        "where model = 'business_context'",
    )[0]
    scored = [s for s, has in got.values() if has and s is not None]
    assert count == len(scored)
    assert avg == pytest.approx(sum(scored) / len(scored))


def test_ae_reasoning_is_cleaned(built):
    con, _ = built
    (reason,) = rows(
        con,
        "select distinct ae_progression_reason from marts.deal_progressions "
        "where opportunity_id = 'oppA'",
    )[0]
    assert reason == "Description: Small business, no budget this year. | Loss reason: No budget"


def test_lead_qualifications_use_the_newest_contact_version(built):
    con, _ = built
    got = rows(
        con,
        "select contact_name, company_name from marts.lead_qualifications "
        "where contact_id = 'c1' and model = 'demographic'",
    )
    assert got == [("Contact C1", "Company 1")]


def test_review_misses(built):
    con, _ = built
    got = rows(
        con,
        "select review_rank, miss_type, contact_id, opportunity_id from marts.review_misses "
        "where model = 'business_context' order by review_rank",
    )
    # FN c7's deal C was won; FN c3's deal D only reached Needs Analysis (not late);
    # FP c2's deal A was lost from Stage 1; FP c9's deal F sits at an unknown stage.
    assert got == [
        (1, "missed_won_deal", "c7", "oppC"),
        (2, "closed_at_stage_one", "c2", "oppA"),
    ]


def test_threshold_sweep_marks(built):
    con, _ = built
    current = rows(
        con,
        "select threshold from marts.threshold_sweep "
        "where model = 'business_context' and is_current",
    )
    assert current == [(0.5,)]
    best = rows(
        con,
        "select count(*) from marts.threshold_sweep "
        "where model = 'business_context' and is_best_f1",
    )
    assert best == [(1,)]


def test_model_comparison_against_demographic(built):
    con, _ = built
    got = rows(
        con,
        "select model, baseline_model, shared_decided_contacts, "
        "model_accuracy - baseline_model_accuracy - model_accuracy_delta "
        "from marts.model_comparison",
    )
    assert len(got) == 1
    model, baseline, shared, zero = got[0]
    assert (model, baseline, shared) == ("business_context", "demographic", 9)
    assert zero == pytest.approx(0.0)
