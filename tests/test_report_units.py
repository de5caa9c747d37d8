"""The report's pure pieces: formatting, escaping, the expected-results checks, the verdict
sentence and the SVG chart builders, on hand-made inputs. (The statistics are mart columns,
checked against an independent recomputation in tests/test_report_build.py and by dbt's
unit tests.)"""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from reports import fmt
from reports.build import render
from reports.charts import Axis, HBar, Mark, Rule, Series, bar_chart, hbar_chart, line_chart, thin
from reports.checks import (
    MET,
    NOT_MET,
    UNMEASURABLE,
    band_bounds,
    check_accuracy,
    check_alignment,
    check_api_integration,
    check_enterprise,
    check_processing_rate,
    check_qualification_rate,
    check_small_business,
    check_technology,
)
from reports.data import ReportData, describe_org, split_signals
from reports.html import Safe, el, esc, join
from reports.verdict import auc_grade, verdict_sentence

ROOT = Path(__file__).resolve().parents[1]

# -- formatting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.617, "62%"),
        (0.0, "0%"),
        (1.0, "100%"),
        (0.004, "0.4%"),
        (0.997, "99.7%"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_pct_never_rounds_to_none_or_all(value: float | None, text: str) -> None:
    assert fmt.pct(value) == text


def test_figures_read_as_written() -> None:
    assert fmt.pct_range(0.5347, 0.6931) == "53–69%"
    assert fmt.ci(0.5347, 0.6931) == "95% CI 53–69%"
    assert fmt.num(1149) == "1,149"
    assert fmt.points(0.383) == "+38 pts"
    assert fmt.points(-0.026) == "−3 pts"
    assert fmt.signed(-0.0262) == "−0.03"
    assert fmt.times(1.868) == "1.9×"
    assert fmt.of(141, 648) == "141 of 648"
    assert fmt.signal_label("api_integration") == "API integration"
    assert fmt.signal_label("saas_platform") == "SaaS platform"
    assert fmt.p_value(0.2214) == "p = 0.22"
    assert fmt.p_value(0.00001) == "p < 0.001"


# -- escaping -----------------------------------------------------------------------------


def test_text_is_escaped_and_safe_markup_is_not() -> None:
    note = 'Budget ok <script>alert("x")</script> & more'
    cell = el("td", note, title=note)
    assert "<script>" not in cell
    assert cell == (
        '<td title="Budget ok &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more">'
        "Budget ok &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more</td>"
    )
    assert el("p", Safe("<b>ok</b>"), None, [" ", "<i>"]) == "<p><b>ok</b> &lt;i&gt;</p>"
    assert esc(None) == "" and isinstance(join(["a", "<"]), Safe)
    assert el("br") == "<br>"
    assert el("svg", stroke_width=1.5, text_anchor="end", cls="c") == (
        '<svg stroke-width="1.5" text-anchor="end" class="c"></svg>'
    )


# -- drawing ------------------------------------------------------------------------------


def test_thin_keeps_the_ends() -> None:
    points = [(i / 999, i / 999) for i in range(1000)]
    thinned = thin(points, 50)
    assert len(thinned) == 50 and thinned[0] == points[0] and thinned[-1] == points[-1]
    assert thin(points[:10], 50) == points[:10]


# -- expected results ---------------------------------------------------------------------


def summary(**values: object) -> dict[str, object]:
    """A backtest_summary row: 100 decided contacts, 20 progressed."""
    base = {
        "total_contacts": 150,
        "model_qualified": 45,
        "qualification_rate": 0.30,
        "decided_contacts": 100,
        "deals_beyond_stage_one": 20,
        "true_positives": 15,
        "false_positives": 15,
        "true_negatives": 65,
        "false_negatives": 5,
        "model_accuracy": 0.80,
        "accuracy_ci_low": 0.71,
        "accuracy_ci_high": 0.87,
        "majority_class_accuracy": 0.80,
        "base_rate": 0.20,
        "ae_model_alignment_avg": 0.7,
        "ae_reasoning_rows": 30,
        "mean_score": 0.5,
    }
    return {**base, **values}


def test_qualification_rate_check() -> None:
    assert check_qualification_rate(summary()).status == MET
    assert check_qualification_rate(summary(qualification_rate=0.45)).status == NOT_MET
    assert check_qualification_rate(summary(qualification_rate=None)).status == UNMEASURABLE
    assert "30.0% qualified (45 of 150 scored)" == check_qualification_rate(summary()).figure


def test_accuracy_check() -> None:
    met = check_accuracy(summary(model_accuracy=0.85))
    assert met.status == MET
    assert "85.0% of 100 decided contacts (95% CI 71–87%)" in met.figure
    assert "qualifying nobody (the majority class) would score 80.0%" in met.figure
    assert check_accuracy(summary(model_accuracy=0.65)).status == NOT_MET
    # Issue #10: a model that qualifies nobody is as accurate as the majority class alone.
    nobody = check_accuracy(summary(model_accuracy=0.78, majority_class_accuracy=0.78))
    assert nobody.status == NOT_MET and "above 70% says nothing here" in nobody.figure
    everybody = check_accuracy(
        summary(model_accuracy=0.9, majority_class_accuracy=0.85, base_rate=0.85)
    )
    assert (
        everybody.status == MET and "qualifying everybody (the majority class)" in everybody.figure
    )
    assert check_accuracy(summary(model_accuracy=None, decided_contacts=0)).status == UNMEASURABLE


def test_alignment_check() -> None:
    assert check_alignment(summary()).status == MET
    assert check_alignment(summary(ae_model_alignment_avg=0.55)).status == NOT_MET
    unmeasurable = check_alignment(summary(ae_model_alignment_avg=None, ae_reasoning_rows=0))
    assert unmeasurable.status == UNMEASURABLE


def test_processing_rate_check() -> None:
    fast = check_processing_rate({"processed": 200, "rate": 1.0, "models": ["a", "b"]})
    assert fast.status == MET and fast.figure.startswith("1,800 contacts/hour")
    slow = check_processing_rate({"processed": 10, "rate": 0.02, "models": ["a"]})
    assert slow.status == NOT_MET and slow.figure.startswith("72 contacts/hour")
    assert check_processing_rate(None).status == UNMEASURABLE
    assert check_processing_rate({"processed": 0, "rate": 0.0}).status == UNMEASURABLE


def size_bands(*bands: str, **classes: float) -> list[dict[str, object]]:
    """metrics_by_segment rows: company_size_band rows named, company_size_class rows of 20
    contacts each with the given mean score."""
    return [
        {"segment_type": "company_size_band", "segment_value": band, "total_contacts": 10}
        for band in bands
    ] + [
        {
            "segment_type": "company_size_class",
            "segment_value": name,
            "total_contacts": 20,
            "mean_score": mean,
        }
        for name, mean in classes.items()
    ]


def test_band_bounds() -> None:
    assert band_bounds("1-49") == (1, 49)
    assert band_bounds("1,000-4,999") == (1000, 4999)
    assert band_bounds("5000+") == (5000, None)
    assert band_bounds("unknown") is None


def test_enterprise_and_small_business_checks() -> None:
    names = ("5000+", "1-49", "50-199", "200-999", "1000-4999", "unknown")
    bands = size_bands(*names, enterprise=0.80, small_business=0.30, mid_market=0.5)
    enterprise = check_enterprise(bands)
    assert enterprise.status == MET
    assert enterprise.figure == "mean score 80.0% over 20 contacts (1000-4999, 5000+)"
    small = check_small_business(bands)
    assert small.status == MET and small.figure.endswith("(1-49, 50-199)")
    low = size_bands("1-49", "1000-4999", enterprise=0.5, small_business=0.5)
    assert check_enterprise(low).status == NOT_MET
    assert check_small_business(low).status == NOT_MET
    assert check_enterprise(size_bands("unknown", unknown=0.8)).status == UNMEASURABLE
    assert check_small_business([]).status == UNMEASURABLE


def industries(**means: float) -> list[dict[str, object]]:
    """metrics_by_segment account_industry rows, 10 contacts each."""
    return [
        {
            "segment_type": "account_industry",
            "segment_value": name,
            "total_contacts": 10,
            "mean_score": mean,
        }
        for name, mean in means.items()
    ]


def test_technology_check() -> None:
    met = check_technology(summary(mean_score=0.5), industries(Technology=0.6, Retail=0.4))
    assert met.status == MET
    assert met.figure == "Technology 60.0% (10 contacts) vs 50.0% for all 150"
    below = check_technology(summary(mean_score=0.5), industries(Technology=0.3, Retail=0.4))
    assert below.status == NOT_MET
    assert check_technology(summary(), industries(Retail=0.4)).status == UNMEASURABLE
    nothing = check_technology(summary(mean_score=None), industries(Technology=0.6))
    assert nothing.status == UNMEASURABLE


def test_api_integration_check() -> None:
    def signal(progressed: int, low: float | None, high: float | None) -> list[dict[str, object]]:
        return [
            {
                "signal": "api_integration",
                "decided_contacts": 100,
                "progressed_contacts": progressed,
                "progression_rate": progressed / 100,
                "progression_ci_low": low,
                "progression_ci_high": high,
                "base_rate": 0.2,
            }
        ]

    met = check_api_integration(signal(40, 0.31, 0.50))
    assert met.status == MET
    assert met.figure == ("40% of 100 tagged contacts progressed (95% CI 31–50%) vs base rate 20%")
    assert check_api_integration(signal(24, 0.17, 0.33)).status == NOT_MET  # includes 20%
    assert check_api_integration(signal(0, None, None)).status == UNMEASURABLE
    assert check_api_integration([]).status == UNMEASURABLE


# -- verdict ------------------------------------------------------------------------------


def test_verdict_sentence() -> None:
    model = {
        "total_contacts": 1149,
        "decided_contacts": 648,
        "deals_beyond_stage_one": 141,
        "true_positives": 87,
        "false_positives": 161,
        "model_recall": 0.617,
        "recall_ci_low": 0.5347,
        "recall_ci_high": 0.6931,
        "model_precision": 0.3508,
        "precision_ci_low": 0.2941,
        "precision_ci_high": 0.4121,
        "roc_auc": 0.7093,
    }
    baseline = {**model, "roc_auc": 0.6004}
    assert verdict_sentence(
        "business_context", model, baseline_label="demographic", baseline=baseline
    ) == (
        "business_context finds 62% (95% CI 53–69%) of the contacts AEs progressed; 35% of "
        "those it qualifies progress (29–41%); AUC 0.71 vs 0.60 for the demographic baseline."
    )
    assert verdict_sentence("demographic (baseline)", baseline).endswith("; AUC 0.60.")
    pending = verdict_sentence("m", {**model, "decided_contacts": 0})
    assert "all 1,149 scored contacts are pending" in pending
    assert auc_grade(0.71) == "Fairly well" and auc_grade(None) == "Not measurable"


# -- data helpers -------------------------------------------------------------------------


def test_split_signals_reads_the_marts_signal_lists() -> None:
    assert split_signals("no_budget (negative), budget_confirmed (positive)") == [
        ("no_budget", "negative"),
        ("budget_confirmed", "positive"),
    ]
    assert split_signals("finance") == [("finance", "neutral")]
    assert split_signals(None) == []


def test_describe_org() -> None:
    assert describe_org("demo:5000") == ("the built-in demo org (5,000 generated contacts)", True)
    assert describe_org("export:/x/WE_00D.zip")[1] is False
    assert describe_org("live:https://acme.my.salesforce.com") == (
        "a live Salesforce org (https://acme.my.salesforce.com)",
        False,
    )
    assert describe_org(None)[1] is None


# -- charts -------------------------------------------------------------------------------


def path_points(d: str) -> int:
    """How many points an SVG path's data goes through (one M/L command each)."""
    return len(re.findall(r"[ML]-?\d", d))


def series_paths(svg: str) -> list[str]:
    return re.findall(r'<path d="([^"]+)"[^>]*class="series"', svg)


def test_line_chart_draws_every_point_of_every_series() -> None:
    svg = line_chart(
        "ROC <curve>",
        [
            Series("model <b>", [(0, 0), (0.2, 0.5), (0.5, 0.8), (1, 1)]),
            Series("baseline", [(0, 0), (0.5, 0.5), (1, 1)], dash="7 4"),
        ],
        x=Axis("False-positive rate"),
        y=Axis("Recall"),
        rules=[Rule(0, 0, 1, 1, "chance")],
        marks=[Mark(0.3, 0.6, "#000", "current")],
    )
    assert svg.startswith('<svg class="chart"') and "<title>ROC &lt;curve&gt;</title>" in svg
    assert [path_points(d) for d in series_paths(svg)] == [4, 3]
    assert "model &lt;b&gt;" in svg and "<b>" not in svg
    assert svg.count('class="mark"') == 1
    for label in ("False-positive rate", "Recall", "chance", "baseline", "current", "100%"):
        assert label in svg


def test_line_chart_says_when_there_is_nothing_to_draw() -> None:
    svg = line_chart("empty", [Series("m", [])], x=Axis("x"), y=Axis("y"))
    assert "no data to draw" in svg and series_paths(svg) == []


def test_bar_chart_draws_one_bar_per_value() -> None:
    svg = bar_chart(
        "Lift",
        ["1", "2", "3"],
        [("a", [0.5, 1.0, 2.0], "#111"), ("b", [0.7, None, 1.5], "#222")],
        x_label="Decile",
        y=Axis("Lift", 0, 2, (0, 1, 2)),
        rules=[Rule(0, 1, 1, 1, "no lift")],
    )
    assert svg.count('class="bar"') == 5
    assert "Decile" in svg and "no lift" in svg


def test_hbar_chart_draws_bars_and_whiskers() -> None:
    svg = hbar_chart(
        "By industry",
        [HBar("Tech", 0.4, (0.3, 0.5), "40% of 60"), HBar("Retail <x>", 0.1, None, "10% of 9")],
        x=Axis("Rate"),
        rule=Rule(0.2, 0, 0.2, 1, "base rate"),
    )
    assert svg.count('class="bar"') == 2 and svg.count('class="whisker"') == 1
    assert "Retail &lt;x&gt;" in svg and "40% of 60" in svg and "base rate" in svg


# -- command line errors ------------------------------------------------------------------


def run_report(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reports", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    done = run_report("--db", str(tmp_path / "none.duckdb"))
    assert done.returncode == 3
    assert "does not exist: run `make backtest` first" in done.stderr


def test_missing_marts_say_run_make_transform(tmp_path: Path) -> None:
    db = tmp_path / "raw.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema raw_salesforce")
        con.execute("create table raw_salesforce.contact (id varchar)")
    done = run_report("--db", str(db), "--out", str(tmp_path / "r.html"))
    assert done.returncode == 4
    assert "run `make transform` first" in done.stderr
    assert "marts.backtest_summary" in done.stderr
    assert not (tmp_path / "r.html").exists()


# -- a warehouse with nothing to judge ----------------------------------------------------


def empty_summary(model: str, **values: object) -> dict[str, object]:
    """A backtest_summary row of a model whose every call failed (all metrics null)."""
    row: dict[str, object] = dict.fromkeys(
        (
            "model_accuracy",
            "model_precision",
            "model_recall",
            "f1",
            "specificity",
            "qualification_rate",
            "base_rate",
            "precision_ci_low",
            "precision_ci_high",
            "recall_ci_low",
            "recall_ci_high",
            "roc_auc",
            "average_precision",
            "brier_score",
            "ae_model_alignment_avg",
        )
    )
    row.update(
        model=model,
        model_version="1.0",
        as_of=dt.date(2026, 6, 30),
        window_days=30,
        window_start=dt.date(2026, 6, 1),
        maturity_days=14,
        attribution_window_days=90,
        total_contacts=0,
        model_qualified=0,
        model_not_qualified=0,
        pending_contacts=0,
        decided_contacts=0,
        deals_beyond_stage_one=0,
        true_positives=0,
        false_positives=0,
        true_negatives=0,
        false_negatives=0,
        ae_reasoning_rows=0,
        deal_rows=0,
        scoring_errors=3,
    )
    return {**row, **values}


@pytest.mark.parametrize(
    "rows",
    [
        [empty_summary("business_context")],
        [empty_summary("business_context", total_contacts=5, pending_contacts=5)],
        [empty_summary("business_context"), empty_summary("demographic")],
    ],
    ids=["nothing-scored", "all-pending", "with-baseline"],
)
def test_a_warehouse_with_nothing_to_judge_still_renders(rows: list[dict[str, object]]) -> None:
    keys = [(str(r["model"]), str(r["model_version"])) for r in rows]
    data = ReportData(
        db=Path("/nowhere/wh.duckdb"),
        summaries=rows,
        sweep=[],
        calibration=[],
        segments=[],
        signals=[],
        comparison=[],
        misses=[],
        curves=[],
        ae_signals=[],
        keys=keys,
        baseline="demographic" if len(rows) > 1 else None,
    )
    page = render(data, generated=dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC))
    assert page.startswith("<!doctype html>") and page.count('<svg class="chart"') >= 8
    assert "not measurable here" in page and "Nothing to review: " in page
    assert "no data to draw" in page
    if rows[0]["pending_contacts"]:
        assert "all 5 scored contacts are pending" in page
    else:
        assert "scored no contact in the window" in page


def test_the_review_list_keeps_the_top_of_each_kind_and_gives_the_sql() -> None:
    """Issue #10: 7,122 misses made a 5.4 MB page. The page holds what the mart query gave
    it (kind_rank <= 25), says how many there are per kind, and the SQL for all of them."""
    key = ("business_context", "1.0")
    misses = [
        {
            "model": key[0],
            "model_version": key[1],
            "review_rank": rank,
            "miss_type": "missed_won_deal",
            "kind_rank": rank,
            "kind_misses": 7_000,
            "kind_amount": 123_456_789.0,
            "outcome": "FN",
            "contact_id": f"003{rank:015d}",
            "amount": 1000.0,
        }
        for rank in range(1, 26)
    ]
    data = ReportData(
        db=Path("/nowhere/wh.duckdb"),
        summaries=[empty_summary(key[0])],
        sweep=[],
        calibration=[],
        segments=[],
        signals=[],
        comparison=[],
        misses=misses,
        curves=[],
        ae_signals=[],
        keys=[key],
    )
    page = html.unescape(render(data, generated=dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)))
    review = page.split('id="review"', 1)[1].split("</section>", 1)[0]
    assert "missed won deal: 7,000 (amount 123,456,789)" in review
    assert "Shown: the 25 costliest of each kind; 6,975 more are in the warehouse." in review
    assert (
        "select * from marts.review_misses where model = 'business_context' "
        "and model_version = '1.0' order by review_rank;" in review
    )
    assert "What the AEs wrote" in page and "no decided opportunity has AE notes" in page
