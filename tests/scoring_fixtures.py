"""Helpers for the scoring tests: small warehouses, real servers on loopback.

- ``make_warehouse`` creates ``raw_salesforce.contact`` / ``.account`` with the columns and
  types of ``extract.salesforce.objects`` (via ``tests.synthetic``) and hand-made rows, and
  the scoring step's input ``marts.contacts_to_score`` from them: by the real dbt model
  (``dbt=True``, slow: seconds per build) or, for tests of the step's mechanics, by
  ``write_inputs``, which fills the model's columns from the given rows as they are (every
  contact in the window, inputs exact; the model's rules are tested through dbt).
- ``reference_api`` (from ``scoring.server``) runs the real API as a subprocess.
- ``FaultyApi`` is a tiny misbehaving ASGI server (real uvicorn on a free 127.0.0.1 port, in
  a thread) that answers like the reference API but can be down, slow, throttling, or
  without a batch endpoint, and records every request it saw.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import uvicorn

from plumbing.servers import free_port
from scoring.jsonfast import dumps, loads
from scoring.models import DEFAULT_MODEL, MODELS
from tests.stages import build_scoring_inputs
from tests.synthetic import create_raw_tables, insert_rows

AS_OF = dt.date(2026, 11, 1)
NOW = dt.datetime(2026, 11, 1, 12, 0, 0)


def account(i: int, **fields: Any) -> dict[str, Any]:
    """An account row (raw column names); ``fields`` override the defaults."""
    row = {
        "id": f"001A{i:014d}",
        "name": f"Acme {i} Inc",
        "website": f"https://www.acme{i}.com",
        "industry": "Technology",
        "type": "Prospect",
        "number_of_employees": 2500,
        "annual_revenue": 4.0e8,
        "description": "API platform for integrations",
        "is_deleted": False,
        "created_date": NOW - dt.timedelta(days=300),
        "last_modified_date": NOW - dt.timedelta(days=3),
        "system_modstamp": NOW - dt.timedelta(days=3),
    }
    row.update(fields)
    return row


def contact(i: int, *, account_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """A contact row created inside the default window; ``fields`` override the defaults."""
    created = fields.pop("created_date", NOW - dt.timedelta(days=2, minutes=i))
    row = {
        "id": f"003C{i:014d}",
        "account_id": account_id,
        "first_name": "Jo",
        "last_name": f"Smith{i}",
        "name": f"Jo Smith{i}",
        "email": f"jo{i}@acme{i}.com",
        "title": "VP Engineering",
        "lead_source": "Web",
        "is_deleted": False,
        "created_date": created,
        "last_modified_date": created,
        "system_modstamp": created + dt.timedelta(minutes=1),
    }
    row.update(fields)
    return row


def make_warehouse(
    path: Path,
    *,
    accounts: list[dict[str, Any]],
    contacts: list[dict[str, Any]],
    as_of: dt.date = AS_OF,
    dbt: bool = False,
) -> Path:
    """A DuckDB file with raw_salesforce.account and .contact holding exactly these rows,
    and marts.contacts_to_score built from them for ``as_of`` (30-day window)."""
    with duckdb.connect(str(path)) as con:
        create_raw_tables(con)
        insert_rows(con, "Account", accounts)
        insert_rows(con, "Contact", contacts)
    if dbt:
        build_scoring_inputs(path, as_of=as_of, days=30)
    else:
        write_inputs(path, as_of=as_of)
    return path


def write_inputs(path: Path, *, as_of: dt.date = AS_OF, days: int = 30) -> None:
    """(Re)write marts.contacts_to_score from every raw contact, joined to its account by
    id, in the model's columns: the interface the scoring step reads, not the model."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            """
            create or replace table marts.contacts_to_score as
            select
                contact.id as contact_id,
                contact.name as contact_name,
                contact.created_date::timestamp as created_at,
                account.id as account_id,
                account.name as company_name,
                account.website,
                account.industry,
                account.number_of_employees as employees,
                account.annual_revenue,
                account.description,
                contact.title,
                contact.email,
                contact.lead_source,
                'exact' as input_point_in_time,
                null::varchar as inputs_edited_after,
                null::varchar as inputs_rebuilt,
                'flag' as point_in_time_mode,
                $as_of::date as as_of,
                $days::bigint as window_days
            from raw_salesforce.contact as contact
            left join raw_salesforce.account as account on contact.account_id = account.id
            """,
            {"as_of": as_of, "days": days},
        )


def simple_org(path: Path, n: int) -> Path:
    """``n`` contacts in the window, one account per contact."""
    accounts = [account(i) for i in range(n)]
    contacts = [contact(i, account_id=accounts[i]["id"]) for i in range(n)]
    return make_warehouse(path, accounts=accounts, contacts=contacts)


def qualifications(path: Path) -> list[dict[str, Any]]:
    """Every row of scoring.qualifications as dicts."""
    with duckdb.connect(str(path), read_only=True) as con:
        cur = con.execute("select * from scoring.qualifications order by contact_id, model")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# --- a misbehaving API ------------------------------------------------------------------


@dataclass
class FaultyApi:
    """An ASGI app speaking the contract, with configurable faults.

    - ``down``: every /qualify* answers 503.
    - ``throttle``: the first ``throttle`` scoring requests get 429 + ``Retry-After``.
    - ``delay``: seconds to sleep before answering a scoring request.
    - ``no_batch``: /qualify/batch is 404 (the client must fall back to /qualify).
    - ``answer_version``: batch results claim another model_version than /health says.
    - ``max_batch``: 413 above this many items (``/health`` says ``advertise_max_batch``
      if set, to make the client meet the 413).
    """

    down: bool = False
    throttle: int = 0
    retry_after: str = "1"
    delay: float = 0.0
    no_batch: bool = False
    max_batch: int = 2000
    advertise_max_batch: int | None = None
    names_only: bool = False  # /health lists model names without versions
    answer_version: str | None = None  # results claim this model_version (drift)
    seen: list[tuple[float, str, Any]] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        payload = loads(body) if body else None
        self.seen.append((time.monotonic(), path, payload))
        status, headers, answer = await self._answer(path, scope=scope, payload=payload)
        raw = dumps(answer)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), *headers],
            }
        )
        await send({"type": "http.response.body", "body": raw})

    async def _answer(
        self, path: str, *, scope: dict[str, Any], payload: Any
    ) -> tuple[int, list[tuple[bytes, bytes]], Any]:
        if path == "/health":
            models: list[Any] = [{"name": m.name, "version": m.version} for m in MODELS.values()]
            if self.names_only:
                models = [m["name"] for m in models]
            advertised = self.advertise_max_batch or self.max_batch
            return 200, [], {"status": "ok", "models": models, "max_batch": advertised}
        if self.down:
            return 503, [], {"detail": "model backend unavailable"}
        if self.throttle > 0:
            self.throttle -= 1
            return 429, [(b"retry-after", self.retry_after.encode())], {"detail": "slow down"}
        if self.delay:
            await asyncio.sleep(self.delay)
        query = dict(
            part.split("=", 1) for part in scope["query_string"].decode().split("&") if part
        )
        model = MODELS[query.get("model", DEFAULT_MODEL)]
        if path == "/qualify/batch":
            if self.no_batch:
                return 404, [], {"detail": "Not Found"}
            if len(payload["items"]) > self.max_batch:
                return 413, [], {"detail": "batch too large"}
            results = [model.qualify(item) for item in payload["items"]]
            if self.answer_version:
                results = [{**r, "model_version": self.answer_version} for r in results]
            return 200, [], {"results": results}
        if path == "/qualify":
            return 200, [], model.qualify(payload)
        return 404, [], {"detail": "Not Found"}

    def scoring_requests(self) -> list[tuple[float, str, Any]]:
        """The requests that asked for scores (not /health)."""
        return [s for s in self.seen if s[1].startswith("/qualify")]


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free 127.0.0.1 port (in a thread); yield its URL."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=1,  # do not wait out a deliberately slow answer
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
