"""A small Salesforce REST client: SOQL ``query``/``queryAll`` with paging, on httpx.

It honours the API's behaviour (see DESIGN.md): pages of up to 2,000 records followed via
``nextRecordsUrl`` until ``done``; errors as ``[{"message", "errorCode"}]``;
``INVALID_SESSION_ID`` (401) re-authenticates once; ``REQUEST_LIMIT_EXCEEDED`` (403) stops
with ``ApiLimitError``; 5xx, ``SERVER_UNAVAILABLE``, timeouts, dropped connections and
truncated bodies are retried by the shared policy of ``plumbing.retry``; the
``Sforce-Limit-Info`` header is reported to a callback. Pages are fetched one ahead on a
background thread, so the network overlaps the conversion of the previous page.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson

from extract.errors import (
    ApiLimitError,
    AuthError,
    QueryError,
    QueryLocatorError,
    ResponseError,
    TransportError,
)
from extract.salesforce.auth import Authenticator
from plumbing.retry import RetryPolicy, parse_retry_after, retryable_status

log = logging.getLogger(__name__)

API_VERSION = "62.0"
_NO_SUCH_COLUMN = re.compile(r"No such column '([^']+)' on entity '([^']+)'")
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class Page(list):
    """One page of query records, with the whole query's ``totalSize``."""

    def __init__(self, records: list[dict], total_size: int) -> None:
        super().__init__(records)
        self.total_size = total_size


class SalesforceClient:
    """Runs SOQL against one org. Reuse one instance for a whole extraction."""

    def __init__(
        self,
        auth: Authenticator,
        http: httpx.Client,
        *,
        api_version: str = API_VERSION,
        policy: RetryPolicy | None = None,
        on_usage: Callable[[int, int], None] | None = None,
    ) -> None:
        self.auth = auth
        self.http = http
        self.api_version = api_version
        self.policy = policy or RetryPolicy(retries=5)
        self.on_usage = on_usage
        self.api_usage: tuple[int, int] | None = None
        self.requests = 0
        self._count = threading.Lock()  # Bulk result pages download on several threads

    # -- public ---------------------------------------------------------------------------

    def query_pages(self, soql: str, *, include_deleted: bool = False) -> Iterator[Page]:
        """Yield the records of ``soql`` page by page (``queryAll`` with deleted rows); each
        page knows the query's ``totalSize``."""
        endpoint = "queryAll" if include_deleted else "query"
        first = f"/services/data/v{self.api_version}/{endpoint}"
        pages: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=2)
        stop = threading.Event()

        def fetch() -> None:
            try:
                body = self._get_json(first, params={"q": soql}, soql=soql)
                while True:
                    if stop.is_set():
                        return
                    pages.put(("page", Page(body.get("records", []), body.get("totalSize", 0))))
                    if body.get("done", True) or not body.get("nextRecordsUrl"):
                        break
                    body = self._get_json(body["nextRecordsUrl"], soql=soql)
                pages.put(("done", None))
            except BaseException as exc:  # handed to the consumer, raised there
                pages.put(("error", exc))

        worker = threading.Thread(target=fetch, name="sf-pages", daemon=True)
        worker.start()
        try:
            while True:
                kind, payload = pages.get()
                if kind == "page":
                    yield payload
                elif kind == "error":
                    raise payload
                else:
                    return
        finally:
            stop.set()
            while worker.is_alive():  # unblock a producer waiting on a full queue
                try:
                    pages.get_nowait()
                except queue.Empty:
                    worker.join(0.05)

    def count(self, soql: str, *, include_deleted: bool = False) -> int:
        """The ``totalSize`` of a ``SELECT COUNT() FROM ...`` query (``queryAll`` counts
        deleted rows too)."""
        endpoint = "queryAll" if include_deleted else "query"
        path = f"/services/data/v{self.api_version}/{endpoint}"
        return int(self.call("GET", path, params={"q": soql}, what=soql).get("totalSize", 0))

    # -- one request ------------------------------------------------------------------------

    def _get_json(self, path: str, *, params: dict | None = None, soql: str) -> dict:
        return self.call("GET", path, params=params, what=soql)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: dict | None = None,
        parse: Callable[[httpx.Response], Any] | None = None,
        what: str = "",
    ) -> Any:
        """One API call with the shared retry policy (``plumbing.retry``); returns
        ``parse(response)`` (default: the JSON body). ``parse`` raising ``ResponseError``
        (a body cut short) is retried like a dropped connection. ``what`` (the SOQL) is
        named in query errors."""
        parse = parse or _json_body
        refreshed = False
        attempt = 0
        while True:
            if not self.auth.access_token:
                self.auth.authenticate()
            url = path if path.startswith("http") else self.auth.instance_url + path
            headers = {"Authorization": f"Bearer {self.auth.access_token}"}
            retry_after: float | None = None
            try:
                response = self.http.request(method, url, params=params, json=json, headers=headers)
                with self._count:
                    self.requests += 1
                self._note_usage(response)
                status = response.status_code
                if status in (200, 201, 204):
                    try:
                        return parse(response)
                    except ResponseError as exc:
                        problem: BaseException = exc
                else:
                    errors = _error_list(response)
                    code = errors[0].get("errorCode", "") if errors else ""
                    message = errors[0].get("message", "") if errors else response.text[:200]
                    if status == 401 or code == "INVALID_SESSION_ID":
                        if refreshed or not self.auth.can_refresh:
                            raise AuthError(_expired_message(self.auth.can_refresh))
                        log.info("Session expired; re-authenticating once")
                        self.auth.authenticate()
                        refreshed = True
                        continue
                    if code == "REQUEST_LIMIT_EXCEEDED":
                        raise ApiLimitError(
                            "Salesforce says the org's daily API request limit is used up "
                            f"(REQUEST_LIMIT_EXCEEDED: {message.strip()}). What was loaded is "
                            "kept; run the same command again after the limit resets and it "
                            "resumes where it stopped."
                        )
                    if not retryable_status(status) and code != "SERVER_UNAVAILABLE":
                        raise _query_error(code, message, what)
                    if status in (429, 503):
                        retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    problem = TransportError(f"HTTP {status} {code} from Salesforce: {message}")
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = TransportError(f"{type(exc).__name__} talking to Salesforce")
            attempt += 1
            if self.policy.gives_up(attempt):
                if isinstance(problem, ResponseError):
                    raise problem
                raise TransportError(
                    f"{problem} (gave up after {self.policy.retries} retries on "
                    f"{path.split('?')[0]}). Salesforce or the network is failing; rerun "
                    "later: loaded data is kept."
                ) from None
            delay = self.policy.delay(attempt, retry_after=retry_after)
            log.warning("%s; retry %d/%d in %.1fs", problem, attempt, self.policy.retries, delay)
            time.sleep(delay)

    def _note_usage(self, response: httpx.Response) -> None:
        match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.api_usage = (int(match.group(1)), int(match.group(2)))
            if self.on_usage:
                self.on_usage(*self.api_usage)


def _json_body(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content) if response.content else {}
    except orjson.JSONDecodeError as exc:
        raise ResponseError(
            f"Salesforce returned malformed or truncated JSON for {response.url.path} "
            f"({len(response.content)} bytes: {exc}). If this persists, check a proxy "
            "between you and Salesforce."
        ) from None


def _error_list(response: httpx.Response) -> list[dict]:
    try:
        body = response.json()
    except ValueError:
        return []
    if isinstance(body, list):
        return [e for e in body if isinstance(e, dict)]
    if isinstance(body, dict):
        return [body]
    return []


def _expired_message(can_refresh: bool) -> str:
    if can_refresh:
        return (
            "Salesforce rejected a freshly issued token (INVALID_SESSION_ID twice). "
            "Check that the connected app's user may use the API."
        )
    return (
        "The Salesforce access token has expired (INVALID_SESSION_ID). Get a new one with "
        "`sf org display --json` and set it again, or configure an OAuth flow (client "
        "credentials or JWT bearer) so the extractor can re-authenticate by itself."
    )


def _query_error(code: str, message: str, soql: str) -> QueryError:
    if code == "INVALID_QUERY_LOCATOR":
        return QueryLocatorError(
            f"Salesforce expired the query locator ({' '.join(message.split())[:200]})"
        )
    missing = _NO_SUCH_COLUMN.search(message)
    if code == "INVALID_FIELD" and missing:
        field, entity = missing.groups()
        error = QueryError(
            f"The org has no field {entity}.{field} (INVALID_FIELD). Remove {field} from "
            f"the configured extra fields of {entity} in .dlt/config.toml, or check the "
            "field's API name and your user's field-level security.",
            code=code,
            field=field,
        )
        error.field = field
        return error
    first_line = " ".join(message.split())[:300]
    return QueryError(
        f"Salesforce rejected the query ({code or 'error'}): {first_line}\n  {soql}", code=code
    )
