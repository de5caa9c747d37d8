"""Settings are checked once, before any stage runs (plumbing.settings), and again where dbt
reads them: a bad value is one clear line and a non-zero exit, never an empty verdict."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from plumbing.settings import check_settings
from tests.stages import ROOT, run_dbt

TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BACKTEST_DAYS": "abc"}, "DAYS must be a whole number, at least 1, got 'abc'"),
        ({"BACKTEST_DAYS": "-1"}, "DAYS must be a whole number, at least 1, got '-1'"),
        ({"BACKTEST_DAYS": "0"}, "DAYS must be a whole number, at least 1, got '0'"),
        ({"BACKTEST_DEMO_CONTACTS": "abc"}, "CONTACTS must be a whole number"),
        ({"BACKTEST_AS_OF": "2026-13-01"}, "AS_OF must be a date YYYY-MM-DD"),
        ({"BACKTEST_AS_OF": "2026-11-30"}, "AS_OF=2026-11-30 is after today (2026-11-29, UTC)"),
        ({"BACKTEST_MODELS": " , "}, "MODELS is empty"),
        ({"BACKTEST_ORG": "/no/such/export"}, "ORG=/no/such/export: no such folder or .zip"),
        ({"BACKTEST_API_URL": "localhost:8080"}, "API_URL must start with http://"),
        ({"BACKTEST_POINT_IN_TIME": "loose"}, "POINT_IN_TIME must be flag or strict"),
        ({"BACKTEST_STAGE_ONE": 'Pro"specting'}, "STAGE_ONE cannot hold quotes"),
        ({"BACKTEST_TARGET": "postgres"}, "TARGET must be duckdb or spark"),
        ({"BACKTEST_COHORT": "day"}, "COHORT must be week or month"),
        ({"BACKTEST_FITTED": "yes"}, "FITTED must be auto or off"),
        ({"BACKTEST_UPTODATE": "never"}, "UPTODATE must be auto or off"),
        (
            {"BACKTEST_FITTED_MAX_ROWS": "50"},
            "FITTED_MAX_ROWS must be a whole number, at least 200",
        ),
        ({"BACKTEST_DUCKDB_MEMORY": "3"}, "DUCKDB_MEMORY must be a size such as 3GB"),
    ],
)
def test_each_bad_setting_is_one_line_naming_it(env: dict[str, str], message: str) -> None:
    problems = check_settings(env, today=TODAY)
    assert len(problems) == 1 and message in problems[0], problems


def test_good_and_empty_settings_pass() -> None:
    env = {
        "BACKTEST_DAYS": "30",
        "BACKTEST_AS_OF": "",
        "BACKTEST_DEMO_CONTACTS": "5000",
        "BACKTEST_MODELS": "business_context,demographic",
        "BACKTEST_ORG": "",
        "BACKTEST_API_URL": "",
        "BACKTEST_STAGE_ONE": "Discovery",
        "BACKTEST_POINT_IN_TIME": "strict",
        "BACKTEST_TARGET": "duckdb",
        "BACKTEST_COHORT": "month",
        "BACKTEST_UPTODATE": "off",
        "BACKTEST_FITTED_MAX_ROWS": "200000",
        "BACKTEST_DUCKDB_MEMORY": "3GB",
    }
    assert check_settings(env, today=TODAY) == []
    assert check_settings({"BACKTEST_DUCKDB_MEMORY": "512MiB"}, today=TODAY) == []
    assert check_settings({"BACKTEST_AS_OF": TODAY.isoformat()}, today=TODAY) == []


def test_make_refuses_bad_settings_before_any_stage(tmp_path: Path) -> None:
    db = tmp_path / "never.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKTEST_", "SALESFORCE_"))}
    done = subprocess.run(
        ["make", "--no-print-directory", "transform", "DAYS=abc", f"DB={db}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0
    assert "❌ settings: DAYS must be a whole number, at least 1, got 'abc'" in done.stderr
    assert not db.exists()  # no stage ran


@pytest.mark.parametrize(
    ("dbt_vars", "message"),
    [
        ({"window_days": "abc"}, "var('window_days') (DAYS) must be a whole number of days"),
        ({"window_days": "-1"}, "var('window_days') (DAYS) must be a whole number of days"),
        ({"as_of": "2999-01-01"}, "var('as_of') (AS_OF) is 2999-01-01, after today"),
        ({"point_in_time": "maybe"}, "var('point_in_time') (POINT_IN_TIME) must be flag or strict"),
        ({"cohort": "day"}, "var('cohort') (COHORT) must be week or month, got 'day'"),
    ],
)
def test_dbt_refuses_bad_vars_instead_of_building_empty_marts(
    tmp_path: Path, dbt_vars: dict[str, str], message: str
) -> None:
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    model = "cohort_metrics" if "cohort" in dbt_vars else "contacts_to_score"
    done = run_dbt(
        ["build", "--select", model, "--vars", json.dumps(dbt_vars)],
        db=db,
        check=False,
    )
    assert done.returncode != 0
    assert message in done.stdout, done.stdout[-2000:]


def test_the_settings_module_runs_as_a_command() -> None:
    env = {**os.environ, "BACKTEST_DAYS": "x"}
    done = subprocess.run(
        [sys.executable, "-m", "plumbing.settings"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2 and "DAYS must be a whole number" in done.stderr
