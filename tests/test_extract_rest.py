"""The REST extractor against the local Salesforce-compatible server, over real HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from extract.errors import ApiLimitError, AuthError, QueryError, ResponseError, TransportError
from extract.pipeline import ApiChoice, choose_org, run_extract
from extract.salesforce.objects import OBJECTS
from tests.org_fixtures import inject, serve_org, stamp, tiny_org, write_org

SECRET = "s3cr3t-client-secret-for-tests"
#: The REST API for every object (``SF_API=auto`` would first count each object's records).
FAST = {"backoff_seconds": 0.01, "http_timeout": 2.0, "api": ApiChoice("rest")}


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every raw table's rows (without dlt's bookkeeping columns), sorted."""
    with duckdb.connect(str(db), read_only=True) as con:
        out = {}
        for obj in OBJECTS.values():
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'raw_salesforce' and table_name = ? "
                    "order by ordinal_position",
                    [obj.table],
                ).fetchall()
                if not c.startswith("_dlt")
            ]
            if not columns:  # not created (yet)
                out[obj.table] = []
                continue
            select = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'select {select} from raw_salesforce."{obj.table}"').fetchall()
            out[obj.table] = sorted(rows, key=repr)
        return out


@pytest.fixture
def org(tmp_path: Path) -> Path:
    return tiny_org(tmp_path / "org", contacts=25)


@pytest.fixture
def server(org: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The tiny org served with 7-record pages; live-org credentials pointing at it."""
    with serve_org(org, batch_size=7, secret=SECRET) as url:
        monkeypatch.setenv("SALESFORCE_CLIENT_ID", "demo-client-id")
        monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", SECRET)
        monkeypatch.setenv("SALESFORCE_LOGIN_URL", url)
        yield url


def use_db(monkeypatch: pytest.MonkeyPatch, path: Path) -> Path:
    monkeypatch.setenv("BACKTEST_DB", str(path))
    return path


@pytest.fixture
def clean(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """The tables a clean, fault-free run produces."""
    db = use_db(monkeypatch, tmp_path / "clean.duckdb")
    run_extract(choose_org("live"), **FAST)
    return snapshot(db)


def test_pages_are_followed_and_row_counts_equal_the_org(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = use_db(monkeypatch, tmp_path / "wh.duckdb")
    result = run_extract(choose_org("live"), **FAST)
    assert result.rows["Contact"] == 25  # 4 pages of 7
    assert result.api_usage is not None and result.api_usage[0] >= 8
    with duckdb.connect(str(db), read_only=True) as con:
        total, deleted = con.execute(
            "select count(*), count(*) filter (where is_deleted) from raw_salesforce.contact"
        ).fetchone()
    assert (total, deleted) == (25, 3)  # deleted rows arrive flagged, not dropped


def test_second_run_loads_nothing_and_changes_arrive_exactly(
    org: Path, server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = use_db(monkeypatch, tmp_path / "wh.duckdb")
    run_extract(choose_org("live"), **FAST)
    assert sum(run_extract(choose_org("live"), **FAST).rows.values()) == 0

    # The org changes: one new contact, one updated, one deleted, all at a later stamp.
    import csv

    with open(org / "Contact.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[10].update(Title="VP Engineering", SystemModstamp=stamp(5))
    rows[11].update(IsDeleted="1", SystemModstamp=stamp(5))
    rows.append({**rows[12], "Id": "003NEW000000000000", "SystemModstamp": stamp(5)})
    write_org(org, {"Contact": rows})
    httpx.post(f"{server}/_reload").raise_for_status()

    result = run_extract(choose_org("live"), **FAST)
    assert result.rows["Contact"] == 3
    assert sum(result.rows.values()) == 3
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw_salesforce.contact").fetchone()[0] == 26
        changed = dict(
            con.execute(
                "select id, title || '/' || is_deleted from raw_salesforce.contact "
                "where id in (?, ?)",
                [rows[10]["Id"], rows[11]["Id"]],
            ).fetchall()
        )
    assert changed == {rows[10]["Id"]: "VP Engineering/false", rows[11]["Id"]: "CFO/true"}


def test_limit_mid_tie_group_then_rerun_gives_the_clean_tables(
    server: str, clean: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Contact page 1 ends inside a group of rows sharing one SystemModstamp."""
    db = use_db(monkeypatch, tmp_path / "wh.duckdb")
    # Requests: User, Account, Contact page 1, then Contact page 2 hits the limit.
    inject(server, "limit", after=3, count=50)
    with pytest.raises(ApiLimitError, match="rerun|run the same command"):
        run_extract(choose_org("live"), **FAST)
    partial = snapshot(db)
    assert len(partial["contact"]) == 7  # page 1 was kept, not thrown away
    inject(server, "clear")
    run_extract(choose_org("live"), **FAST)
    assert snapshot(db) == clean


@pytest.mark.parametrize("kind", ["unavailable", "http_500", "truncate", "malformed", "slow"])
def test_transient_faults_are_retried_and_tables_match_a_clean_run(
    kind: str, server: str, clean: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = use_db(monkeypatch, tmp_path / "wh.duckdb")
    inject(server, kind, after=3, count=2, seconds=3.0)  # 3 s > the 2 s client timeout
    run_extract(choose_org("live"), **FAST)
    assert snapshot(db) == clean


def test_persistent_5xx_gives_up_after_bounded_retries(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, tmp_path / "wh.duckdb")
    inject(server, "unavailable", after=2, count=100)
    with pytest.raises(TransportError, match="gave up after 2 retries"):
        run_extract(choose_org("live"), max_retries=2, **FAST)


def test_persistent_malformed_json_is_a_clear_error(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, tmp_path / "wh.duckdb")
    inject(server, "malformed", after=2, count=100)
    with pytest.raises(ResponseError, match="malformed or truncated JSON"):
        run_extract(choose_org("live"), max_retries=1, **FAST)


def test_expired_session_reauthenticates_once(
    server: str, clean: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = use_db(monkeypatch, tmp_path / "wh.duckdb")
    inject(server, "expire_session", after=4)
    run_extract(choose_org("live"), **FAST)
    assert snapshot(db) == clean


def test_expired_bare_access_token_says_how_to_get_a_new_one(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, tmp_path / "wh.duckdb")
    token = httpx.post(
        f"{server}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "demo-client-id",
            "client_secret": SECRET,
        },
    ).json()["access_token"]
    for name in ("SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET", "SALESFORCE_LOGIN_URL"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("SALESFORCE_ACCESS_TOKEN", token)
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", server)
    inject(server, "expire_session", after=1)
    with pytest.raises(AuthError, match="sf org display --json") as caught:
        run_extract(choose_org("live"), **FAST)
    assert token not in str(caught.value)


def test_unknown_field_names_object_and_field(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, tmp_path / "wh.duckdb")
    monkeypatch.setenv("SOURCES__SALESFORCE__EXTRA_FIELDS", '{"Contact": ["Favourite_Color__c"]}')
    with pytest.raises(QueryError) as caught:
        run_extract(choose_org("live"), **FAST)
    message = str(caught.value)
    assert "Contact.Favourite_Color__c" in message and "INVALID_FIELD" in message
    assert "extra fields of Contact" in message


def test_wrong_client_secret_is_a_clear_auth_error(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, tmp_path / "wh.duckdb")
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "not-the-secret")
    with pytest.raises(AuthError, match="refused the client_credentials login") as caught:
        run_extract(choose_org("live"), **FAST)
    assert "not-the-secret" not in str(caught.value)


def test_secrets_never_reach_logs_or_the_warehouse(server: str, tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    env = {
        **os.environ,
        "BACKTEST_DB": str(db),
        "SALESFORCE_CLIENT_ID": "demo-client-id",
        "SALESFORCE_CLIENT_SECRET": SECRET,
        "SALESFORCE_LOGIN_URL": server,
        "RUNTIME__LOG_LEVEL": "DEBUG",
    }
    inject(server, "expire_session", after=2)  # forces a second token exchange
    done = subprocess.run(
        [sys.executable, "-m", "extract", "--org", "live", "-v"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Extracted" in done.stderr
    token = re.compile(r"00D[A-Za-z0-9_-]{32}")
    texts = [done.stdout, done.stderr, (tmp_path / "logs" / "extract.log").read_text()]
    for text in texts:
        assert SECRET not in text
        assert not token.search(text)
    blob = db.read_bytes()
    assert SECRET.encode() not in blob and not re.search(rb"00D[A-Za-z0-9_-]{32}", blob)


def test_jwt_bearer_flow_signs_an_assertion_the_token_endpoint_accepts(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key_file = tmp_path / "salesforce.key"
    key_file.write_text(pem)
    monkeypatch.delenv("SALESFORCE_CLIENT_SECRET")
    monkeypatch.setenv("SALESFORCE_USERNAME", "integration@example.com")
    monkeypatch.setenv("SALESFORCE_PRIVATE_KEY", str(key_file))  # a path works, as does PEM
    db = use_db(monkeypatch, tmp_path / "wh.duckdb")
    choice = choose_org("live")
    assert choice.credentials is not None and choice.credentials.flow == "jwt_bearer"
    result = run_extract(choice, **FAST)
    assert result.rows["Contact"] == 25
    assert db.exists()


@pytest.mark.parametrize("after", [1, 2, 4, 6, 9])
def test_an_expired_query_locator_restarts_the_query_from_its_cursor(
    server: str, clean: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    # Issue 11 #4: a real org can expire a locator (e.g. after a dropped connection on the
    # last page); the object's query restarts from its cursor and the run goes on.
    db = use_db(monkeypatch, tmp_path / "wh.duckdb")
    inject(server, "expire_locator", after=after)
    result = run_extract(choose_org("live"), **FAST)
    assert result.rows["Contact"] == 25
    assert snapshot(db) == clean


def test_a_locator_that_keeps_expiring_stops_with_a_clear_message(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_db(monkeypatch, tmp_path / "wh.duckdb")
    inject(server, "expire_locator", count=1000)
    with pytest.raises(QueryError, match=r"query locator .* times while reading \w+\. Rerun"):
        run_extract(choose_org("live"), **FAST)
