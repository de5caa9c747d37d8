"""The report on a real warehouse: the demo org extracted over HTTP, scored by both
reference models, built by dbt, then ``python -m reports``; and the page opened in a real
headless Chromium (no console error, no network request, every chart drawn, a screenshot).

Before scoring, the fixture writes what an AE might paste into Salesforce: a rich-text
note holding an (entity-encoded) ``<script>`` on every won opportunity, which dbt decodes
into literal ``<script>`` text in the marts, and an account name holding a raw one. The
page must show both as text.
"""

from __future__ import annotations

import html
import math
import os
import re
import struct
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest

from reports.answers import BUSINESS_QUESTIONS, KEY_QUESTIONS
from reports.checks import EXPECTATIONS
from reports.verdict import verdict_sentence
from tests.cdp import INSTALL_HINT, Chromium, find_chromium
from tests.stages import score

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
CONTACTS = 1200

#: As a rich-text field stores typed text; dbt's HTML cleaning turns it back into "<script>".
AE_NOTE = " &lt;script&gt;alert('AE note')&lt;/script&gt;"
ACCOUNT_SUFFIX = ' <script>alert("account")</script>'


def run(args: list[str], *, env: dict[str, str], cwd: Path = ROOT) -> str:
    """Run a stage; fail the test with its output when it fails."""
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def inject_scripts(db: Path) -> None:
    """Script tags in AE notes (won opportunities) and in the names of recent accounts."""
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update raw_salesforce.opportunity set description = coalesce(description, '') || ? "
            "where is_won",
            [AE_NOTE],
        )
        con.execute(
            "update raw_salesforce.account set name = name || ? where id in ("
            "select account_id from raw_salesforce.contact "
            "order by created_date desc limit 150)",
            [ACCOUNT_SUFFIX],
        )


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo warehouse: extract, scripts injected, score, dbt build."""
    work = tmp_path_factory.mktemp("report")
    db = work / "wh.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "BACKTEST_"))}
    env.update(
        BACKTEST_DB=str(db),
        DBT_PROFILES_DIR=str(PROJECT),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    py = sys.executable
    run([py, "-m", "extract", "--org", "demo", "--demo-contacts", str(CONTACTS)], env=env)
    inject_scripts(db)
    score(env, "--no-progress")
    run(
        [
            str(DBT),
            "build",
            "--quiet",
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        env=env,
        cwd=PROJECT,
    )
    return db


@pytest.fixture(scope="session")
def report(warehouse: Path) -> Path:
    """The report built by the command line, at its default place."""
    done = subprocess.run(
        [sys.executable, "-m", "reports", "--db", str(warehouse)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    path = warehouse.parent / "report" / "index.html"
    assert done.stdout.splitlines() == [f"📄 Report written to {path}"]
    return path


@pytest.fixture(scope="session")
def page(report: Path) -> str:
    return report.read_text(encoding="utf-8")


def summaries(db: Path) -> dict[str, dict[str, object]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute("select * from marts.backtest_summary")
        names = [c[0] for c in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_each_model_has_its_verdict_sentence(warehouse: Path, page: str) -> None:
    rows = summaries(warehouse)
    assert set(rows) == {"business_context", "demographic"}
    model, baseline = rows["business_context"], rows["demographic"]
    expected = verdict_sentence(
        "business_context", model, baseline_label="demographic", baseline=baseline
    )
    assert re.fullmatch(
        r"business_context finds \d+% \(95% CI \d+–\d+%\) of the contacts AEs progressed; "
        r"\d+% of those it qualifies progress \(\d+–\d+%\); AUC 0\.\d\d vs 0\.\d\d for the "
        r"demographic baseline\.",
        expected,
    ), expected
    assert f"finds {round(100 * model['model_recall'])}% " in expected
    assert f"AUC {model['roc_auc']:.2f} vs {baseline['roc_auc']:.2f}" in expected
    assert html.escape(expected) in page
    baseline_sentence = verdict_sentence("demographic (baseline)", baseline)
    assert html.escape(baseline_sentence) in page


def test_the_seed_questions_are_answered_with_their_figures(page: str) -> None:
    for question in (*KEY_QUESTIONS, *BUSINESS_QUESTIONS):
        heading = f"<h4>{html.escape(question)}</h4>"
        assert heading in page, question
        answer = page.split(heading, 1)[1].split("</div>", 1)[0]
        assert 'class="answer"' in answer and "Figure: " in answer, question
        assert "Not measurable" not in answer, question  # the demo org measures them all
    for expectation in EXPECTATIONS:
        assert html.escape(expectation.text) in page, expectation.text
    statuses = re.findall(r'class="badge (met|not-met|na)"', page)
    per_model = sum(e.per_model for e in EXPECTATIONS)
    assert len(statuses) == 2 * per_model + (len(EXPECTATIONS) - per_model)


def test_header_says_when_and_what(warehouse: Path, page: str) -> None:
    row = summaries(warehouse)["business_context"]
    assert f"<dd>{row['as_of']}</dd>" in page
    assert f"({row['window_days']} days)" in page
    assert f"the built-in demo org ({CONTACTS:,} generated contacts)" in page
    assert "Demo data:" in page and "Generated</dt>" in page
    for words in ("How to read this", "Progressed", "Pending", "Alignment", "0.5 ×"):
        assert words in page


def test_salesforce_text_is_escaped(warehouse: Path, page: str) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw = con.execute(
            "select count(*) from marts.review_misses "
            "where ae_reasoning like '%<script>%' or company_name like '%<script>%'"
        ).fetchall()[0][0]
    assert raw > 0, "the fixture should put <script> text into the review list"
    assert "&lt;script&gt;alert(" in page
    assert "<script" not in page.lower()
    assert "alert(&#x27;AE note&#x27;)" in page or "alert(&quot;account&quot;)" in page


def test_the_page_is_self_contained(page: str) -> None:
    assert "@import" not in page and "url(" not in page and " src=" not in page
    for href in re.findall(r'href="([^"]*)"', page):
        assert href.startswith(("#", "data:")), href
    # The only URL is the SVG namespace (an identifier, never fetched).
    urls = set(re.findall(r"https?://[^\s\"'<)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}


# -- the marts' statistics, recomputed here independently from the row-level marts ---------


def rows_of(db: Path, sql: str) -> list[dict[str, object]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(sql)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def wilson(successes: int, trials: int) -> tuple[float, float] | None:
    """The Wilson 95% score interval, as any textbook writes it."""
    if not trials:
        return None
    z, p = 1.96, successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials**2)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def assert_interval(low: object, high: object, expected: tuple[float, float] | None) -> None:
    if expected is None:
        assert low is None and high is None
    else:
        assert (low, high) == pytest.approx(expected, abs=1e-9)


def decided_by_model(db: Path) -> dict[tuple[str, str], list[tuple[float, bool]]]:
    out: dict[tuple[str, str], list[tuple[float, bool]]] = {}
    for row in rows_of(db, "select * from marts.contact_outcomes where is_decided"):
        key = (str(row["model"]), str(row["model_version"]))
        out.setdefault(key, []).append(
            (float(row["qualification_score"]), bool(row["ae_progressed"]))
        )
    return out


def test_score_curves_walk_every_distinct_score_and_hold_the_auc(warehouse: Path) -> None:
    summaries_by_key = {
        (r["model"], r["model_version"]): r
        for r in rows_of(warehouse, "select * from marts.backtest_summary")
    }
    for key, contacts in decided_by_model(warehouse).items():
        positives = sum(label for _, label in contacts)
        negatives = len(contacts) - positives
        points = [(0.0, 0.0)]
        for threshold in sorted({value for value, _ in contacts}, reverse=True):
            tp = sum(label for value, label in contacts if value >= threshold)
            fp = sum(not label for value, label in contacts if value >= threshold)
            points.append((fp / negatives, tp / positives))
        model, version = key
        mart = rows_of(
            warehouse,
            f"select * from marts.score_curves where model = '{model}' "
            f"and model_version = '{version}' order by point_rank",
        )
        drawn = [(r["curve_false_positive_rate"], r["curve_recall"]) for r in mart]
        assert len(drawn) == len(points), key
        flat = [value for point in drawn for value in point]
        assert flat == pytest.approx([value for point in points for value in point], abs=1e-12)
        # The trapezoid area under the points is the Mann-Whitney AUC, ties counting half.
        area = sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in pairwise(drawn))
        wins = sum(
            (p > n) + 0.5 * (p == n) for p, lp in contacts if lp for n, ln in contacts if not ln
        )
        assert area == pytest.approx(wins / (positives * negatives), abs=1e-9), key
        assert summaries_by_key[key]["roc_auc"] == pytest.approx(area, abs=1e-9), key
        precision = [r["curve_precision"] for r in mart]
        assert precision[0] == precision[1] and precision[-1] == pytest.approx(
            positives / len(contacts)
        )


def test_every_interval_is_the_wilson_interval(warehouse: Path) -> None:
    for r in rows_of(warehouse, "select * from marts.backtest_summary"):
        correct = r["true_positives"] + r["true_negatives"]
        assert_interval(
            r["accuracy_ci_low"], r["accuracy_ci_high"], wilson(correct, r["decided_contacts"])
        )
        assert_interval(
            r["precision_ci_low"],
            r["precision_ci_high"],
            wilson(r["true_positives"], r["true_positives"] + r["false_positives"]),
        )
    segments = rows_of(warehouse, "select * from marts.metrics_by_segment")
    assert segments
    for r in segments:
        decided = r["total_contacts"] - r["pending_contacts"]
        assert r["decided_contacts"] == decided
        assert_interval(
            r["progression_ci_low"],
            r["progression_ci_high"],
            wilson(r["progressed_contacts"], decided),
        )
    signals = rows_of(warehouse, "select * from marts.signal_progression")
    assert signals
    for r in signals:
        interval = wilson(r["progressed_contacts"], r["decided_contacts"])
        assert_interval(r["progression_ci_low"], r["progression_ci_high"], interval)
        if interval and r["base_rate"]:
            lift = (interval[0] / r["base_rate"], interval[1] / r["base_rate"])
            assert_interval(r["lift_ci_low"], r["lift_ci_high"], lift)


def mcnemar(only_first: int, only_second: int) -> float | None:
    """Two-sided McNemar: exact binomial below 25 discordant pairs, else chi-square (1 df)
    with continuity correction."""
    n = only_first + only_second
    if n == 0:
        return None
    if n < 25:
        tail = sum(math.comb(n, i) for i in range(min(only_first, only_second) + 1)) / 2**n
        return min(1.0, 2 * tail)
    return math.erfc(math.sqrt((abs(only_first - only_second) - 1) ** 2 / n / 2))


def test_model_comparison_holds_the_mcnemar_p_value(warehouse: Path) -> None:
    decided = rows_of(warehouse, "select * from marts.contact_outcomes where is_decided")
    right = {
        (r["model"], r["contact_id"]): r["is_qualified"] == r["ae_progressed"] for r in decided
    }
    comparison = rows_of(warehouse, "select * from marts.model_comparison")
    assert comparison
    for row in comparison:
        shared = [
            contact
            for model, contact in right
            if model == row["model"] and (row["baseline_model"], contact) in right
        ]
        only_model = sum(
            right[(row["model"], c)] and not right[(row["baseline_model"], c)] for c in shared
        )
        only_baseline = sum(
            right[(row["baseline_model"], c)] and not right[(row["model"], c)] for c in shared
        )
        assert (row["only_model_correct"], row["only_baseline_correct"]) == (
            only_model,
            only_baseline,
        )
        expected = mcnemar(only_model, only_baseline)
        assert row["mcnemar_p_value"] == pytest.approx(expected, rel=1e-6)
    assert mcnemar(0, 5) == pytest.approx(0.0625) and mcnemar(76, 93) == pytest.approx(
        0.2183, abs=1e-3
    )


def test_summary_counts_and_rates_match_the_contact_rows(warehouse: Path) -> None:
    outcomes = rows_of(warehouse, "select * from marts.contact_outcomes")
    deals = rows_of(warehouse, "select * from marts.deal_progressions")
    for s in rows_of(warehouse, "select * from marts.backtest_summary"):
        mine = [
            r
            for r in outcomes
            if (r["model"], r["model_version"]) == (s["model"], s["model_version"])
        ]
        pending = [r for r in mine if r["is_pending"]]
        fn = [r for r in mine if r["outcome"] == "FN"]
        fp = [r for r in mine if r["outcome"] == "FP"]
        assert s["pending_qualified"] == sum(bool(r["is_qualified"]) for r in pending)
        assert s["pending_with_opportunity"] == sum(
            (r["attributed_opportunities"] or 0) > 0 for r in pending
        )
        assert s["pending_youngest_days"] == min(
            (r["contact_age_days"] for r in pending), default=None
        )
        assert s["fn_won_contacts"] == sum(bool(r["has_won_opportunity"]) for r in fn)
        assert s["fp_closed_at_stage_one_contacts"] == sum(
            bool(r["has_opportunity_closed_at_stage_one"]) for r in fp
        )
        assert s["fp_without_opportunity_contacts"] == sum(
            not r["attributed_opportunities"] for r in fp
        )
        assert s["false_positive_rate"] == pytest.approx(len(fp) / (len(fp) + s["true_negatives"]))
        assert s["false_negative_rate"] == pytest.approx(len(fn) / (len(fn) + s["true_positives"]))
        assert s["precision_lift"] == pytest.approx(s["model_precision"] / s["base_rate"])
        assert s["mean_score"] == pytest.approx(
            sum(r["qualification_score"] for r in mine) / len(mine)
        )
        aligned = [
            r
            for r in deals
            if (r["model"], r["model_version"]) == (s["model"], s["model_version"])
            and r["has_ae_reasoning"]
            and r["alignment_score"] is not None
        ]
        assert s["decision_agreement_avg"] == pytest.approx(
            sum(r["decision_agreement"] for r in aligned) / len(aligned)
        )
        assert s["signal_agreement_avg"] == pytest.approx(
            sum(r["signal_agreement"] for r in aligned) / len(aligned)
        )


def test_ae_signals_count_each_opportunity_once(warehouse: Path) -> None:
    """Per model, the AE-side signals (shared + AE-only lists of deal_progressions) of each
    opportunity of a contact not pending, an opportunity counted once."""
    deals = rows_of(warehouse, "select * from marts.deal_progressions where not is_pending")
    mart = rows_of(warehouse, "select * from marts.ae_signal_progression")
    summaries_by_key = {
        (r["model"], r["model_version"]): r
        for r in rows_of(warehouse, "select * from marts.backtest_summary")
    }
    assert mart
    for key, summary in summaries_by_key.items():
        mine = [r for r in deals if (r["model"], r["model_version"]) == key]
        progressed = {r["opportunity_id"] for r in mine if r["beyond_stage_one"]}
        signals: dict[str, set[tuple[str, str]]] = {}
        for r in mine:
            for text in (r["shared_signals"], r["ae_only_signals"]):
                for item in filter(None, (text or "").split(", ")):
                    name, _, polarity = item.partition(" (")
                    signals.setdefault(r["opportunity_id"], set()).add((name, polarity.rstrip(")")))
        counts: dict[tuple[str, str], list[int]] = {}
        for opportunity, pairs in signals.items():
            for pair in pairs:
                entry = counts.setdefault(pair, [0, 0])
                entry[0] += 1
                entry[1] += opportunity in progressed
        got = {
            (r["signal"], r["polarity"]): [r["opportunities"], r["progressed_opportunities"]]
            for r in mart
            if (r["model"], r["model_version"]) == key
        }
        assert got == counts, key
        assert summary["ae_opportunities"] == len({r["opportunity_id"] for r in mine})
        assert summary["ae_opportunities_progressed"] == len(progressed)
        assert summary["ae_opportunities_with_signals"] == len(signals)


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", header[16:24])


CHART_PROBE = """
Array.from(document.querySelectorAll('svg.chart')).map(svg => {
  const box = svg.getBoundingClientRect();
  return {name: svg.getAttribute('aria-label'), width: box.width, height: box.height,
          shapes: svg.querySelectorAll('path, rect, circle').length,
          drawn: Array.from(svg.querySelectorAll('path.series, rect.bar'))
                      .filter(e => e.getBBox().width + e.getBBox().height > 0).length};
})
"""


def test_the_page_renders_in_a_real_browser(report: Path, tmp_path: Path) -> None:
    if find_chromium() is None:
        pytest.fail(INSTALL_HINT)
    started = time.monotonic()
    with Chromium(tmp_path) as browser:
        browser.load(report.as_uri())
        charts = browser.evaluate(CHART_PROBE)
        title = browser.evaluate("document.title")
        shot = browser.screenshot(tmp_path / "report.png")
        errors, requests = browser.errors(), browser.requests()
    assert errors == []
    assert requests == [report.as_uri()], "the page must load nothing else"
    assert title.startswith("Lead-qualification backtest")
    assert len(charts) >= 9, charts
    for chart in charts:
        assert chart["width"] > 100 and chart["height"] > 100, chart
        assert chart["shapes"] > 0 and chart["drawn"] > 0, chart
    width, height = png_size(shot)
    assert width == 1280 and height > 2000
    assert time.monotonic() - started < 30


def test_the_review_list_shows_the_top_of_each_kind_and_the_sql_for_the_rest(
    warehouse: Path, page: str
) -> None:
    """At most 25 misses per model and kind on the page; how many there are in all (from
    the mart) and, when some are left out, the SQL that lists them all."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kinds = con.execute(
            "select model, miss_type, max(kind_misses), count(*), sum(amount) "
            "from marts.review_misses group by model, miss_type"
        ).fetchall()
    assert kinds, "the demo org has costly misses"
    review = page.split('id="review"', 1)[1].split("</section>", 1)[0]
    shown = len(re.findall(r"<tr[ >]", review)) - review.count("<thead>")
    expected = sum(min(total, 25) for _m, _k, total, _n, _a in kinds)
    assert shown == expected
    for model, _kind, total, rows, amount in kinds:
        assert total == rows
        assert f": {total:,}" in html.unescape(review)
        assert f"(amount {amount:,.0f})" in html.unescape(review)
        if total > 25:
            sql = f"select * from marts.review_misses where model = '{model}'"
            assert sql in html.unescape(review)


def test_the_sections_beyond_one_snapshot_show_their_marts(warehouse: Path, page: str) -> None:
    from reports.beyond import revenue_sentence, stability_sentence

    for row in rows_of(warehouse, "select * from marts.cohort_trend"):
        assert html.escape(stability_sentence(row)) in page
        assert row["model"] in stability_sentence(row)
    revenue = rows_of(warehouse, "select * from marts.revenue_capture")
    assert {row["model"] for row in revenue} == {"business_context", "demographic"}
    for row in revenue:
        sentence = revenue_sentence(row)
        assert html.escape(sentence) in page
        assert f"kept {round(100 * row['revenue_weighted_recall'])}% of won revenue" in sentence
    # The Kaplan-Meier table reads each curve at day 14, interval included.
    for row in rows_of(
        warehouse, "select * from marts.progression_curves where day = 14 and progressed_share > 0"
    ):
        shown = f"{100 * row['progressed_share']:.1f}% ({100 * row['progressed_share_low']:.1f}%"
        assert shown in page, shown
    # The beyond-chance verdicts of the comparison.
    (comparison,) = rows_of(warehouse, "select * from marts.model_comparison")
    assert (
        f"+{comparison['f1_difference_low']:.3f} to +{comparison['f1_difference_high']:.3f}" in page
    )
    for anchor in ("stability", "progression", "revenue"):
        assert f'<section id="{anchor}">' in page and f'href="#{anchor}"' in page
