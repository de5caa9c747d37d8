"""The README stays true: its SQL examples run on a real warehouse, its commands exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.stages import score

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def sql_examples() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", README, flags=re.DOTALL)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("readme") / "wh.duckdb"
    env = {**os.environ, "BACKTEST_DB": str(db), "DBT_PROFILES_DIR": str(ROOT / "dbt_project")}
    env = {k: v for k, v in env.items() if not k.startswith("SALESFORCE_")}
    dbt = str(Path(sys.executable).parent / "dbt")
    for cmd, cwd in [
        ([sys.executable, "-m", "extract", "--demo-contacts", "700"], ROOT),
        (None, ROOT),  # make score
        ([dbt, "build", "--quiet", "--exclude", "resource_type:unit_test"], ROOT / "dbt_project"),
    ]:
        if cmd is None:
            score(env)
            continue
        done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return db


def test_the_readme_has_the_seeds_three_queries() -> None:
    examples = sql_examples()
    assert len(examples) >= 3
    joined = "\n".join(examples)
    for words in ("Top qualified prospects", "alignment", "Confusion matrix"):
        assert words in joined


@pytest.mark.parametrize("index", range(3))
def test_each_sql_example_runs_and_returns_rows(warehouse: Path, index: int) -> None:
    sql = sql_examples()[index]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(sql).fetchall()
    assert rows, sql
    if "Confusion matrix" in sql:
        outcomes = {outcome for _, outcome, _ in rows}
        assert outcomes <= {"TP", "FP", "TN", "FN", "pending"} and {"TP", "FN"} <= outcomes


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", README))
    assert {"backtest", "test", "extract", "score", "transform", "report", "status"} <= named
    assert named <= targets, named - targets


def test_every_configuration_setting_is_read_somewhere() -> None:
    table = README.split("## Configuration", 1)[1].split("##", 1)[0]
    settings = re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.MULTILINE)
    assert {"DAYS", "AS_OF", "ORG", "API_URL", "MODELS", "DB", "CONTACTS", "INTERVAL"} <= set(
        settings
    )
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for setting in settings:
        assert re.search(rf"^{setting} \?=", makefile, flags=re.MULTILINE), setting
