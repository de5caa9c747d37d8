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
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from reports.answers import BUSINESS_QUESTIONS, KEY_QUESTIONS
from reports.checks import EXPECTATIONS
from reports.data import load
from reports.stats import roc_points, trapezoid_area
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


def test_drawn_roc_curves_have_the_marts_auc(warehouse: Path) -> None:
    data = load(warehouse)
    for key in data.keys:
        area = trapezoid_area(roc_points(data.score_groups[key]))
        assert area == pytest.approx(data.summary(key)["roc_auc"], abs=1e-9), key


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
