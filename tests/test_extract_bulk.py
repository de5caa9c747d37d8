"""The Bulk API 2.0 extractor against the local server, over real HTTP: same raw tables as
REST (first load, incremental load with changes and deletes), faults, the latency model."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from extract.demo.generate import generate_org, mutate_org
from extract.errors import BulkJobError
from extract.pipeline import ApiChoice, choose_org, demo_server, run_extract
from extract.salesforce.bulk import BulkSettings
from tests.org_fixtures import inject, serve_org, tiny_org, write_org
from tests.test_extract_rest import FAST as REST_FAST
from tests.test_extract_rest import snapshot

FAST = {name: value for name, value in REST_FAST.items() if name != "api"}

REST = ApiChoice("rest")
BULK = ApiChoice("bulk")
QUICK = BulkSettings(poll_first=0.02, poll_max=0.1)
#: One result page after another (Sforce-Locator), not resultPages in parallel.
ONE_BY_ONE = BulkSettings(poll_first=0.02, poll_max=0.1, in_flight=1, max_records=4)


def live(monkeypatch: pytest.MonkeyPatch, url: str, db: Path) -> None:
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", "demo-client-id")
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "demo-client-secret")
    monkeypatch.setenv("SALESFORCE_LOGIN_URL", url)
    monkeypatch.setenv("BACKTEST_DB", str(db))


def test_bulk_and_rest_give_equal_raw_tables_first_and_incremental_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "org"
    folder.mkdir()
    generate_org(folder, contacts=400, seed=11, anchor=date(2026, 11, 20))
    monkeypatch.setenv("SOURCES__SALESFORCE__EXTRA_FIELDS", '{"Opportunity": ["Loss_Reason__c"]}')
    # Small result pages: several pages per object, five listed per resultPages call.
    options = ["--bulk-page-records", "97", "--bulk-job-seconds", "0.1"]
    with serve_org(folder, batch_size=300, options=options) as url:
        live(monkeypatch, url, tmp_path / "rest.duckdb")
        rest = run_extract(choose_org("live"), api=REST, **FAST)
        live(monkeypatch, url, tmp_path / "bulk.duckdb")
        bulk = run_extract(choose_org("live"), api=BULK, bulk=QUICK, **FAST)
        assert rest.bulk_jobs == 0 and bulk.bulk_jobs >= 10
        assert bulk.rows == rest.rows
        assert snapshot(tmp_path / "bulk.duckdb") == snapshot(tmp_path / "rest.duckdb")

        changed = mutate_org(
            folder, seed=5, at=datetime(2026, 11, 21, 9, tzinfo=UTC), new=9, updated=5, deleted=3
        )
        httpx.post(f"{url}/_reload").raise_for_status()
        live(monkeypatch, url, tmp_path / "rest.duckdb")
        rest = run_extract(choose_org("live"), api=REST, **FAST)
        live(monkeypatch, url, tmp_path / "bulk.duckdb")
        bulk = run_extract(choose_org("live"), api=BULK, bulk=QUICK, **FAST)
    assert bulk.rows["Contact"] == rest.rows["Contact"] == 9 + 5 + 3
    assert snapshot(tmp_path / "bulk.duckdb") == snapshot(tmp_path / "rest.duckdb")
    deleted = {
        row[0]
        for row in snapshot(tmp_path / "bulk.duckdb")["contact"]
        if row[0] in changed["deleted"]
    }
    assert deleted == changed["deleted"]  # deletes arrive through queryAll, flagged


@pytest.fixture
def odd_org(tmp_path: Path) -> Path:
    """The tiny org with a title holding a comma, quotes and a line break, and one empty."""
    folder = tiny_org(tmp_path / "org", contacts=25)
    with open(folder / "Contact.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[5]["Title"] = 'VP, "Sales"\nEMEA & APAC'
    rows[6]["Title"] = ""
    write_org(folder, {"Contact": rows})
    return folder


@pytest.fixture
def server(odd_org: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with serve_org(odd_org, batch_size=7, options=["--bulk-page-records", "6"]) as url:
        live(monkeypatch, url, tmp_path / "wh.duckdb")
        yield url


@pytest.fixture
def clean(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """The tables a fault-free REST run produces."""
    monkeypatch.setenv("BACKTEST_DB", str(tmp_path / "clean.duckdb"))
    run_extract(choose_org("live"), api=REST, **FAST)
    monkeypatch.setenv("BACKTEST_DB", str(tmp_path / "wh.duckdb"))
    return snapshot(tmp_path / "clean.duckdb")


@pytest.mark.parametrize("settings", [QUICK, ONE_BY_ONE], ids=["resultPages", "locators"])
def test_csv_quoting_line_breaks_and_nulls_read_as_rest_reads_them(
    settings: BulkSettings, server: str, clean: dict, tmp_path: Path
) -> None:
    result = run_extract(choose_org("live"), api=BULK, bulk=settings, **FAST)
    tables = snapshot(tmp_path / "wh.duckdb")
    assert tables == clean
    titles = {row[0]: row for row in tables["contact"]}
    assert any('VP, "Sales"\nEMEA & APAC' in row for row in titles.values())
    assert result.rows["Contact"] == 25


@pytest.mark.parametrize("kind", ["truncate", "malformed", "unavailable"])
def test_a_result_download_cut_mid_file_is_fetched_again(
    kind: str, server: str, clean: dict, tmp_path: Path
) -> None:
    inject(server, kind, after=2, count=2, path="/results")  # a page of Contact
    run_extract(choose_org("live"), api=BULK, bulk=QUICK, **FAST)
    assert snapshot(tmp_path / "wh.duckdb") == clean


def test_a_failed_job_names_its_id_and_a_rerun_gives_the_clean_tables(
    server: str, clean: dict, tmp_path: Path
) -> None:
    # Jobs are created up front; the third object's (Contact's) first poll fails it.
    inject(server, "job_failed", after=2, path=r"/jobs/query/\w+$")
    with pytest.raises(BulkJobError, match=r"query job 750\w+ reading Contact ended Failed") as err:
        run_extract(choose_org("live"), api=BULK, bulk=QUICK, **FAST)
    assert err.value.job_id.startswith("750")
    run_extract(choose_org("live"), api=BULK, bulk=QUICK, **FAST)
    assert snapshot(tmp_path / "wh.duckdb") == clean


def test_a_job_that_never_finishes_is_aborted_and_reported(
    odd_org: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve_org(odd_org, options=["--bulk-job-seconds", "30"]) as url:
        live(monkeypatch, url, tmp_path / "wh.duckdb")
        patience = BulkSettings(poll_first=0.05, poll_max=0.1, timeout_seconds=0.3)
        with pytest.raises(BulkJobError, match=r"still (UploadComplete|InProgress).*aborted"):
            run_extract(choose_org("live"), api=BULK, bulk=patience, **FAST)


def test_a_stop_midway_through_bulk_results_rewinds_the_cursor(
    server: str, clean: dict, tmp_path: Path
) -> None:
    """Bulk results come in no order: a stop must not move the cursor past unread rows."""
    from extract.errors import ApiLimitError

    # Result pages of 4 records: User's one (empty), Account's two, Contact's first; then
    # Contact's second hits the daily limit.
    inject(server, "limit", after=4, count=100, path="/results")
    with pytest.raises(ApiLimitError):
        run_extract(choose_org("live"), api=BULK, bulk=ONE_BY_ONE, **FAST)
    assert 0 < len(snapshot(tmp_path / "wh.duckdb")["contact"]) < 25  # what was read is kept
    inject(server, "clear")
    run_extract(choose_org("live"), api=BULK, bulk=ONE_BY_ONE, **FAST)
    assert snapshot(tmp_path / "wh.duckdb") == clean


def test_auto_reads_objects_above_the_threshold_with_bulk(
    server: str, clean: dict, tmp_path: Path
) -> None:
    result = run_extract(choose_org("live"), api=ApiChoice("auto", 10), bulk=QUICK, **FAST)
    assert result.bulk_jobs == 1  # only Contact (25 records) is above 10
    assert snapshot(tmp_path / "wh.duckdb") == clean
    # Nothing changed: the incremental read of Contact is small again, so REST reads it.
    again = run_extract(choose_org("live"), api=ApiChoice("auto", 10), bulk=QUICK, **FAST)
    assert again.bulk_jobs == 0


def test_the_latency_model_slows_each_request(odd_org: Path) -> None:
    with serve_org(odd_org, options=["--latency-ms", "250"]) as url:
        started = time.monotonic()
        httpx.get(f"{url}/services/data/v62.0/query", params={"q": "SELECT Id FROM Contact"})
        assert time.monotonic() - started >= 0.25


def test_test_hooks_are_off_unless_asked_for(odd_org: Path) -> None:
    with demo_server(odd_org) as url:
        answer = httpx.post(f"{url}/_faults", json={"kind": "limit"})
        assert answer.status_code in (401, 404)
        assert httpx.post(f"{url}/_reload").status_code in (401, 404)
