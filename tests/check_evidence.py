"""The Evidence site (reports/evidence) builds from a warehouse and shows the models' figures.

Not part of the default `pytest` run: the name does not match `test_*.py`, so pytest collects
it only when given explicitly (`make test-evidence` runs `pytest tests/check_evidence.py`).
It needs Node 20+ and npm; the first run installs reports/evidence/node_modules (~700 MB).

EVIDENCE_TEST_WAREHOUSE=path uses a copy of an existing warehouse instead of building a
600-contact demo one.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from tests.stages import score

ROOT = Path(__file__).resolve().parent.parent
EVIDENCE = ROOT / "reports" / "evidence"
#: Each page (its path under the site) and its title.
PAGES = {
    "": "Lead-qualification backtest",
    "model-vs-baseline": "Model vs baseline",
    "threshold-sweep": "Threshold sweep",
    "calibration": "Calibration and lift",
    "segments": "Segments",
    "signals": "Signal patterns",
    "review": "Review list of misses",
}
#: Whole build (install on first use, sources, build); build.sh also limits each step.
TIMEOUT = int(os.environ.get("EVIDENCE_TEST_TIMEOUT", "1800"))


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(cmd)} did not finish within {TIMEOUT}s: {exc}")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("evidence-wh") / "wh.duckdb"
    given = os.environ.get("EVIDENCE_TEST_WAREHOUSE")
    if given:
        shutil.copyfile(given, db)
        return db
    env = {**os.environ, "BACKTEST_DB": str(db), "DBT_PROFILES_DIR": str(ROOT / "dbt_project")}
    env = {k: v for k, v in env.items() if not k.startswith("SALESFORCE_")}
    dbt = str(Path(sys.executable).parent / "dbt")
    _run([sys.executable, "-m", "extract", "--demo-contacts", "600"], ROOT, env)
    score(env)
    dbt_build = [dbt, "build", "--quiet", "--exclude", "resource_type:unit_test"]
    _run(dbt_build, ROOT / "dbt_project", env)
    return db


@pytest.fixture(scope="module")
def site(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("npm") is None:
        pytest.fail("npm is not on PATH: the Evidence site needs Node 20+ and npm")
    out = tmp_path_factory.mktemp("evidence") / "site"
    env = {**os.environ, "PYTHON": sys.executable, "SEND_ANONYMOUS_USAGE_STATS": "no"}
    _run(["bash", "scripts/build.sh", str(warehouse), str(out)], EVIDENCE, env)
    return out


@pytest.fixture(scope="module")
def marts(warehouse: Path) -> dict[str, list[dict[str, object]]]:
    tables = ["backtest_summary", "model_comparison", "threshold_sweep", "review_misses"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        out = {}
        for name in tables:
            cur = con.execute(f"select * from marts.{name}")
            cols = [d[0] for d in cur.description]
            out[name] = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    return out


def text(site: Path, page: str) -> str:
    path = site / page / "index.html" if page else site / "index.html"
    assert path.is_file(), f"{path} was not built"
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def shown(value: object, places: int, *, percent: bool = False) -> set[str]:
    """The ways a number may be shown with `places` decimals (JS and Python round halves apart)."""
    number = Decimal(str(value)) * (100 if percent else 1)
    step = Decimal(1).scaleb(-places)
    forms = {number.quantize(step, rounding=r) for r in (ROUND_HALF_UP, ROUND_HALF_EVEN)}
    return {f"{f}{'%' if percent else ''}" for f in forms}


def assert_shows(page_text: str, forms: set[str], what: str) -> None:
    assert any(f in page_text for f in forms), f"{what}: none of {sorted(forms)} on the page"


def test_every_page_is_built(site: Path) -> None:
    for page, title in PAGES.items():
        page_text = text(site, page)
        assert title in page_text, page
        assert "Error" not in page_text, f"{page}: {page_text[:2000]}"


def test_the_summary_page_shows_each_models_verdict_figures(site: Path, marts: dict) -> None:
    page = text(site, "")
    assert marts["backtest_summary"], "the warehouse has no backtest_summary rows"
    for row in marts["backtest_summary"]:
        assert row["model"] in page
        assert_shows(page, shown(row["model_recall"], 1, percent=True), f"{row['model']} recall")
        assert_shows(page, shown(row["model_precision"], 1, percent=True), "precision")
        assert_shows(page, shown(row["roc_auc"], 3), f"{row['model']} ROC AUC")
        confusion = (
            f"TP {row['true_positives']}, FP {row['false_positives']}, "
            f"TN {row['true_negatives']}, FN {row['false_negatives']}"
        )
        assert confusion in page, confusion


def test_the_threshold_page_shows_the_current_threshold(site: Path, marts: dict) -> None:
    page = text(site, "threshold-sweep")
    current = [r for r in marts["threshold_sweep"] if r["is_current"]]
    assert current
    for row in current:
        assert_shows(page, shown(row["threshold_precision"], 1, percent=True), "precision")
        assert_shows(page, shown(row["threshold_recall"], 1, percent=True), "recall")


def test_the_baseline_page_shows_the_comparison(site: Path, marts: dict) -> None:
    page = text(site, "model-vs-baseline")
    for row in marts["model_comparison"]:
        assert f"{row['model']} {row['model_version']}" in page
        assert f"On {row['shared_decided_contacts']} shared decided contacts" in page


def test_the_review_page_names_the_first_miss_of_each_model(site: Path, marts: dict) -> None:
    page = text(site, "review")
    for row in marts["review_misses"]:
        if row["review_rank"] == 1:
            assert str(row["contact_name"]) in page, row["contact_name"]


def test_the_site_ships_no_warehouse(site: Path) -> None:
    assert not list(site.rglob("*.duckdb"))
