"""Long text and refused items in the scoring step, over real loopback HTTP (issue #10).

A 25,000-character ``Account.Description`` used to fail scoring for good (the reference API
capped it at 20,000 and every rerun failed the same way). Now the contract's limits are
Salesforce's own (32,000 for a description), the step cuts longer text to the limit before
sending and records which fields it cut on the row (``inputs_truncated``), and an item a
service refuses inside a batch fails alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from plumbing import progress as progress_files
from scoring.config import Settings
from scoring.contract import MAX_LENGTHS
from scoring.server import reference_api
from scoring.step import run
from scoring.warehouse import ensure_table
from tests.scoring_fixtures import (
    AS_OF,
    FaultyApi,
    account,
    contact,
    make_warehouse,
    qualifications,
    serve,
)

LONG = "API integration platform for enterprise data. " * 900  # 41,400 characters
SALESFORCE_MAX = "Platform. " * 3_200  # 32,000 characters: Account.Description's maximum


def settings(db: Path, url: str | None) -> Settings:
    return Settings(db=db, as_of=AS_OF, api_url=url, progress=False, retries=1, backoff=0.01)


def long_text_org(path: Path) -> Path:
    """Contact 0 with a 41,400-character description and a 1,500-character title, contact 1
    with a description of exactly 32,000 characters, contact 2 with short text."""
    accounts = [
        account(0, description=LONG),
        account(1, description=SALESFORCE_MAX),
        account(2),
    ]
    contacts = [
        contact(0, account_id=accounts[0]["id"], title="VP " * 500),
        contact(1, account_id=accounts[1]["id"]),
        contact(2, account_id=accounts[2]["id"]),
    ]
    return make_warehouse(path, accounts=accounts, contacts=contacts)


def test_long_text_is_cut_to_the_contract_and_recorded(tmp_path: Path) -> None:
    assert len(LONG) > 40_000 and len(SALESFORCE_MAX) == 32_000
    db = long_text_org(tmp_path / "w.duckdb")
    with reference_api() as url:
        summary = run(settings(db, url))
        rows = qualifications(db)
        assert {(r["contact_id"][-1], r["model"]): r["status"] for r in rows} == {
            (c, m): "ok" for c in "012" for m in ("business_context", "demographic")
        }
        cut = {r["contact_id"][-1]: r["inputs_truncated"] for r in rows}
        assert cut == {"0": "description,title", "1": None, "2": None}
        assert [m.truncated for m in summary.models] == [1, 1]
        assert "1 with inputs truncated" in summary.models[0].line()
        progress = progress_files.read(db, "score")
        assert progress is not None and progress["by_model"]["business_context"]["truncated"] == 1
        again = run(settings(db, url))  # a rerun has nothing left to send
        assert again.sent == 0 and len(qualifications(db)) == 6


def test_what_is_sent_stays_within_the_limits(tmp_path: Path) -> None:
    db = long_text_org(tmp_path / "w.duckdb")
    fake = FaultyApi()
    with serve(fake) as url:
        run(settings(db, url))
    items = [i for _, _, p in fake.scoring_requests() for i in p["items"]]
    by_title = {len(i["description"]): i for i in items}
    assert set(by_title) == {MAX_LENGTHS["description"], 32_000, len(account(2)["description"])}
    cut = next(i for i in items if len(i["title"]) > 100)
    assert cut["description"] == LONG[: MAX_LENGTHS["description"]]
    assert cut["title"] == ("VP " * 500)[: MAX_LENGTHS["title"]]


class RefusingApi(FaultyApi):
    """Refuses, inside a batch, every item whose title is "Refuse me" (as the reference API
    refuses a bad item alone), and scores the others."""

    async def _answer(
        self, path: str, *, scope: dict[str, Any], payload: Any
    ) -> tuple[int, list[tuple[bytes, bytes]], Any]:
        status, headers, answer = await super()._answer(path, scope=scope, payload=payload)
        if path == "/qualify/batch" and status == 200:
            refusal = {
                "error": {
                    "status": 422,
                    "detail": [{"loc": ["body", "items", 0, "title"], "msg": "no", "type": "x"}],
                }
            }
            answer["results"] = [
                refusal if item.get("title") == "Refuse me" else result
                for item, result in zip(payload["items"], answer["results"], strict=True)
            ]
        return status, headers, answer


def test_an_item_refused_in_a_batch_fails_alone(tmp_path: Path) -> None:
    accounts = [account(i) for i in range(4)]
    contacts = [
        contact(i, account_id=accounts[i]["id"], title="Refuse me" if i == 2 else "CTO")
        for i in range(4)
    ]
    db = make_warehouse(tmp_path / "w.duckdb", accounts=accounts, contacts=contacts)
    with serve(RefusingApi()) as url:
        summary = run(settings(db, url))
    rows = qualifications(db)
    errors = {r["contact_id"][-1] for r in rows if r["status"] == "error"}
    assert errors == {"2"} and summary.errors == 2  # one per model
    message = next(r["error"] for r in rows if r["status"] == "error")
    assert message == "HTTP 422 for this item: body.items.0.title: no"
    assert sum(r["status"] == "ok" for r in rows) == 6


def test_an_older_warehouse_gets_the_new_column(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema scoring")
        con.execute(
            "create table scoring.qualifications (contact_id varchar, model varchar, "
            "model_version varchar, as_of date, scored_at timestamp, domain varchar, "
            "domain_source varchar, score double, is_qualified boolean, confidence varchar, "
            "industries varchar, use_cases varchar, enterprise_indicators varchar, "
            "reasoning varchar, business_signals varchar, status varchar, error varchar, "
            "primary key (contact_id, model, model_version, as_of))"
        )
        con.execute(
            "insert into scoring.qualifications (contact_id, model, model_version, as_of, "
            "status) values ('003C1', 'm', '1', ?, 'ok')",
            [dt.date(2026, 1, 1)],
        )
        ensure_table(con)
        assert con.execute(
            "select contact_id, inputs_truncated from scoring.qualifications"
        ).fetchall() == [("003C1", None)]
