"""An httpx client of any service that speaks the qualification API contract.

One ``httpx.AsyncClient`` is reused for the whole run, with explicit timeouts, a bound on
connections (the caller bounds concurrency), an optional request rate limit, and bounded
retries on 429 (honouring ``Retry-After``), 5xx, timeouts and transport errors, following
the project's one retry policy (``plumbing.retry``). Batches go to ``POST /qualify/batch``;
a service without it (404/405) is called item by item on ``POST /qualify``. A 413 splits
the batch; a 422 on a batch falls back to single items so that only the offending items
fail, and an item the service refused alone inside a batch (``{"error": ...}`` in its
place) fails alone.

Calls that still fail after the retries do not raise: they come back as ``Failure`` per
item and become error rows that the next run retries. Only a service that cannot be used
at all raises ``ApiError``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from plumbing.retry import RetryPolicy, parse_retry_after, retryable_status
from scoring.auth import ApiAuth
from scoring.errors import ApiAuthError, ApiContractError, ApiUnavailableError, ConfigError
from scoring.jsonfast import dumps, loads

_JSON = {"content-type": "application/json", "accept": "application/json"}


@dataclass(frozen=True)
class ModelRef:
    """A model as the service names it: the key of every row it scores."""

    name: str
    version: str


@dataclass(frozen=True)
class Failure:
    """An item that could not be scored: why, in one line."""

    message: str


class RateLimiter:
    """At most ``rate`` requests per second, spaced evenly (None = unlimited)."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Sleep until the next request may start."""
        if not self.interval:
            return
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


class _Retryable(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _Rejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class QualificationClient:
    """The scoring step's side of the contract (use as ``async with``)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        concurrency: int = 4,
        rate: float | None = None,
        policy: RetryPolicy | None = None,
        auth: ApiAuth | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        auth = auth or ApiAuth()
        self.policy = policy or RetryPolicy()
        self.limiter = RateLimiter(rate)
        self.batch_supported: bool | None = None
        self.max_batch: int | None = None
        self.requests = 0
        self.retries = 0
        self._single = asyncio.Semaphore(max(concurrency, 1))
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(
                max_connections=max(concurrency, 1), max_keepalive_connections=max(concurrency, 1)
            ),
            headers={**_JSON, **auth.headers},
            verify=auth.verify(),
        )

    async def __aenter__(self) -> QualificationClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._http.aclose()

    # --- discovery --------------------------------------------------------------------

    async def health(self) -> dict[str, Any]:
        """``GET /health`` (retried); raises ApiUnavailableError if it never says ok."""
        try:
            body = await self._call("GET", "/health")
        except _Rejected as exc:
            self._refused(exc)
            raise ApiUnavailableError(f"qualification API at {self.base_url}: {exc}") from exc
        except _Retryable as exc:
            raise ApiUnavailableError(f"qualification API at {self.base_url}: {exc}") from exc
        if not isinstance(body, dict) or body.get("status") != "ok":
            raise ApiUnavailableError(f"{self.base_url}/health is not ok: {body!r}"[:300])
        max_batch = body.get("max_batch")
        if isinstance(max_batch, int) and max_batch > 0:
            self.max_batch = max_batch
        return body

    async def resolve_models(self, names: Sequence[str]) -> list[ModelRef]:
        """The (name, version) of each requested model, from /health or a one-item probe."""
        body = await self.health()
        served: dict[str, str | None] = {}
        for entry in body.get("models") or []:
            if isinstance(entry, str):
                served[entry] = None
            elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
                version = entry.get("version")
                served[entry["name"]] = str(version) if version is not None else None
        unknown = [n for n in names if served and n not in served]
        if unknown:
            raise ConfigError(
                f"model(s) {', '.join(unknown)} not served by {self.base_url} "
                f"(it serves: {', '.join(served) or 'none'})"
            )
        return [ModelRef(n, served.get(n) or await self._probe_version(n)) for n in names]

    async def _probe_version(self, name: str) -> str:
        try:
            body = await self._call("POST", "/qualify", payload=b'{"domain":null}', model=name)
        except (_Retryable, _Rejected) as exc:
            raise ApiUnavailableError(f"cannot learn the version of model {name}: {exc}") from exc
        version = body.get("model_version") if isinstance(body, dict) else None
        if version is None:
            raise ApiContractError(f"/qualify?model={name} answered without model_version")
        return str(version)

    # --- scoring ----------------------------------------------------------------------

    async def qualify_many(
        self, model: ModelRef, items: Sequence[bytes]
    ) -> list[dict[str, Any] | Failure]:
        """One result (or Failure) per item, in order: batch endpoint first, else singles.

        Items are JSON-encoded request objects (see ``encode``): each is serialised once,
        however many models and retries send it.
        """
        if not items:
            return []
        limit = self.max_batch
        if limit and len(items) > limit:  # the service said (413 or /health) it takes less
            results: list[dict[str, Any] | Failure] = []
            for start in range(0, len(items), limit):
                results += await self.qualify_many(model, items[start : start + limit])
            return results
        if self.batch_supported is not False:
            try:
                return await self._batch(model, items)
            except _Rejected as exc:
                self._refused(exc)
                if exc.status in (404, 405) and not self.batch_supported:
                    self.batch_supported = False
                elif exc.status == 413 and len(items) > 1:
                    return await self._split(model, items)
                elif exc.status != 422:
                    return [Failure(str(exc))] * len(items)
            except _Retryable as exc:
                return [Failure(str(exc))] * len(items)
        return list(await asyncio.gather(*(self._one(model, item) for item in items)))

    async def _split(
        self, model: ModelRef, items: Sequence[bytes]
    ) -> list[dict[str, Any] | Failure]:
        half = len(items) // 2
        self.max_batch = min(self.max_batch or half, half)  # later batches go smaller
        first = await self.qualify_many(model, items[:half])
        return first + await self.qualify_many(model, items[half:])

    async def _batch(
        self, model: ModelRef, items: Sequence[bytes]
    ) -> list[dict[str, Any] | Failure]:
        payload = b'{"items":[' + b",".join(items) + b"]}"
        body = await self._call("POST", "/qualify/batch", payload=payload, model=model.name)
        self.batch_supported = True
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list) or len(results) != len(items):
            got = len(results) if isinstance(results, list) else "no"
            return [Failure(f"contract: batch of {len(items)} answered with {got} results")] * len(
                items
            )
        return [_checked(r) for r in results]

    async def _one(self, model: ModelRef, item: bytes) -> dict[str, Any] | Failure:
        async with self._single:
            try:
                result = await self._call("POST", "/qualify", payload=item, model=model.name)
                return _checked(result)
            except _Rejected as exc:
                self._refused(exc)
                return Failure(str(exc))
            except _Retryable as exc:
                return Failure(str(exc))

    def _refused(self, exc: _Rejected) -> None:
        """A 401/403 stops the run in one line: every other request would be refused too."""
        if exc.status in (401, 403):
            raise ApiAuthError(
                f"the qualification API at {self.base_url} refused our credentials ({exc}). "
                "Set API_TOKEN (a bearer token) or API_HEADERS (e.g. an API-key header), in "
                "the environment or [scoring] of .dlt/secrets.toml."
            ) from None

    # --- transport --------------------------------------------------------------------

    async def _call(
        self, method: str, path: str, *, payload: bytes | None = None, model: str | None = None
    ) -> Any:
        attempt = 0
        while True:
            try:
                return await self._send(method, path, payload=payload, model=model)
            except _Retryable as exc:
                attempt += 1
                if self.policy.gives_up(attempt):
                    raise
                self.retries += 1
                await asyncio.sleep(self.policy.delay(attempt, retry_after=exc.retry_after))

    async def _send(
        self, method: str, path: str, *, payload: bytes | None, model: str | None
    ) -> Any:
        await self.limiter.wait()
        params = {"model": model} if model else None
        self.requests += 1
        try:
            response = await self._http.request(method, path, content=payload, params=params)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timeout: {type(exc).__name__} on {method} {path}") from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"{type(exc).__name__} on {method} {path}: {exc}") from exc
        status = response.status_code
        if retryable_status(status):
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            raise _Retryable(
                f"HTTP {status} on {method} {path}: {_detail(response)}",
                retry_after=retry_after if status in (429, 503) else None,
            )
        if status >= 400:
            raise _Rejected(status, f"HTTP {status} on {method} {path}: {_detail(response)}")
        try:
            return loads(response.content)
        except ValueError as exc:
            raise _Rejected(status, f"invalid JSON from {method} {path}") from exc


def encode(item: dict[str, Any]) -> bytes:
    """One request item as the JSON bytes ``qualify_many`` sends (nulls may be left out)."""
    return dumps(item)


def _detail(response: httpx.Response) -> str:
    try:
        detail = loads(response.content).get("detail", "")
    except (ValueError, AttributeError):
        detail = response.text
    if isinstance(detail, list):  # FastAPI validation errors: name the fields
        detail = "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('msg', '')}"
            for d in detail
            if isinstance(d, dict)
        )
    return str(detail)[:300] or response.reason_phrase


_CONFIDENCE = frozenset({"HIGH", "CONFIDENT", "UNCERTAIN", "LOW"})


def _item_error(result: dict[str, Any]) -> Failure:
    """A batch item the service refused alone (``{"error": {"status", "detail"}}``)."""
    error = result["error"] if isinstance(result["error"], dict) else {}
    detail = error.get("detail", "")
    if isinstance(detail, list):  # validation errors: name the fields
        detail = "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('msg', '')}"
            for d in detail
            if isinstance(d, dict)
        )
    return Failure(f"HTTP {error.get('status', 422)} for this item: {str(detail)[:300]}")


def _checked(result: Any) -> dict[str, Any] | Failure:
    """The result if it follows the contract's response shape, else a Failure saying why."""
    if isinstance(result, dict) and "error" in result and "score" not in result:
        return _item_error(result)
    try:
        score, qualified = result["score"], result["is_qualified"]
        level, reasoning = result["confidence"], result.get("reasoning")
    except (TypeError, KeyError, AttributeError) as exc:
        return Failure(f"contract: result lacks {exc}")
    # type() checks: this runs once per result, and bool is not a score.
    if type(score) not in (float, int) or not 0 <= score <= 1:
        return Failure(f"contract: score {score!r} is not a number in 0..1")
    if type(qualified) is not bool:
        return Failure("contract: is_qualified is not a boolean")
    if level not in _CONFIDENCE:
        return Failure(f"contract: confidence {level!r} is not allowed")
    if reasoning is not None and type(reasoning) is not str:
        return Failure("contract: reasoning is not text")
    return result
