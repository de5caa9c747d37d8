"""A local Salesforce-compatible REST server for an org folder (Data Export layout).

It serves the demo org (or any export folder) through the endpoints the extractor uses, so
the demo org is extracted over real HTTP by the same code as a live org:

- ``POST /services/oauth2/token``: client credentials, username-password and JWT bearer
  grants against the configured client id/secret;
- ``GET /services/data/vNN.N/query`` and ``queryAll`` with ``?q=SOQL`` (``SELECT fields FROM
  Object [WHERE SystemModstamp >= literal] [ORDER BY SystemModstamp[, Id]] [LIMIT n]``),
  pages of ``batch_size`` records with ``nextRecordsUrl``; ``queryAll`` includes deleted
  rows; each record has ``attributes``; datetimes as ``2026-11-01T10:00:00.000+0000``;
- Salesforce's error shapes (``INVALID_FIELD``, ``MALFORMED_QUERY``, ``INVALID_SESSION_ID``,
  ``REQUEST_LIMIT_EXCEEDED``, ``SERVER_UNAVAILABLE``) and the ``Sforce-Limit-Info`` header;
- ``POST /_faults`` (tests only) to inject a fault: ``{"kind": ..., "after": n, "count": k,
  "seconds": s}`` with kinds ``expire_session``, ``limit``, ``unavailable``, ``http_500``,
  ``slow``, ``truncate`` (connection dropped mid-body), ``malformed`` (200 with cut JSON),
  ``expire_locator`` (every open query locator is forgotten: INVALID_QUERY_LOCATOR);
  ``{"kind": "clear"}`` removes pending faults; ``POST /_reload`` rereads the org folder.

Run: ``python -m extract.demo.server --org DIR [--port 0] [--parent-pid PID]``; it prints
``PORT=<n>`` once listening, and with ``--parent-pid`` exits when that process dies (even
by ``kill -9``), so no server outlives the extraction that started it.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import socket
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

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
    cursors: dict[str, tuple[str, list[str], pa.Table]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class OrgTables:
    """The org's tables, each read from its CSV on first use (so serving starts at once and
    reading a big object overlaps with the client loading the previous one)."""

    def __init__(self, folder: Path) -> None:
        self.files = find_export_files(folder)
        self._tables: dict[str, pa.Table] = {}
        self._lock = threading.Lock()

    def __contains__(self, name: str) -> bool:
        return name in OBJECTS

    def __getitem__(self, name: str) -> pa.Table:
        with self._lock:
            if name not in self._tables:
                self._tables[name] = load_object(name, self.files.get(name))
            return self._tables[name]


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


def _render(table: pa.Table) -> pa.Table:
    """Datetimes as ``2026-11-01T10:00:00.000+0000``, dates as ``2026-11-01``."""
    columns = []
    for column in table.columns:
        if column.type == TIMESTAMP:
            column = pc.binary_join_element_wise(
                pc.strftime(
                    pc.cast(column, pa.timestamp("ms", tz="UTC")),
                    format="%Y-%m-%dT%H:%M:%S",
                    locale="C",
                ),
                "+0000",
                "",
            )
        elif pa.types.is_date(column.type):
            column = pc.strftime(column, format="%Y-%m-%d")
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _sf_error(code: str, message: str) -> bytes:
    return orjson.dumps([{"message": message, "errorCode": code}])


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
        if path == "/_faults" and scope["method"] == "POST":
            spec = orjson.loads(body or b"{}")
            with self.state.lock:
                if spec.get("kind") == "clear":
                    self.state.faults.clear()
                else:
                    self.state.faults.append(Fault(**spec))
            return await self._send(send, 200, b'{"ok": true}')
        if path == "/_reload" and scope["method"] == "POST" and self.state.folder:
            tables = OrgTables(self.state.folder)
            with self.state.lock:
                self.state.tables = tables
            return await self._send(send, 200, b'{"ok": true}')
        if path == "/_stats":
            return await self._send(send, 200, orjson.dumps({"requests": self.state.requests}))
        await self.api(scope, path, query, send)

    async def _send(
        self, send: Any, status: int, payload: bytes, *, headers: list | None = None
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json;charset=UTF-8"),
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

    def _take_fault(self) -> Fault | None:
        with self.state.lock:
            for fault in self.state.faults:
                if fault.after > 0:
                    fault.after -= 1
                    continue
                fault.count -= 1
                if fault.count <= 0:
                    self.state.faults.remove(fault)
                return fault
        return None

    async def api(self, scope: dict, path: str, query: str, send: Any) -> None:
        state = self.state
        headers = dict(scope["headers"])
        with state.lock:
            state.requests += 1
            usage = [
                (b"sforce-limit-info", f"api-usage={state.requests}/{state.daily_limit}".encode())
            ]
        token = headers.get(b"authorization", b"").decode().removeprefix("Bearer ")
        fault = self._take_fault()
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
        status, payload = self.query(path, query)
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
        await self._send(send, status, payload, headers=usage)

    def query(self, path: str, query: str) -> tuple[int, bytes]:
        from urllib.parse import parse_qs

        if not path.startswith("/services/data/v"):
            return 404, _sf_error("NOT_FOUND", f"The requested resource does not exist: {path}")
        rest = path.split("/", 4)[-1]
        if rest.startswith("query/") or rest.startswith("queryAll/"):
            locator, _, offset = rest.split("/", 1)[1].rpartition("-")
            return self._page(locator, int(offset or 0))
        if rest not in ("query", "queryAll"):
            return 404, _sf_error("NOT_FOUND", f"The requested resource does not exist: {path}")
        soql = parse_qs(query).get("q", [""])[0]
        status, result = self._run_soql(soql, include_deleted=rest == "queryAll")
        if status != 200:
            return status, result
        locator = uuid.uuid4().hex[:15]
        with self.state.lock:
            self.state.cursors[locator] = result  # type: ignore[assignment]
        return self._page(locator, 0)

    def _run_soql(self, soql: str, *, include_deleted: bool) -> tuple[int, Any]:
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
        if not include_deleted and "IsDeleted" in table.column_names:
            table = table.filter(pc.invert(pc.fill_null(table["IsDeleted"], False)))
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
            table = table.filter(op(table[cursor_field], bound))
        if match.group("limit"):
            table = table.slice(0, int(match.group("limit")))
        return 200, (obj, fields, _render(table.select(fields)))

    def _page(self, locator: str, offset: int) -> tuple[int, bytes]:
        with self.state.lock:
            cursor = self.state.cursors.get(locator)
        if cursor is None:
            return 400, _sf_error("INVALID_QUERY_LOCATOR", "invalid query locator")
        obj, fields, table = cursor
        page = table.slice(offset, self.state.batch_size)
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
        done = end >= table.num_rows
        body: dict[str, Any] = {"totalSize": table.num_rows, "done": done, "records": records}
        if done:
            with self.state.lock:
                self.state.cursors.pop(locator, None)
        else:
            body["nextRecordsUrl"] = f"/services/data/v{API_VERSION}/query/{locator}-{end}"
        return 200, orjson.dumps(body)


def _parse_literal(literal: str) -> Any:
    from datetime import datetime

    text = literal.replace("Z", "+00:00")
    if re.fullmatch(r".*[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(
    org: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    batch_size: int = 2000,
    daily_limit: int = 1_000_000,
    client_secret: str = DEMO_CLIENT_SECRET,
    announce: bool = True,
) -> None:
    """Load ``org`` and serve it until interrupted; prints ``PORT=<n>`` when listening."""
    import uvicorn

    state = OrgState(
        OrgTables(org),
        folder=org,
        batch_size=batch_size,
        daily_limit=daily_limit,
        client_secret=client_secret,
    )
    # proto=IPPROTO_TCP: asyncio only sets TCP_NODELAY on sockets that say they are TCP;
    # without it every small response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
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
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
