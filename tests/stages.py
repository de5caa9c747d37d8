"""Run the stages the way the Makefile does, for tests and benchmarks.

``make score`` builds the scoring step's input with dbt (``dbt build --select
+contacts_to_score``) before ``python -m scoring`` reads it; ``score`` does the same.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")


def dbt_vars(*, as_of: dt.date | str | None = None, days: int | None = None, **more: str) -> str:
    """The ``--vars`` JSON the Makefile passes (empty values mean the defaults)."""
    values: dict[str, str] = {"as_of": str(as_of or "")}
    if days is not None:
        values["window_days"] = str(days)
    values.update(more)
    return json.dumps(values)


def run_dbt(
    args: Sequence[str],
    *,
    db: Path | str,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` in dbt_project on the warehouse ``db`` (target duckdb)."""
    full_env = {
        **(env if env is not None else os.environ),
        "BACKTEST_DB": str(db),
        "DBT_PROFILES_DIR": str(PROJECT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    done = subprocess.run(
        [str(DBT), *args, "--target", "duckdb"],
        cwd=PROJECT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{done.stdout[-4000:]}{done.stderr}")
    return done


def build_scoring_inputs(
    db: Path | str,
    *,
    as_of: dt.date | str | None = None,
    days: int | None = None,
    env: Mapping[str, str] | None = None,
    **more_vars: str,
) -> None:
    """``dbt build --select +contacts_to_score``, as ``make score`` runs it first."""
    run_dbt(
        [
            "build",
            "--quiet",
            "--select",
            "+contacts_to_score",
            "--vars",
            dbt_vars(as_of=as_of, days=days, **more_vars),
        ],
        db=db,
        env=env,
    )


def score(
    env: Mapping[str, str],
    *args: str,
    as_of: dt.date | str | None = None,
    days: int | None = None,
    cwd: Path = ROOT,
) -> subprocess.CompletedProcess[str]:
    """``make score``: build the input with dbt, then ``python -m scoring`` (checked)."""
    as_of = as_of or env.get("BACKTEST_AS_OF") or None
    days = days or (int(env["BACKTEST_DAYS"]) if env.get("BACKTEST_DAYS") else None)
    build_scoring_inputs(env["BACKTEST_DB"], as_of=as_of, days=days, env=env)
    step = [sys.executable, "-m", "scoring", *args]
    if as_of:
        step += ["--as-of", str(as_of)]
    if days:
        step += ["--days", str(days)]
    done = subprocess.run(step, cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"scoring failed:\n{done.stdout}{done.stderr}")
    return done
