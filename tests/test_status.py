"""``make status``: the seed's STATUS UPDATE, also while another process writes the warehouse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from reports.status import Snapshot, status_lines, summary_lines, take_snapshot

SUMMARY = {
    "model": "business_context",
    "model_version": "1.0",
    "as_of": "2026-11-20",
    "window_days": 30,
    "total_contacts": 120,
    "decided_contacts": 100,
    "pending_contacts": 20,
    "deals_beyond_stage_one": 30,
    "ae_model_alignment_avg": 0.6125,
    "ae_reasoning_rows": 40,
    "qualification_rate": 0.3,
    "model_precision": 0.5,
    "precision_ci_low": 0.35,
    "precision_ci_high": 0.65,
    "model_recall": 0.6,
    "recall_ci_low": 0.42,
    "recall_ci_high": 0.76,
    "f1": 0.5454,
    "roc_auc": 0.71,
}


def make_warehouse(db: Path) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        columns = ", ".join(
            f"{k} varchar" if isinstance(v, str) else f"{k} double" for k, v in SUMMARY.items()
        )
        con.execute(f"create table marts.backtest_summary ({columns})")
        con.execute(
            f"insert into marts.backtest_summary values ({', '.join('?' * len(SUMMARY))})",
            list(SUMMARY.values()),
        )
        con.execute(
            "create table marts.model_comparison as select 'business_context' as model, "
            "'demographic' as baseline_model, 0.11 as roc_auc_delta, 0.2 as f1_delta, "
            "0.383 as model_recall_delta, 0.083 as model_precision_delta, "
            "0.0004 as delong_p_value, 'better' as auc_verdict, -0.05 as f1_difference_low, "
            "0.35 as f1_difference_high, 'within chance' as f1_verdict"
        )
        con.execute(
            "create table marts.cohort_trend as select 'business_context' as model, "
            "'week' as cohort_grain, 5 as cohorts, 4 as cohorts_measured, "
            "'within noise' as stability, 0.7 as first_cohort_auc, 0.72 as last_cohort_auc, "
            "0.005 as auc_slope, 0.4 as auc_slope_z"
        )
        con.execute(
            "create table marts.progression_curves as select * from (values "
            "('business_context', 'qualified', 14, 0.2), "
            "('business_context', 'not qualified', 14, 0.1)) "
            "as t(model, decision, day, progressed_share)"
        )
        con.execute(
            "create table marts.revenue_capture as select 'business_context' as model, "
            "0.3 as qualified_share, 0.8 as revenue_weighted_recall, 800.0 as won_found, "
            "1000.0 as won_total, 'EUR' as corporate_currency"
        )
        con.execute(
            "create table marts.model_cards as select 'fitted_history' as model, "
            "false as is_trained, 'fewer than 200 contacts matured before the window (120)' "
            "as note"
        )
    progress = db.parent / "progress"
    progress.mkdir(exist_ok=True)
    (progress / "score.json").write_text(
        json.dumps(
            {
                "status": "done",
                "processed": 240,
                "qualified": 60,
                "errors": 2,
                "by_model": {
                    "business_context": {"processed": 120, "qualified": 40, "errors": 2},
                    "demographic": {"processed": 120, "qualified": 20, "errors": 0},
                },
                "models": ["business_context", "demographic"],
                "rate": 5.0,
                "started_at": "2026-11-20T10:00:00+00:00",
                "updated_at": "2026-11-20T10:01:36+00:00",
            }
        )
    )
    (progress / "transform.json").write_text(json.dumps({"seconds": 12.0}))


def test_status_reads_marts_and_progress_files(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    text = "\n".join(status_lines(take_snapshot(db)))
    assert text.startswith("📊 BACKTEST STATUS UPDATE")
    assert "⏱️ Runtime: 0:01:48" in text  # 96 s scoring + 12 s dbt build
    assert (
        "📈 Job 1 (Scoring, done): business_context 120 processed, 40 qualified (33.3%), "
        "2 errors, demographic 120 processed, 20 qualified (16.7%)" in text
    )
    assert "🔍 Job 2 (Analysis, business_context): 120 analyzed, 30 progressed beyond " in text
    assert "🎯 Model-AE Alignment (business_context): 0.61 over 40 deals" in text
    assert "⚡ Scoring rate: 9,000 contacts/hour (2 contacts/s, every model)" in text
    assert "⚡ Analysis rate: 36,000 contacts/hour" in text


def test_summary_gives_intervals_baseline_deltas_and_report_path(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    text = "\n".join(summary_lines(take_snapshot(db), report=tmp_path / "report.html"))
    assert "🏁 VERDICT as of 2026-11-20 (30-day window, 100 decided + 20 pending" in text
    assert "precision 50.0% (35.0%–65.0%) | recall 60.0% (42.0%–76.0%)" in text
    assert "AUC 0.71" in text
    assert (
        "business_context vs demographic: AUC +0.110 (DeLong p < 0.001: better beyond chance), "
        "F1 +0.200 (95% CI -0.050 to +0.350: within chance), recall +38.3 pts" in text
    )
    assert (
        "📈 business_context over 5 weekly cohorts: AUC stayed within noise (0.70 → 0.72, "
        "+0.005 per cohort, z 0.40;" in text
    )
    assert (
        "⏳ business_context: progressed by day 14 / 30 / 90 (Kaplan–Meier): qualified "
        "20.0% / n/a / n/a; not qualified 10.0% / n/a / n/a (n/a: past the window's follow-up"
        in text
    )
    assert (
        "💰 business_context: qualifying 30.0% of contacts kept 80.0% of won revenue "
        "(800 of 1,000 EUR)" in text
    )
    assert (
        "📐 fitted_history not trained: fewer than 200 contacts matured before the window (120)"
        in text
    )
    assert "report.html (not built yet" in text


def test_status_while_a_stage_holds_the_warehouse_shows_progress_not_a_lock_error(
    tmp_path: Path,
) -> None:
    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done = subprocess.run(
            [sys.executable, "-m", "reports.status"],
            env={**os.environ, "BACKTEST_DB": str(db)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout:
            holder.stdout.close()
    assert done.returncode == 0, done.stderr
    assert "A stage is writing the warehouse" in done.stdout
    assert "40 qualified" in done.stdout  # from the progress file
    assert "lock" not in (done.stdout + done.stderr).lower()


def test_status_before_any_run_says_what_to_do(tmp_path: Path) -> None:
    lines = status_lines(take_snapshot(tmp_path / "nothing.duckdb"))
    assert any("make backtest" in line for line in lines)
    assert status_lines(Snapshot(tmp_path / "x.duckdb"))[0] == "📊 BACKTEST STATUS UPDATE"
