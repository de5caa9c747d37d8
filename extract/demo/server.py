"""A local Salesforce-compatible REST server for an org folder (Data Export layout).

It serves the demo org (or any export folder) through the endpoints the extractor uses, so
the demo org is extracted over real HTTP by the same code as a live org:

- ``POST /services/oauth2/token``: client credentials, username-password and JWT bearer
  grants against the configured client id/secret;
- ``GET /services/data/vNN.N/query`` and ``queryAll`` with ``?q=SOQL`` (``SELECT fields FROM
  Object [WHERE SystemModstamp >= literal] [ORDER BY SystemModstamp[, Id]] [LIMIT n]``, or
  ``SELECT COUNT() FROM ...``, answered with ``totalSize`` and no records),
  pages of ``batch_size`` records with ``nextRecordsUrl``; ``queryAll`` includes deleted
  rows; each record has ``attributes``; datetimes as ``2026-11-01T10:00:00.000+0000``;
- Salesforce's error shapes (``INVALID_FIELD``, ``MALFORMED_QUERY``, ``INVALID_SESSION_ID``,
  ``REQUEST_LIMIT_EXCEEDED``, ``SERVER_UNAVAILABLE``) and the ``Sforce-Limit-Info`` header;
- Bulk API 2.0 queries: ``POST /services/data/vNN.N/jobs/query`` (``query``/``queryAll``)
  creates a job that goes ``UploadComplete`` -> ``InProgress`` -> ``JobComplete`` over
  ``--bulk-job-seconds``; ``GET .../jobs/query/<id>`` tells its state (``PATCH`` aborts it);
  ``GET .../jobs/query/<id>/results?locator=&maxRecords=`` serves CSV (strings quoted,
  embedded newlines kept, null as an empty unquoted value, booleans ``true``/``false``,
  datetimes ``2026-11-01T10:00:00.000Z``) with ``Sforce-Locator`` (``null`` after the last
  page) and ``Sforce-NumberOfRecords``; ``GET .../jobs/query/<id>/resultPages`` lists up to
  five result URLs at a time for parallel downloads;
- a latency model (``--latency-ms`` per API request, ``--ms-per-1000-records`` per record
  served, ``--bulk-job-seconds`` per Bulk job), so that a run can look like a real org;
- with ``--test-hooks`` only (the tests' launcher): ``POST /_faults`` injects a fault:
  ``{"kind": ..., "after": n, "count": k, "seconds": s, "path": regex}`` (only requests
  whose path matches ``path`` count) with kinds ``expire_session``,
  ``limit``, ``unavailable``, ``http_500``, ``slow``, ``truncate`` (connection dropped
  mid-body, also mid-CSV), ``malformed`` (200 with the body cut: JSON or CSV),
  ``expire_locator`` (every open query locator is forgotten: INVALID_QUERY_LOCATOR),
  ``job_failed`` / ``job_aborted`` (the Bulk job created or polled by that request fails);
  ``{"kind": "clear"}`` removes pending faults; ``POST /_reload`` rereads the org folder;
  ``GET /_stats`` counts API requests.

Run: ``python -m extract.demo.server --org DIR [--port 0] [--parent-pid PID]``; it prints
``PORT=<n>`` once listening, and with ``--parent-pid`` exits when that process dies (even
by ``kill -9``), so no server outlives the extraction that started it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import io
import os
import re
import secrets
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from extract.salesforce.arrow import TIMESTAMP, arrow_schema
from extract.salesforce.export import (
    ExportFile,
    find_export_files,
    read_export_tables,
    read_header,
    sniff_encoding,
)
from extract.salesforce.objects import OBJECTS

DEMO_CLIENT_ID = "demo-client-id"
DEMO_CLIENT_SECRET = "demo-client-secret"  # noqa: S105 - the local demo org's public secret
API_VERSION = "62.0"

_SOQL = re.compile(
    r"^\s*select\s+(?P<fields>.+?)\s+from\s+(?P<object>\w+)"
    r"(?:\s+where\s+(?P<field>\w+)\s*(?P<op>>=|>)\s*(?P<literal>\S+))?"
    r"(?:\s+order\s+by\s+(?P<order>[\w\s,]+?))?"
    r"(?:\s+limit\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass
class Fault:
    kind: str
    after: int = 0
    count: int = 1
    seconds: float = 0.0
    #: Only requests whose path matches this regular expression count (all when empty).
    path: str = ""


@dataclass
class OrgState:
    """The org's tables (values pre-rendered for JSON) and the server's bookkeeping."""

    tables: OrgTables
    folder: Path | None = None
    client_id: str = DEMO_CLIENT_ID
    client_secret: str = DEMO_CLIENT_SECRET
    batch_size: int = 2000
    daily_limit: int = 1_000_000
    requests: int = 0
    tokens: set[str] = field(default_factory=set)
    cursors: dict[str, tuple[str, list[str], Selection]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: The latency model (all zero: loopback speed).
    latency: Latency = field(default_factory=lambda: Latency())
    #: Bulk API 2.0 query jobs by id, and the records per result page it hands out.
    jobs: dict[str, BulkJob] = field(default_factory=dict)
    bulk_page_records: int = 100_000
    #: ``/_faults``, ``/_reload``, ``/_stats`` answer only when the tests turn them on.
    test_hooks: bool = False


@dataclass(frozen=True)
class Latency:
    """How slow the server pretends to be, so that a run can look like a real org.

    Every API request waits ``request_ms``. A REST page waits ``ms_per_1000_records`` more
    per thousand records it carries (Salesforce builds each page when asked). A Bulk query
    job takes ``bulk_job_seconds`` plus the same per-record cost from creation to
    ``JobComplete`` (it builds its result files then; jobs run side by side), and its
    result pages then cost only the request latency.
    """

    request_ms: float = 0.0
    ms_per_1000_records: float = 0.0
    bulk_job_seconds: float = 0.0

    def seconds(self, records: int = 0) -> float:
        return (self.request_ms + self.ms_per_1000_records * records / 1000) / 1000


@dataclass
class BulkJob:
    """One Bulk API 2.0 query job: its result rows (rendered as Bulk writes values, a page at
    a time) and when it completes. ``state`` is set only for a job that failed or was aborted."""

    id: str
    operation: str
    obj: str
    table: Selection
    created: float
    ready_at: float
    state: str = ""
    error: str = ""

    def current_state(self, now: float) -> str:
        if self.state:
            return self.state
        if now >= self.ready_at:
            return "JobComplete"
        # A job sits in UploadComplete for a moment before a worker picks it up.
        return (
            "UploadComplete"
            if now < self.created + 0.1 * (self.ready_at - self.created)
            else ("InProgress")
        )


class OrgTables:
    """The org's tables, each read from its CSV on first use (so serving starts at once and
    reading a big object overlaps with the client loading the previous one).

    With ``cache`` (a folder; the extractor gives one for a generated demo org), each parsed
    table is also written there as an Arrow IPC file, stamped with its CSV's size and
    modification time, and served memory-mapped: the next server over the same org starts
    without parsing a CSV again, and a table costs page cache rather than the server's heap.
    """

    def __init__(self, folder: Path, *, cache: Path | None = None) -> None:
        self.files = find_export_files(folder)
        self.cache = cache
        self._tables: dict[str, pa.Table] = {}
        self._lock = threading.Lock()

    def __contains__(self, name: str) -> bool:
        return name in OBJECTS

    def __getitem__(self, name: str) -> pa.Table:
        with self._lock:
            if name not in self._tables:
                file = self.files.get(name)
                if self.cache is None or file is None or file.member is not None:
                    self._tables[name] = load_object(name, file)
                else:
                    self._tables[name] = cached_object(name, file, self.cache)
            return self._tables[name]


def _stamp(path: Path) -> bytes:
    info = path.stat()
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ino}".encode()


def cached_object(name: str, file: ExportFile, cache: Path) -> pa.Table:
    """``load_object``, through an Arrow IPC copy in ``cache`` that is made again when its CSV
    changed (another size, modification time or file)."""
    path = cache / f"{name}.arrow"
    stamp = _stamp(file.location)
    with contextlib.suppress(OSError, pa.ArrowInvalid):
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
        if (table.schema.metadata or {}).get(b"csv") == stamp:
            return table
    table = load_object(name, file)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        stamped = table.replace_schema_metadata({b"csv": stamp})
        with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, stamped.schema) as out:
            out.write_table(stamped, max_chunksize=65_536)
        os.replace(partial, path)
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).read_all()
    except OSError:  # a read-only or full disk: serve the parsed table
        return table


def load_object(name: str, file: ExportFile | None) -> pa.Table:
    """One object's rows, known fields typed, all columns kept, sorted by SystemModstamp.

    Every org has every object: one without a CSV is served empty.
    """
    obj = OBJECTS[name]
    if file is None:
        schema = arrow_schema(obj).empty_table().rename_columns(list(obj.fields))
        return schema.drop_columns(list(obj.export_only))
    header = read_header(file, sniff_encoding(file))
    fields = {f: obj.fields.get(f, "string") for f in header if f not in obj.export_only}
    parts = list(read_export_tables(file, fields=fields))
    table = pa.concat_tables(parts).rename_columns(list(fields)) if parts else pa.table({})
    if obj.cursor_field in table.column_names:
        table = table.sort_by([(obj.cursor_field, "ascending"), ("Id", "ascending")])
    return table


@dataclass(frozen=True)
class Selection:
    """The rows a query selects: the object's table, the numbers of the selected rows (None:
    all of them), rendered a page at a time. A query or Bulk job over a 10,000,000-contact
    object holds row numbers, not a rendered copy of the object."""

    table: pa.Table
    rows: pa.Array | None = None
    zone: str = "+0000"

    @property
    def num_rows(self) -> int:
        return self.table.num_rows if self.rows is None else len(self.rows)

    def page(self, offset: int, length: int) -> pa.Table:
        """Rows ``offset`` to ``offset + length`` of the selection, rendered."""
        if self.rows is None:
            part = self.table.slice(offset, length)
        else:
            part = self.table.take(self.rows.slice(offset, length))
        return _render(part, zone=self.zone)


def _render(table: pa.Table, *, zone: str = "+0000") -> pa.Table:
    """Datetimes as ``2026-11-01T10:00:00.000+0000`` (REST; Bulk writes ``...000Z``), dates
    as ``2026-11-01``."""
    columns = []
    for column in table.columns:
        if column.type == TIMESTAMP:
            column = pc.binary_join_element_wise(
                pc.strftime(
                    pc.cast(column, pa.timestamp("ms", tz="UTC")),
                    format="%Y-%m-%dT%H:%M:%S",
                    locale="C",
                ),
                zone,
                "",
            )
        elif pa.types.is_date(column.type):
            column = pc.strftime(column, format="%Y-%m-%d")
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _sf_error(code: str, message: str) -> bytes:
    return orjson.dumps([{"message": message, "errorCode": code}])


def _not_found(path: str) -> bytes:
    return _sf_error("NOT_FOUND", f"The requested resource does not exist: {path}")


def _locate(offset: int) -> str:
    """An opaque Bulk result locator for a record offset."""
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def _unlocate(locator: str) -> int | None:
    if not locator:
        return 0
    try:
        return int(base64.urlsafe_b64decode(locator + "=" * (-len(locator) % 4)))
    except ValueError:
        return None


class SalesforceApp:
    """The ASGI app. Plain ASGI keeps it fast and lets faults misbehave at the socket."""

    def __init__(self, state: OrgState) -> None:
        self.state = state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path: str = scope["path"]
        query = scope.get("query_string", b"").decode()
        if path == "/services/oauth2/token" and scope["method"] == "POST":
            host, port = scope.get("server") or ("127.0.0.1", 0)
            status, payload = self.token(body, instance_url=f"http://{host}:{port}")
            return await self._send(send, status, payload)
        if self.state.test_hooks and path.startswith("/_"):
            return await self.test_hook(scope["method"], path, body, send)
        await self.api(scope, path, query, body, send)

    async def test_hook(self, method: str, path: str, body: bytes, send: Any) -> None:
        """The tests' hooks (``--test-hooks``): inject faults, reread the org, count requests."""
        if path == "/_faults" and method == "POST":
            spec = orjson.loads(body or b"{}")
            with self.state.lock:
                if spec.get("kind") == "clear":
                    self.state.faults.clear()
                else:
                    self.state.faults.append(Fault(**spec))
            return await self._send(send, 200, b'{"ok": true}')
        if path == "/_reload" and method == "POST" and self.state.folder:
            tables = OrgTables(self.state.folder, cache=self.state.tables.cache)
            with self.state.lock:
                self.state.tables = tables
            return await self._send(send, 200, b'{"ok": true}')
        if path == "/_stats":
            return await self._send(send, 200, orjson.dumps({"requests": self.state.requests}))
        await self._send(send, 404, _sf_error("NOT_FOUND", f"no test hook {method} {path}"))

    async def _send(
        self,
        send: Any,
        status: int,
        payload: bytes,
        *,
        headers: list | None = None,
        content_type: bytes = b"application/json;charset=UTF-8",
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(payload)).encode()),
                    *(headers or []),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    # -- auth ---------------------------------------------------------------------------------

    def token(self, body: bytes, *, instance_url: str) -> tuple[int, bytes]:
        from urllib.parse import parse_qs

        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        grant = form.get("grant_type", "")
        ok = False
        if grant in ("client_credentials", "password"):
            ok = (
                form.get("client_id") == self.state.client_id
                and form.get("client_secret") == self.state.client_secret
            )
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            import jwt

            try:
                claims = jwt.decode(form.get("assertion", ""), options={"verify_signature": False})
                ok = claims.get("iss") == self.state.client_id and bool(claims.get("sub"))
            except jwt.PyJWTError:
                ok = False
        if not ok:
            return 400, orjson.dumps(
                {"error": "invalid_client", "error_description": "invalid client credentials"}
            )
        token = "00D" + secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.tokens.add(token)
        return 200, orjson.dumps(
            {"access_token": token, "instance_url": instance_url, "token_type": "Bearer"}
        )

    # -- data API -------------------------------------------------------------------------

    def _take_fault(self, path: str) -> Fault | None:
        with self.state.lock:
            for fault in self.state.faults:
                if fault.path and not re.search(fault.path, path):
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    continue
                fault.count -= 1
                if fault.count <= 0:
                    self.state.faults.remove(fault)
                return fault
        return None

    async def api(self, scope: dict, path: str, query: str, body: bytes, send: Any) -> None:
        state = self.state
        headers = dict(scope["headers"])
        with state.lock:
            state.requests += 1
            usage = [
                (b"sforce-limit-info", f"api-usage={state.requests}/{state.daily_limit}".encode())
            ]
        token = headers.get(b"authorization", b"").decode().removeprefix("Bearer ")
        fault = self._take_fault(path)
        if state.latency.request_ms:
            await asyncio.sleep(state.latency.seconds())
        if fault and fault.kind == "expire_session":
            with state.lock:
                state.tokens.clear()
        if token not in state.tokens:
            payload = _sf_error("INVALID_SESSION_ID", "Session expired or invalid")
            return await self._send(send, 401, payload, headers=usage)
        if state.requests > state.daily_limit or (fault and fault.kind == "limit"):
            payload = _sf_error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            return await self._send(send, 403, payload, headers=usage)
        if fault and fault.kind == "unavailable":
            payload = _sf_error("SERVER_UNAVAILABLE", "Server temporarily unavailable")
            return await self._send(send, 503, payload, headers=usage)
        if fault and fault.kind == "http_500":
            return await self._send(send, 500, b"<html>Internal Server Error</html>")
        if fault and fault.kind == "slow":
            await asyncio.sleep(fault.seconds)
        if fault and fault.kind == "expire_locator":
            with state.lock:
                state.cursors.clear()
        content_type = b"application/json;charset=UTF-8"
        if "/jobs/query" in path:
            # In a thread: creating a job may read a whole object's CSV, and the other
            # requests (polls, result pages of other jobs) go on meanwhile.
            status, payload, _, extra = await asyncio.to_thread(
                self.bulk, scope["method"], path, query, body, fault
            )
            usage += extra
            if extra:  # a page of results: ready since the job completed
                content_type = b"text/csv"
            records = 0
        else:
            status, payload, records = self.query(path, query)
        if records and state.latency.ms_per_1000_records:
            await asyncio.sleep(state.latency.seconds(records) - state.latency.seconds())
        if fault and fault.kind == "malformed":
            payload = payload[: len(payload) // 2]
        if fault and fault.kind == "truncate":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", str(len(payload)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": payload[:100], "more_body": True})
            raise ConnectionAbortedError("fault injection: connection dropped mid-body")
        await self._send(send, status, payload, headers=usage, content_type=content_type)

    def query(self, path: str, query: str) -> tuple[int, bytes, int]:
        """A REST query or its next page: status, body and how many records it holds."""
        from urllib.parse import parse_qs

        if not path.startswith("/services/data/v"):
            return 404, _not_found(path), 0
        rest = path.split("/", 4)[-1]
        if rest.startswith("query/") or rest.startswith("queryAll/"):
            locator, _, offset = rest.split("/", 1)[1].rpartition("-")
            return self._page(locator, int(offset or 0))
        if rest not in ("query", "queryAll"):
            return 404, _not_found(path), 0
        soql = parse_qs(query).get("q", [""])[0]
        counting = re.match(r"\s*select\s+count\(\s*\)\s", soql, re.IGNORECASE)
        if counting:  # SELECT COUNT() FROM ...: totalSize only, no records
            soql = "SELECT Id " + soql[counting.end() :]
        status, result = self._run_soql(soql, include_deleted=rest == "queryAll")
        if status != 200:
            return status, result, 0
        if counting:
            body = {"totalSize": result[2].num_rows, "done": True, "records": []}
            return 200, orjson.dumps(body), 0
        locator = uuid.uuid4().hex[:15]
        with self.state.lock:
            self.state.cursors[locator] = result  # type: ignore[assignment]
        return self._page(locator, 0)

    def _run_soql(
        self, soql: str, *, include_deleted: bool, zone: str = "+0000"
    ) -> tuple[int, Any]:
        match = _SOQL.match(soql)
        if not match:
            return 400, _sf_error("MALFORMED_QUERY", f"unexpected token in: {soql[:200]}")
        name = match.group("object")
        obj = next((o for o in OBJECTS if o.lower() == name.lower()), None)
        if obj is None or obj not in self.state.tables:
            return 400, _sf_error("INVALID_TYPE", f"sObject type '{name}' is not supported.")
        table = self.state.tables[obj]
        by_lower = {c.lower(): c for c in table.column_names}
        fields = [f.strip() for f in match.group("fields").split(",")]
        for position, f in enumerate(fields):
            if f.lower() not in by_lower:
                column = soql.find(f) + 1
                return 400, _sf_error(
                    "INVALID_FIELD",
                    f"\n{soql}\n{' ' * max(column - 1, 0)}^\nERROR at Row:1:Column:{column}\n"
                    f"No such column '{f}' on entity '{obj}'. If you are attempting to use a "
                    "custom field, be sure to append the '__c' after the custom field name.",
                )
            fields[position] = by_lower[f.lower()]
        keep = None
        if not include_deleted and "IsDeleted" in table.column_names:
            keep = pc.invert(pc.fill_null(table["IsDeleted"], False))
        if match.group("field"):
            cursor_field = OBJECTS[obj].cursor_field
            if match.group("field").lower() != cursor_field.lower():
                return 400, _sf_error("MALFORMED_QUERY", f"only {cursor_field} filters here")
            literal = match.group("literal")
            try:
                bound = pa.scalar(_parse_literal(literal), pa.timestamp("ms", tz="UTC"))
            except ValueError:
                return 400, _sf_error(
                    "MALFORMED_QUERY", f"value of filter criterion is not valid: {literal}"
                )
            op = pc.greater_equal if match.group("op") == ">=" else pc.greater
            after = op(table[cursor_field], bound)
            keep = after if keep is None else pc.and_(keep, after)
        rows = None
        if keep is not None:
            rows = pc.indices_nonzero(pc.fill_null(keep, False))
        table = table.select(fields)
        if match.group("limit"):
            limit = int(match.group("limit"))
            table, rows = (table.slice(0, limit), None) if rows is None else (table, rows[:limit])
        return 200, (obj, fields, Selection(table, rows, zone))

    def _page(self, locator: str, offset: int) -> tuple[int, bytes, int]:
        with self.state.lock:
            cursor = self.state.cursors.get(locator)
        if cursor is None:
            return 400, _sf_error("INVALID_QUERY_LOCATOR", "invalid query locator"), 0
        obj, fields, selection = cursor
        page = selection.page(offset, self.state.batch_size)
        columns = [page.column(f).to_pylist() for f in fields]
        attrs = {"type": obj}
        records = (
            [
                {"attributes": attrs, **dict(zip(fields, row, strict=True))}
                for row in zip(*columns, strict=True)
            ]
            if columns
            else []
        )
        end = offset + page.num_rows
        done = end >= selection.num_rows
        body: dict[str, Any] = {"totalSize": selection.num_rows, "done": done, "records": records}
        if done:
            with self.state.lock:
                self.state.cursors.pop(locator, None)
        else:
            body["nextRecordsUrl"] = f"/services/data/v{API_VERSION}/query/{locator}-{end}"
        return 200, orjson.dumps(body), page.num_rows

    # -- Bulk API 2.0 queries ------------------------------------------------------------------

    def bulk(
        self, method: str, path: str, query: str, body: bytes, fault: Fault | None
    ) -> tuple[int, bytes, int, list]:
        """``/jobs/query[/id[/results|/resultPages]]``: status, body, records in it, and the
        headers of a result page (``Sforce-Locator``, ``Sforce-NumberOfRecords``)."""
        from urllib.parse import parse_qs

        parts = path.split("/jobs/query", 1)[1].strip("/").split("/")
        job_id, action = parts[0], "/".join(parts[1:])
        if not job_id:
            if method != "POST":
                return 405, _sf_error("METHOD_NOT_ALLOWED", f"{method} not allowed"), 0, []
            status, payload = self._create_job(body, fault)
            return status, payload, 0, []
        with self.state.lock:
            job = self.state.jobs.get(job_id)
        if job is None:
            return 404, _sf_error("NOT_FOUND", f"Job {job_id} does not exist"), 0, []
        if fault and fault.kind in ("job_failed", "job_aborted"):
            job.state = "Failed" if fault.kind == "job_failed" else "Aborted"
            job.error = "InternalError: the query job failed (fault injection)"
        now = time.monotonic()
        if action == "" and method == "PATCH":
            if orjson.loads(body or b"{}").get("state") == "Aborted":
                job.state = job.state or "Aborted"
            return 200, orjson.dumps(self._job_info(job, now)), 0, []
        if action == "" and method == "GET":
            return 200, orjson.dumps(self._job_info(job, now)), 0, []
        if job.current_state(now) != "JobComplete":
            return 400, _sf_error("INVALIDJOBSTATE", f"Job {job.id} is not complete"), 0, []
        params = {k: v[0] for k, v in parse_qs(query).items()}
        if action == "resultPages":
            return 200, self._result_pages(job, int(params.get("offset", 0))), 0, []
        if action != "results":
            return 404, _not_found(path), 0, []
        offset = _unlocate(params.get("locator", ""))
        if offset is None:
            return 400, _sf_error("INVALID_LOCATOR", "invalid locator"), 0, []
        size = int(params.get("maxRecords") or self.state.bulk_page_records)
        page = job.table.page(offset, max(size, 1))
        end = offset + page.num_rows
        csv = io.BytesIO()
        pacsv.write_csv(page, csv)  # strings quoted, nulls left empty: Bulk's convention
        headers = [
            (b"sforce-locator", (_locate(end) if end < job.table.num_rows else "null").encode()),
            (b"sforce-numberofrecords", str(page.num_rows).encode()),
        ]
        return 200, csv.getvalue(), page.num_rows, headers

    def _create_job(self, body: bytes, fault: Fault | None) -> tuple[int, bytes]:
        try:
            spec = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError:
            return 400, _sf_error("JSON_PARSER_ERROR", "the request body is not JSON")
        operation = spec.get("operation")
        if operation not in ("query", "queryAll"):
            return 400, _sf_error("INVALIDJOB", f"operation {operation!r} is not supported")
        soql = spec.get("query", "")
        status, result = self._run_soql(soql, include_deleted=operation == "queryAll", zone="Z")
        if status != 200:
            return status, result
        obj, _fields, table = result
        now = time.monotonic()
        job = BulkJob(
            id="750" + secrets.token_hex(8)[:15].upper(),
            operation=operation,
            obj=obj,
            table=table,
            created=now,
            ready_at=now
            + self.state.latency.bulk_job_seconds
            + self.state.latency.seconds(table.num_rows)
            - self.state.latency.seconds(),
        )
        if fault and fault.kind in ("job_failed", "job_aborted"):
            job.state = "Failed" if fault.kind == "job_failed" else "Aborted"
            job.error = "InternalError: the query job failed (fault injection)"
        with self.state.lock:
            self.state.jobs[job.id] = job
            while len(self.state.jobs) > 16:  # finished jobs' results are not kept forever
                self.state.jobs.pop(next(iter(self.state.jobs)))
        return 200, orjson.dumps(self._job_info(job, now))

    def _job_info(self, job: BulkJob, now: float) -> dict[str, Any]:
        state = job.current_state(now)
        info: dict[str, Any] = {
            "id": job.id,
            "operation": job.operation,
            "object": job.obj,
            "state": state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(API_VERSION),
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
            "numberRecordsProcessed": job.table.num_rows if state == "JobComplete" else 0,
            "retries": 0,
            "totalProcessingTime": int(max(now - job.created, 0) * 1000),
        }
        if state == "Failed":
            info["errorMessage"] = job.error
        return info

    def _result_pages(self, job: BulkJob, offset: int) -> bytes:
        """Up to five result URLs to download in parallel (API 58+), then the next listing."""
        size = self.state.bulk_page_records
        base = f"/services/data/v{API_VERSION}/jobs/query/{job.id}"
        urls = []
        start = offset
        while start < job.table.num_rows and len(urls) < 5:
            urls.append({"resultUrl": f"{base}/results?locator={_locate(start)}&maxRecords={size}"})
            start += size
        if not urls and offset == 0:  # an empty result still has one (header-only) page
            urls.append({"resultUrl": f"{base}/results?maxRecords={size}"})
        done = start >= job.table.num_rows
        body: dict[str, Any] = {"resultPages": urls, "done": done}
        body["nextRecordsUrl"] = None if done else f"{base}/resultPages?offset={start}"
        return orjson.dumps(body)


def _parse_literal(literal: str) -> Any:
    from datetime import datetime

    text = literal.replace("Z", "+00:00")
    if re.fullmatch(r".*[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text)


def serve(
    org: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    batch_size: int = 2000,
    daily_limit: int = 1_000_000,
    client_secret: str = DEMO_CLIENT_SECRET,
    announce: bool = True,
    latency: Latency | None = None,
    bulk_page_records: int = 100_000,
    test_hooks: bool = False,
    cache: Path | None = None,
) -> None:
    """Load ``org`` and serve it until interrupted; prints ``PORT=<n>`` when listening."""
    import uvicorn

    state = OrgState(
        OrgTables(org, cache=cache),
        folder=org,
        batch_size=batch_size,
        daily_limit=daily_limit,
        client_secret=client_secret,
        latency=latency or Latency(),
        bulk_page_records=bulk_page_records,
        test_hooks=test_hooks,
    )
    # proto=IPPROTO_TCP: asyncio only sets TCP_NODELAY on sockets that say they are TCP;
    # without it every small response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # before PORT= is printed: a client may connect at once
    config = uvicorn.Config(
        SalesforceApp(state), log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    if announce:
        print(f"PORT={sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--org", type=Path, required=True, help="org folder (Data Export layout)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--daily-limit", type=int, default=1_000_000)
    parser.add_argument("--client-secret", default=DEMO_CLIENT_SECRET)
    parser.add_argument(
        "--parent-pid", type=int, help="exit when this process (the one that started us) dies"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="wait per API request")
    parser.add_argument(
        "--ms-per-1000-records", type=float, default=0.0, help="wait per 1,000 records served"
    )
    parser.add_argument(
        "--bulk-job-seconds", type=float, default=0.0, help="a Bulk query job's processing time"
    )
    parser.add_argument(
        "--bulk-page-records", type=int, default=100_000, help="records per Bulk result page"
    )
    parser.add_argument(
        "--test-hooks", action="store_true", help="serve /_faults, /_reload, /_stats (tests)"
    )
    parser.add_argument(
        "--cache", type=Path, help="keep parsed objects here as Arrow IPC files (see OrgTables)"
    )
    args = parser.parse_args(argv)
    if args.parent_pid:
        from plumbing.lifetime import exit_with_parent

        exit_with_parent(args.parent_pid)
    serve(
        args.org,
        host=args.host,
        port=args.port,
        batch_size=args.batch_size,
        daily_limit=args.daily_limit,
        client_secret=args.client_secret,
        latency=Latency(args.latency_ms, args.ms_per_1000_records, args.bulk_job_seconds),
        bulk_page_records=args.bulk_page_records,
        test_hooks=args.test_hooks,
        cache=args.cache,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
