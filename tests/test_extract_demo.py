"""The built-in demo org end to end: generated, served over HTTP, extracted, changed."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import httpx
import pytest

from extract.demo.generate import generate_org, mutate_org
from extract.pipeline import choose_org, run_extract
from extract.salesforce.objects import OBJECTS
from tests.org_fixtures import serve_org
from tests.test_extract_export import without
from tests.test_extract_rest import FAST, snapshot

ANCHOR = date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("demo") / "org"
    folder.mkdir()
    return folder, generate_org(folder, contacts=1500, seed=7, anchor=ANCHOR)


def test_make_extract_without_credentials_uses_the_demo_org(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    env["BACKTEST_DB"] = str(tmp_path / "wh.duckdb")
    done = subprocess.run(
        [sys.executable, "-m", "extract", "--demo-contacts", "600"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "demo org" in line]
    assert lines and lines[0].startswith("No Salesforce credentials found")
    folder = next((tmp_path / "orgs").glob("demo-600-42-*"))
    expected = generate_org(
        tmp_path / "again",
        contacts=600,
        seed=42,
        anchor=date.fromisoformat(folder.name.split("-", 3)[3]),
    )
    with duckdb.connect(env["BACKTEST_DB"], read_only=True) as con:
        tables = {r[0] for r in con.execute("show tables from raw_salesforce").fetchall()}
        for name, obj in OBJECTS.items():
            if name not in expected:  # currencies: a single-currency org has none
                assert obj.multi_currency_only and obj.table not in tables, name
                continue
            count = con.execute(f'select count(*) from raw_salesforce."{obj.table}"').fetchone()
            assert count[0] == expected.get(name, 0), name  # deleted rows are kept, flagged


def test_export_and_rest_give_the_same_tables_for_the_demo_org(
    demo: tuple[Path, dict[str, int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, counts = demo
    monkeypatch.setenv("SOURCES__SALESFORCE__EXTRA_FIELDS", '{"Opportunity": ["Loss_Reason__c"]}')
    monkeypatch.setenv("BACKTEST_DB", str(tmp_path / "export.duckdb"))
    run_extract(choose_org(str(folder)), **FAST)
    exported = snapshot(tmp_path / "export.duckdb")
    with serve_org(folder, batch_size=500) as url:
        monkeypatch.setenv("SALESFORCE_CLIENT_ID", "demo-client-id")
        monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "demo-client-secret")
        monkeypatch.setenv("SALESFORCE_LOGIN_URL", url)
        monkeypatch.setenv("BACKTEST_DB", str(tmp_path / "rest.duckdb"))
        run_extract(choose_org("live"), **FAST)
    served = snapshot(tmp_path / "rest.duckdb")
    # Objects without a file (no history, single currency) load empty tables.
    assert {t: len(rows) for t, rows in exported.items()} == {
        obj.table: counts.get(name, 0) for name, obj in OBJECTS.items()
    }
    stage_sort_order = 4  # exports only
    assert without(exported, "opportunity", stage_sort_order) == without(
        served, "opportunity", stage_sort_order
    )


def test_org_changes_arrive_exactly_on_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "org"
    folder.mkdir()
    generate_org(folder, contacts=800, seed=3, anchor=ANCHOR)
    monkeypatch.setenv("BACKTEST_DB", str(tmp_path / "wh.duckdb"))
    with serve_org(folder, batch_size=300) as url:
        monkeypatch.setenv("SALESFORCE_CLIENT_ID", "demo-client-id")
        monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "demo-client-secret")
        monkeypatch.setenv("SALESFORCE_LOGIN_URL", url)
        run_extract(choose_org("live"), **FAST)
        before = snapshot(tmp_path / "wh.duckdb")
        assert sum(run_extract(choose_org("live"), **FAST).rows.values()) == 0

        changed = mutate_org(
            folder, seed=5, at=datetime(2026, 11, 21, 9, tzinfo=UTC), new=12, updated=7, deleted=4
        )
        httpx.post(f"{url}/_reload").raise_for_status()
        result = run_extract(choose_org("live"), **FAST)
    after = snapshot(tmp_path / "wh.duckdb")
    new_accounts = len(after["account"]) - len(before["account"])
    assert result.rows["Contact"] == 12 + 7 + 4
    assert result.rows["Account"] == new_accounts
    # Each title change appends a ContactHistory row, each new account a "created" row.
    assert result.rows["ContactHistory"] == 7
    assert result.rows["AccountHistory"] == new_accounts
    assert sum(result.rows.values()) == 23 + 7 + 2 * new_accounts
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:

        def ids(where: str) -> set[str]:
            sql = f"select id from raw_salesforce.contact where {where}"
            return {i for (i,) in con.execute(sql).fetchall()}

        since = "system_modstamp >= timestamptz '2026-11-21 09:00:00+00'"
        recent, deleted = ids(since), ids(f"is_deleted and {since}")
    assert recent == changed["new"] | changed["updated"] | changed["deleted"]
    assert deleted == changed["deleted"]
    assert len(after["contact"]) == len(before["contact"]) + 12


def test_the_demo_server_keeps_parsed_objects_and_reparses_a_changed_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A generated org's objects are parsed once into Arrow IPC files (``--cache``); a rerun
    serves them without parsing, and a CSV that changed is parsed again."""
    from extract.demo import server

    org = tmp_path / "org"
    generate_org(org, contacts=300, seed=4, anchor=date(2026, 11, 20))
    cache = org / ".parsed"
    contact = server.find_export_files(org)["Contact"]
    parsed = server.load_object("Contact", contact)
    first = server.cached_object("Contact", contact, cache)
    assert first.equals(parsed.replace_schema_metadata(first.schema.metadata))
    assert (cache / "Contact.arrow").exists()

    def no_parsing(*_: object) -> None:
        raise AssertionError("parsed the CSV again")

    with monkeypatch.context() as patch:
        patch.setattr(server, "load_object", no_parsing)
        again = server.cached_object("Contact", contact, cache)
    assert again.equals(first)

    mutate_org(org, seed=5, at=datetime(2026, 11, 20, 9, 0), new=7, updated=0, deleted=0)
    changed = server.cached_object("Contact", server.find_export_files(org)["Contact"], cache)
    assert changed.num_rows == parsed.num_rows + 7
