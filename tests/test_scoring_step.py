"""The scoring step end to end over real loopback HTTP: window, domains, table, reruns,
faults (API down, 429, slow API), kill -9 then resume, progress and logs."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import psutil
import pytest

from plumbing import progress as progress_files
from scoring.__main__ import main
from scoring.config import Settings
from scoring.errors import ApiUnavailableError, IncompleteRunError, WarehouseError
from scoring.progress import status_update
from scoring.server import reference_api
from scoring.step import SENT_FIELDS, check_complete, run
from tests.scoring_fixtures import (
    AS_OF,
    FaultyApi,
    account,
    contact,
    make_warehouse,
    qualifications,
    serve,
    simple_org,
    write_inputs,
)

ROOT = Path(__file__).resolve().parent.parent
MODELS = ("business_context", "demographic")


@pytest.fixture(scope="module")
def api_url() -> Iterator[str]:
    with reference_api() as url:
        yield url


def settings(db: Path, url: str | None, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "db": db,
        "as_of": AS_OF,
        "days": 30,
        "api_url": url,
        "progress": False,
        "retries": 1,
        "backoff": 0.01,
        "timeout": 10.0,
    }
    return Settings(**{**base, **overrides})


def count(db: Path, where: str = "true") -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        sql = f"select count(*) from scoring.qualifications where {where}"
        return con.execute(sql).fetchone()[0]


def assert_unique(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        dupes = con.execute(
            "select count(*) from (select contact_id, model, model_version, as_of "
            "from scoring.qualifications group by all having count(*) > 1)"
        ).fetchone()[0]
    assert dupes == 0


# --- the window and the domains ---------------------------------------------------------


def test_window_dedup_deleted_and_missing_accounts(tmp_path: Path, api_url: str) -> None:
    start = dt.datetime(2026, 10, 3)  # as_of - 30 days + 1 day, 00:00 UTC
    end = dt.datetime(2026, 11, 2)  # as_of + 1 day, exclusive
    accounts = [
        account(0),
        account(1, is_deleted=True),
        account(2, website="n/a"),
    ]
    contacts = [
        contact(1, account_id=accounts[0]["id"], created_date=start),  # first instant: in
        contact(2, account_id=accounts[0]["id"], created_date=start - dt.timedelta(seconds=1)),
        contact(3, account_id=accounts[0]["id"], created_date=end - dt.timedelta(seconds=1)),
        contact(4, account_id=accounts[0]["id"], created_date=end),  # after as_of: out
        contact(5, account_id=accounts[0]["id"], is_deleted=True),  # deleted: out
        contact(6, account_id="001XXXXXXXXXXXXXXX", email="jo@gmail.com"),  # no such account
        contact(7, account_id=accounts[1]["id"], email="bad-email"),  # deleted account
        contact(8, account_id=accounts[2]["id"], email="jo@yahoo.com"),  # no domain at all
        contact(9, account_id=None, email="Jo@Mail.Widgets.co.uk"),
    ]
    # Rows duplicated across loads: the newest system_modstamp wins.
    stale = contact(1, account_id=accounts[0]["id"], created_date=start, title="Intern")
    stale["system_modstamp"] = start - dt.timedelta(days=1)
    resurrected = contact(10, account_id=accounts[0]["id"], is_deleted=True)
    revived = {
        **resurrected,
        "is_deleted": False,
        "system_modstamp": resurrected["system_modstamp"] + dt.timedelta(hours=1),
    }
    deleted_later = contact(11, account_id=accounts[0]["id"])
    gone = {
        **deleted_later,
        "is_deleted": True,
        "system_modstamp": deleted_later["system_modstamp"] + dt.timedelta(hours=1),
    }
    db = make_warehouse(
        tmp_path / "w.duckdb",
        accounts=accounts,
        contacts=[*contacts, stale, resurrected, revived, deleted_later, gone],
        dbt=True,  # the window, dedupe and deleted rows are the dbt model's
    )
    summary = run(settings(db, api_url, models=("business_context",)))
    rows = {r["contact_id"]: r for r in qualifications(db)}
    ids = {c["id"][-2:]: c["id"] for c in contacts + [revived]}
    assert set(rows) == {ids[k] for k in ("01", "03", "06", "07", "08", "09", "10")}
    assert summary.contacts == 7
    got = {
        k: (rows[ids[k]]["domain"], rows[ids[k]]["domain_source"])
        for k in ("01", "06", "07", "08", "09")
    }
    assert got == {
        "01": ("acme1.com", "email"),
        "06": (None, "none"),  # free mail, and its account does not exist
        "07": (None, "none"),  # invalid email, and its account was deleted
        "08": (None, "none"),  # free mail, website "n/a"
        "09": ("widgets.co.uk", "email"),
    }
    assert all(r["status"] == "ok" for r in rows.values())
    # The newest version of contact 1 (VP Engineering), not the stale "Intern" one.
    assert "senior leadership" in rows[ids["01"]]["reasoning"]
    assert summary.no_domain == 3


def test_output_table_contract(tmp_path: Path, api_url: str) -> None:
    db = simple_org(tmp_path / "w.duckdb", 12)
    run(settings(db, api_url))
    with duckdb.connect(str(db), read_only=True) as con:
        described = con.execute("describe scoring.qualifications").fetchall()
        pk = con.execute(
            "select constraint_column_names from duckdb_constraints() "
            "where table_name = 'qualifications' and constraint_type = 'PRIMARY KEY'"
        ).fetchone()[0]
    assert [(r[0], r[1]) for r in described] == [
        ("contact_id", "VARCHAR"),
        ("model", "VARCHAR"),
        ("model_version", "VARCHAR"),
        ("as_of", "DATE"),
        ("scored_at", "TIMESTAMP"),
        ("domain", "VARCHAR"),
        ("domain_source", "VARCHAR"),
        ("score", "DOUBLE"),
        ("is_qualified", "BOOLEAN"),
        ("confidence", "VARCHAR"),
        ("industries", "VARCHAR"),
        ("use_cases", "VARCHAR"),
        ("enterprise_indicators", "VARCHAR"),
        ("reasoning", "VARCHAR"),
        ("business_signals", "VARCHAR"),
        ("status", "VARCHAR"),
        ("error", "VARCHAR"),
        ("input_point_in_time", "VARCHAR"),
        ("inputs_edited_after", "VARCHAR"),
        ("point_in_time_mode", "VARCHAR"),
        ("inputs_truncated", "VARCHAR"),
    ]
    assert pk == ["contact_id", "model", "model_version", "as_of"]
    rows = qualifications(db)
    assert len(rows) == 24 and {r["model"] for r in rows} == set(MODELS)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for r in rows:
        assert r["as_of"] == AS_OF and r["model_version"] == "1.0"
        assert abs((now - r["scored_at"]).total_seconds()) < 120  # naive UTC
        assert r["status"] == "ok" and r["error"] is None and 0 <= r["score"] <= 1
        assert r["confidence"] in {"HIGH", "CONFIDENT", "UNCERTAIN", "LOW"}
        json.loads(r["business_signals"])
        for key in ("industries", "use_cases", "enterprise_indicators"):
            assert r[key] is not None and ",," not in r[key]
    bc = next(r for r in rows if r["model"] == "business_context")
    assert bc["industries"] == "Technology"
    assert bc["use_cases"] == "API/Integration, SaaS/Platform"
    demo = next(r for r in rows if r["model"] == "demographic")
    assert demo["industries"] == "" and demo["use_cases"] == ""


def test_sends_only_what_was_knowable(tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 5)
    fake = FaultyApi()
    with serve(fake) as url:
        run(settings(db, url))
    payloads = [p for _, _, p in fake.scoring_requests()]
    items = [item for p in payloads for item in p["items"]]
    assert len(items) == 10
    for item in items:
        assert set(item) <= set(SENT_FIELDS) and "domain" in item
        assert item["employees"] == 2500 and item["industry"] == "Technology"
    assert not any("Prospect" in json.dumps(p) for p in payloads)  # Account.Type never sent


# --- reruns, resume, faults ------------------------------------------------------------


def test_rerun_is_idempotent_and_scores_only_what_is_missing(tmp_path: Path, api_url: str) -> None:
    db = simple_org(tmp_path / "w.duckdb", 20)
    first = run(settings(db, api_url))
    assert first.sent == 40
    before = qualifications(db)
    second = run(settings(db, api_url))
    assert second.sent == 0 and all(m.already_scored == 20 for m in second.models)
    assert qualifications(db) == before
    with duckdb.connect(str(db)) as con:
        from tests.synthetic import insert_rows

        insert_rows(con, "Contact", [contact(100, account_id=None, email="new@newco.io")])
    write_inputs(db)
    third = run(settings(db, api_url, limit=1))
    assert third.sent == 2
    assert run(settings(db, api_url)).sent == 0
    assert count(db) == 42
    assert_unique(db)


def test_a_new_as_of_is_a_separate_backtest(tmp_path: Path, api_url: str) -> None:
    db = simple_org(tmp_path / "w.duckdb", 5)
    run(settings(db, api_url))
    with pytest.raises(WarehouseError, match="was built for AS_OF=2026-11-01 DAYS=30"):
        run(settings(db, api_url, as_of=AS_OF + dt.timedelta(days=1)))
    write_inputs(db, as_of=AS_OF + dt.timedelta(days=1))
    run(settings(db, api_url, as_of=AS_OF + dt.timedelta(days=1)))
    assert count(db, f"as_of = date '{AS_OF}'") == 10
    assert count(db) == 20


def test_api_down_writes_error_rows_then_a_rerun_recovers(tmp_path: Path, api_url: str) -> None:
    db = simple_org(tmp_path / "w.duckdb", 15)
    with serve(FaultyApi(down=True)) as url:
        summary = run(settings(db, url, batch_size=4))
    assert summary.errors == 30
    with pytest.raises(IncompleteRunError, match="30 of 30"):
        check_complete(summary)
    rows = qualifications(db)
    assert len(rows) == 30 and all(r["status"] == "error" for r in rows)
    assert all("503" in r["error"] and r["score"] is None for r in rows)
    assert all(r["is_qualified"] is None and r["domain"] for r in rows)
    again = run(settings(db, api_url))
    assert again.sent == 30 and again.errors == 0
    check_complete(again)
    assert count(db) == 30 and count(db, "status = 'ok'") == 30
    assert_unique(db)


def test_429_with_retry_after_is_honoured(tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 3)
    fake = FaultyApi(throttle=1, retry_after="1")
    with serve(fake) as url:
        summary = run(settings(db, url, models=("business_context",), backoff=0.01))
    assert summary.errors == 0 and count(db, "status = 'ok'") == 3
    (t1, _, _), (t2, _, _) = fake.scoring_requests()[:2]
    assert t2 - t1 >= 0.95  # waited as told, not the 0.01 s backoff


def test_5xx_is_retried_with_backoff(tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 3)
    fake = FaultyApi(throttle=2, retry_after="0")
    with serve(fake) as url:
        summary = run(settings(db, url, models=("business_context",), retries=3))
    assert summary.errors == 0 and len(fake.scoring_requests()) == 3


def test_slow_api_hits_the_timeout(tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 4)
    with serve(FaultyApi(delay=5.0)) as url:
        started = time.monotonic()
        summary = run(settings(db, url, models=("business_context",), timeout=0.3))
        assert time.monotonic() - started < 4.0  # 2 attempts x 0.3 s, not 5 s
    rows = qualifications(db)
    assert summary.errors == 4 and all("timeout" in r["error"].lower() for r in rows)


def test_no_batch_endpoint_falls_back_to_single_requests(tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 6)
    fake = FaultyApi(no_batch=True)
    with serve(fake) as url:
        summary = run(settings(db, url, concurrency=3))
    assert summary.errors == 0 and count(db, "status = 'ok'") == 12
    paths = [p for _, p, _ in fake.scoring_requests()]
    assert 1 <= paths.count("/qualify/batch") <= 2 and paths.count("/qualify") == 12


def test_413_splits_the_batch(tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 10)
    fake = FaultyApi(max_batch=3, advertise_max_batch=100)
    with serve(fake) as url:
        summary = run(settings(db, url, models=("demographic",), concurrency=1))
    assert summary.errors == 0 and count(db, "status = 'ok'") == 10
    sizes = [len(p["items"]) for _, path, p in fake.scoring_requests() if path.endswith("batch")]
    assert sizes[:2] == [10, 5]  # halved until it fits,
    assert max(sizes[2:]) <= 3  # then everything goes in batches that fit


def test_rate_limit_spaces_requests(tmp_path: Path, api_url: str) -> None:
    db = simple_org(tmp_path / "w.duckdb", 8)
    started = time.monotonic()
    run(settings(db, api_url, batch_size=2, rate=20.0))  # 8 requests at 20/s
    assert time.monotonic() - started >= 7 / 20


def test_kill_9_mid_run_then_resume(tmp_path: Path, api_url: str) -> None:
    """The step as a subprocess (starting its own reference API), killed mid-run."""
    n = 400
    db = simple_org(tmp_path / "w.duckdb", n)
    env = {
        **os.environ,
        "BACKTEST_DB": str(db),
        "BACKTEST_AS_OF": AS_OF.isoformat(),
        "BACKTEST_API_URL": "",
        "BACKTEST_MODELS": ",".join(MODELS),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "scoring", "--batch-size", "10", "--rate", "25", "--no-progress"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        state: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            state = progress_files.read(db, "score")
            if state and state["pid"] == proc.pid and state["processed"] >= 100:
                break
            time.sleep(0.05)
        assert state and state["processed"] >= 100, state
        time.sleep(0.4)  # answers are committed within 0.25 s (the writer's group commit)
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert "stopped: process" in status_update(progress_files.read(db, "score") or {})
    _, alive = psutil.wait_procs(children, timeout=5)  # the API it started follows it
    assert not alive
    partial = count(db)
    assert 100 <= partial < 2 * n
    assert_unique(db)
    summary = run(settings(db, api_url))
    assert summary.sent == 2 * n - partial
    assert count(db) == 2 * n and count(db, "status = 'ok'") == 2 * n
    assert_unique(db)


def test_without_api_url_the_reference_api_is_started_and_stopped(tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 3)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    summary = run(settings(db, None))
    assert summary.sent == 6 and summary.errors == 0
    after = {p.pid for p in psutil.Process().children(recursive=True)}
    assert after <= before
    assert (tmp_path / "logs" / "score-api.log").exists()


def test_versions_are_probed_when_health_lists_names_only(tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 2)
    fake = FaultyApi(names_only=True)
    with serve(fake) as url:
        summary = run(settings(db, url))
    assert [(m.model, m.version) for m in summary.models] == [(m, "1.0") for m in MODELS]
    probes = [p for _, path, p in fake.scoring_requests() if path == "/qualify"]
    assert probes == [{"domain": None}, {"domain": None}]


def test_unreachable_api_is_a_clear_error(tmp_path: Path) -> None:
    from plumbing.servers import free_port

    db = simple_org(tmp_path / "w.duckdb", 2)
    with pytest.raises(ApiUnavailableError, match="qualification API"):
        run(settings(db, f"http://127.0.0.1:{free_port()}", retries=0))


# --- output: progress, logs, CLI ---------------------------------------------------------


def test_progress_file_and_log(tmp_path: Path, api_url: str) -> None:
    db = simple_org(tmp_path / "w.duckdb", 7)
    run(settings(db, api_url, batch_size=3))
    state = json.loads((tmp_path / "progress" / "score.json").read_text())
    assert state["stage"] == "score" and state["pid"] == os.getpid()
    assert state["status"] == "done" and state["processed"] == state["total"] == 14
    assert state["qualified"] >= 1 and state["rate"] > 0
    assert state["models"] == list(MODELS)
    assert {m: c["processed"] for m, c in state["by_model"].items()} == dict.fromkeys(MODELS, 7)
    for key in ("started_at", "updated_at"):
        dt.datetime.fromisoformat(state[key])
    log = (tmp_path / "logs" / "score.log").read_text(encoding="utf-8")
    assert "📊 Processing batch 1/3 (3 contacts)" in log
    assert "📊 Batch 3 complete:" in log and "business_context 1.0:" in log


def test_cli_verbose_prints_the_seed_lines(
    tmp_path: Path, api_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    db = simple_org(tmp_path / "w.duckdb", 2)
    monkeypatch.setenv("BACKTEST_DB", str(db))
    monkeypatch.setenv("BACKTEST_AS_OF", AS_OF.isoformat())
    monkeypatch.setenv("BACKTEST_API_URL", api_url)
    monkeypatch.setenv("BACKTEST_MODELS", "business_context")
    assert main(["-v"]) == 0
    out = capsys.readouterr().out
    assert "📊 Processing batch 1/1 (2 contacts)" in out
    assert "🧠 Scoring Jo Smith0 @ acme0.com" in out
    assert "   📊 ✅ QUALIFIED | " in out and "% | HIGH CONFIDENCE" in out
    assert "   🔍 BUSINESS CONTEXT: Technology, API/Integration, SaaS/Platform" in out
    assert "📊 Batch 1 complete: 2/2 qualified (100.0%)" in out
    assert main(["--status"]) == 0
    assert "📈 Job 1 (Scoring): 2 processed, 2 qualified" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "env", "code", "message"),
    [
        (["--db", "/nonexistent/w.duckdb"], {}, 3, "does not exist"),
        (["--as-of", "yesterday"], {}, 2, "AS_OF must be YYYY-MM-DD"),
        ([], {"BACKTEST_DAYS": "0"}, 2, "DAYS must be at least 1"),
        (["--models", " , "], {}, 2, "MODELS is empty"),
        (["--api-url", "localhost:8080"], {}, 2, "must start with http"),
    ],
)
def test_cli_errors_become_messages_and_exit_codes(
    argv: list[str],
    env: dict[str, str],
    code: int,
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: Any,
) -> None:
    for key in ("BACKTEST_DB", "BACKTEST_DAYS", "BACKTEST_AS_OF", "BACKTEST_API_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(argv) == code
    assert message in capsys.readouterr().err


def test_cli_unknown_model_and_error_rows_exit_codes(
    tmp_path: Path, api_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = simple_org(tmp_path / "w.duckdb", 2)
    base = ["--db", str(db), "--as-of", AS_OF.isoformat(), "--no-progress"]
    assert main([*base, "--api-url", api_url, "--models", "gpt"]) == 2
    assert "not served" in capsys.readouterr().err
    with serve(FaultyApi(down=True)) as url:
        assert main([*base, "--api-url", url, "--retries", "0"]) == 5
    assert "rerun to retry them" in capsys.readouterr().err
    assert main([*base, "--api-url", api_url]) == 0


def test_env_and_flags(monkeypatch: Any) -> None:
    from scoring.config import build_parser, settings_from

    env = {
        "BACKTEST_DB": "/x/w.duckdb",
        "BACKTEST_DAYS": "7",
        "BACKTEST_AS_OF": "2026-01-31",
        "BACKTEST_API_URL": "",
        "BACKTEST_MODELS": "demographic",
    }
    s = settings_from(build_parser().parse_args([]), env)
    assert (s.db, s.days, s.as_of, s.api_url, s.models) == (
        Path("/x/w.duckdb"),
        7,
        dt.date(2026, 1, 31),
        None,
        ("demographic",),
    )
    s = settings_from(build_parser().parse_args(["--days", "3", "--models", "a,b,a"]), env)
    assert (s.days, s.models) == (3, ("a", "b"))
    s = settings_from(build_parser().parse_args([]), {})
    assert s.db == Path("data/backtest.duckdb").resolve() and s.days == 30
    assert s.as_of == dt.datetime.now(dt.UTC).date()
