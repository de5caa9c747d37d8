"""The reference qualification API: an ASGI app that speaks the contract in DESIGN.md.

Endpoints: ``GET /health``, ``POST /qualify``, ``POST /qualify/batch`` (``?model=`` picks
``business_context`` (default) or ``demographic``), plus FastAPI's ``/openapi.json`` and
``/docs``. Bad input gets 422 naming the field, never a 500 and never echoing the input
back: text over the contract's limits (``scoring.contract``), NaN or Infinity, integers
beyond 64 bits, text that is not valid Unicode (lone surrogates). In a batch a bad item
fails alone: its place in ``results`` holds ``{"error": {"status": 422, "detail": [...]}}``
and the other items are scored. A batch over ``max_batch`` items, or a body over
``max_body_bytes`` (by Content-Length, or counted as a chunked body arrives), gets 413.

Serve it with ``python -m scoring.api --host 127.0.0.1 --port 8080``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import threading
import time
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.types import ASGIApp, Receive, Scope, Send

from scoring.auth import TokenRequired
from scoring.contract import MAX_AMOUNT, MAX_INT, MAX_LENGTHS
from scoring.jsonfast import dumps
from scoring.models import DEFAULT_MODEL, MODELS

DEFAULT_MAX_BATCH = 2000
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024

ModelName = Literal["business_context", "demographic"]
ModelQuery = Annotated[
    ModelName, Query(description="Which model scores the items (default business_context).")
]
Confidence = Literal["HIGH", "CONFIDENT", "UNCERTAIN", "LOW"]


class QualifyRequest(BaseModel):
    """What is known about one contact when it arrived. Only ``domain`` is required (nullable)."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    domain: str | None = Field(
        max_length=MAX_LENGTHS["domain"],
        description="Business domain (null when none could be derived).",
    )
    company_name: str | None = Field(None, max_length=MAX_LENGTHS["company_name"])
    website: str | None = Field(None, max_length=MAX_LENGTHS["website"])
    industry: str | None = Field(
        None, max_length=MAX_LENGTHS["industry"], description="Account.Industry picklist"
    )
    employees: int | None = Field(None, ge=0, le=MAX_INT, description="Account.NumberOfEmployees")
    annual_revenue: float | None = Field(
        None, ge=0, le=MAX_AMOUNT, description="Account.AnnualRevenue"
    )
    description: str | None = Field(None, max_length=MAX_LENGTHS["description"])
    title: str | None = Field(None, max_length=MAX_LENGTHS["title"])
    email: str | None = Field(None, max_length=MAX_LENGTHS["email"])
    lead_source: str | None = Field(None, max_length=MAX_LENGTHS["lead_source"])

    @field_validator(*MAX_LENGTHS, mode="after")
    @classmethod
    def _valid_unicode(cls, value: str | None) -> str | None:
        # JSON may carry "\ud800" (a lone surrogate): Python accepts it, UTF-8 cannot hold it.
        if value is not None and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("text is not valid Unicode (a lone surrogate)") from None
        return value


class QualifyResponse(BaseModel):
    """One model's qualification of one contact."""

    score: float = Field(ge=0, le=1)
    is_qualified: bool
    confidence: Confidence
    industries: list[str]
    use_cases: list[str]
    enterprise_indicators: list[str]
    reasoning: str
    business_signals: dict[str, Any]
    model: str
    model_version: str


class BatchRequest(BaseModel):
    """Several items, scored in order."""

    items: list[QualifyRequest]


class BatchResponse(BaseModel):
    """Results in the same order as the request's items."""

    results: list[QualifyResponse]


class ModelInfo(BaseModel):
    """A model this service serves."""

    name: str
    version: str
    description: str


class Health(BaseModel):
    """Liveness, the models served and the largest batch accepted."""

    status: Literal["ok"]
    models: list[ModelInfo]
    max_batch: int


def _json(payload: Any) -> Response:
    # Results are plain dicts built by the models: serialise them directly, skipping a
    # second validation pass of every result (the shape is pinned by the contract tests).
    return Response(content=dumps(payload), media_type="application/json")


class BodyLimit:
    """ASGI middleware: 413 for a request body larger than ``max_bytes``, by Content-Length
    or, for a body without one (chunked), counted as it arrives before the app sees it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length and length.isdigit():
            if int(length) > self.max_bytes:
                await self._refuse(f"request body of {int(length)} bytes", scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse("a chunked request body", scope, receive, send)
                return
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay() -> Any:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, what: str, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"{what} exceeds {self.max_bytes} bytes"
        await Response(dumps({"detail": detail}), 413, media_type="application/json")(
            scope, receive, send
        )


def _public(errors: Any, *, prefix: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Validation errors as the API answers them: where and why, never the input itself
    (pydantic's ``input`` and ``ctx`` would echo the caller's data back)."""
    return [
        {"loc": [*prefix, *error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in errors
    ]


class _RawBatch(BaseModel):
    """The batch envelope only; each item is checked on its own."""

    items: list[Any]


def parse_batch(body: bytes) -> list[QualifyRequest | dict[str, Any]]:
    """A batch's items from raw JSON bytes: each a request, or the error of that item alone.

    The whole batch is parsed by pydantic-core straight from bytes (a third less time for
    a 1,000-item batch than FastAPI's ``json.loads`` then validation). Only when that fails
    are the items parsed with Python's JSON (which reads NaN, huge integers and lone
    surrogates, so that the item holding one is named) and validated one by one. A body
    that is not a JSON object with a list of items is a 422 for the whole request.
    """
    try:
        return list(BatchRequest.model_validate_json(body).items)
    except ValidationError:
        pass
    try:
        raw = _RawBatch.model_validate(json.loads(body))
    except ValidationError as exc:
        raise RequestValidationError(_public(exc.errors(), prefix=("body",))) from None
    except ValueError:  # not JSON, not UTF-8, or an integer too long to read
        raise RequestValidationError(
            [{"loc": ["body"], "msg": "the body is not valid JSON", "type": "json_invalid"}]
        ) from None
    items: list[QualifyRequest | dict[str, Any]] = []
    for i, item in enumerate(raw.items):
        try:
            items.append(QualifyRequest.model_validate(item))
        except ValidationError as exc:
            detail = _public(exc.errors(), prefix=("body", "items", i))
            items.append({"error": {"status": 422, "detail": detail}})
    return items


def _openapi_with_batch_request(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, plus BatchRequest (the batch endpoint parses its body itself)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        extra = BatchRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(extra.pop("$defs", {}))
        components["BatchRequest"] = extra
        app.openapi_schema = schema
    return app.openapi_schema


def create_app(*, max_batch: int | None = None, max_body_bytes: int | None = None) -> FastAPI:
    """The reference API. Limits default to env ``SCORING_API_MAX_BATCH`` / ``..._MAX_BODY``."""
    max_batch = max_batch or int(os.environ.get("SCORING_API_MAX_BATCH", DEFAULT_MAX_BATCH))
    max_body = max_body_bytes or int(os.environ.get("SCORING_API_MAX_BODY", DEFAULT_MAX_BODY_BYTES))
    app = FastAPI(
        title="Lead qualification API (reference)",
        version="1.0",
        description=__doc__,
    )
    app.add_middleware(BodyLimit, max_bytes=max_body)
    token = os.environ.get("API_TOKEN") or os.environ.get("BACKTEST_API_TOKEN")
    if token:  # `make api API_TOKEN=...`: every request must carry it (scoring.auth)
        app.add_middleware(TokenRequired, token=token)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> Response:
        """422 naming the fields, without echoing the input."""
        return Response(
            dumps({"detail": _public(exc.errors())}), 422, media_type="application/json"
        )

    @app.get("/health", response_model=Health)
    async def health() -> Response:
        """Liveness and the models served."""
        models = [
            {"name": m.name, "version": m.version, "description": m.description}
            for m in MODELS.values()
        ]
        return _json({"status": "ok", "models": models, "max_batch": max_batch})

    @app.post("/qualify", response_model=QualifyResponse)
    async def qualify(item: QualifyRequest, model: ModelQuery = DEFAULT_MODEL) -> Response:
        """Score one contact."""
        return _json(MODELS[model].qualify(item.__dict__))

    @app.post(
        "/qualify/batch",
        response_model=BatchResponse,
        responses={413: {"description": f"More than {max_batch} items, or too large a body."}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/BatchRequest"}}
                },
            }
        },
    )
    async def qualify_batch(request: Request, model: ModelQuery = DEFAULT_MODEL) -> Response:
        """Score several contacts; results come back in the order of the items."""
        items = parse_batch(await request.body())
        if len(items) > max_batch:
            raise HTTPException(
                status_code=413,
                detail=f"batch of {len(items)} items exceeds the limit of {max_batch}; "
                "split it into smaller batches",
            )
        qualify = MODELS[model].qualify
        return _json(
            {
                "results": [
                    item if isinstance(item, dict) else qualify(item.__dict__) for item in items
                ]
            }
        )

    app.openapi = lambda: _openapi_with_batch_request(app)  # type: ignore[method-assign]
    return app


app = create_app()


def main(argv: list[str] | None = None) -> None:
    """``python -m scoring.api``: serve the reference API with uvicorn."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m scoring.api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--max-batch", type=int, default=DEFAULT_MAX_BATCH)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument(
        "--parent-pid", type=int, help="exit when this process (the one that started us) dies"
    )
    args = parser.parse_args(argv)
    tune_gc()
    if args.parent_pid:
        _exit_with_parent(args.parent_pid)
    os.environ["SCORING_API_MAX_BATCH"] = str(args.max_batch)
    uvicorn.run(
        "scoring.api:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=not args.no_access_log,
    )


def tune_gc() -> None:
    """Make cyclic garbage collections rarer in the server process.

    Each batch allocates tens of thousands of short-lived containers; with the default
    thresholds the collector runs every 700 allocations and rescans the long-lived heap
    (FastAPI, pydantic schemas, the models' caches) far too often: measured about a third
    of the server's time. Request handling frees its objects by reference counting.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _exit_with_parent(parent_pid: int) -> None:
    """Stop (SIGTERM to ourselves) once the parent is gone, even if it died by kill -9."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    main()
