"""The scoring step: window -> domains -> qualification API -> ``scoring.qualifications``.

1. Resolve each requested model's (name, version) from the API (``/health``, else a probe).
2. Read the contacts to score from the dbt model ``marts.contacts_to_score`` (window,
   dedupe, ids, UTC and each sent field as it was when the contact arrived are dbt's), and
   what is already scored for (contact, model, model_version, as_of), in one short-lived
   connection.
3. Derive each contact's business domain and build the request item: only what was
   knowable when the contact arrived (``SENT_FIELDS``; nothing from opportunities, not
   ``Account.Type``). Each row records ``input_point_in_time`` from the model.
4. Send the missing (contact, model) pairs in batches, ``concurrency`` in flight, and hand
   each batch's rows to the writer (whole batches per transaction, see
   ``scoring.warehouse``). Contacts whose last row is an error are sent again and their
   row replaced.
5. Summarise per model; raise ``IncompleteRunError`` if error rows were left.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import itertools
import logging
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from plumbing.logs import log_path, setup_logging
from plumbing.warehouse import parquet_dir
from scoring.client import Failure, ModelRef, QualificationClient, RetryPolicy
from scoring.config import Settings
from scoring.contract import truncate_item
from scoring.domains import derive_domain
from scoring.errors import IncompleteRunError, WarehouseError
from scoring.jsonfast import dumps, dumps_kept
from scoring.progress import Progress
from scoring.server import reference_api
from scoring.warehouse import (
    Inputs,
    Writer,
    export_parquet,
    read_inputs,
    rows_table,
)

#: Request field -> where it comes from, each as of the contact's CreatedDate
#: (``marts.contacts_to_score``). Everything here is known when a contact arrives.
SENT_FIELDS: dict[str, str] = {
    "domain": "Contact.Email's domain, else Account.Website (normalised)",
    "company_name": "Account.Name",
    "website": "Account.Website",
    "industry": "Account.Industry",
    "employees": "Account.NumberOfEmployees",
    "annual_revenue": "Account.AnnualRevenue",
    "description": "Account.Description",
    "title": "Contact.Title",
    "email": "Contact.Email",
    "lead_source": "Contact.LeadSource",
}


class Prepared:
    """The contacts to score. Each contact's business domain and JSON request item are
    derived the first time a batch needs them, so the first request leaves while the rest
    are still being built, and are then kept for the other models.

    The request fields stay in Arrow (a batch's rows become Python values only when it is
    built), and once every model the plan sends a contact to has taken its item
    (``will_send``), the item is dropped: a 2,400,000-contact window is not held as Python
    objects twice over."""

    def __init__(self, contacts: pa.Table | dict[str, list[Any]]) -> None:
        table = contacts if isinstance(contacts, pa.Table) else pa.table(contacts)
        self._fields = table.select(list(_ITEM_KEYS))
        self.ids: list[str] = table.column("contact_id").to_pylist()
        n = len(self.ids)
        self.names: list[str] = [
            name or cid
            for name, cid in zip(table.column("contact_name").to_pylist(), self.ids, strict=True)
        ]
        self.point_in_time: list[str | None] = table.column("input_point_in_time").to_pylist()
        self.edited_after: list[str | None] = table.column("inputs_edited_after").to_pylist()
        self.mode: list[str | None] = table.column("point_in_time_mode").to_pylist()
        self.domains: list[str | None] = [None] * n
        self.sources: list[str | None] = [None] * n
        self.items: list[bytes | None] = [None] * n  # JSON, serialised once for every model
        #: Per contact, the request fields cut to the contract's length ("description"), or None.
        self.truncated: list[str | None] = [None] * n
        #: Per contact, how many more batches will take its item (None: keep every item).
        self._uses: list[int] | None = None

    def will_send(self, indices: Sequence[int]) -> None:
        """One model's plan sends these contacts: their items are dropped after the last."""
        if self._uses is None:
            self._uses = [0] * len(self.ids)
        uses = self._uses
        for i in indices:
            uses[i] += 1

    def items_for(self, indices: Sequence[int]) -> list[bytes]:
        """The request items of these contacts, deriving those not built yet."""
        items = self.items
        self._derive([i for i in indices if items[i] is None], keep=True)
        found = [items[i] for i in indices]
        uses = self._uses
        if uses is not None:
            for i in indices:
                uses[i] -= 1
                if uses[i] <= 0:
                    items[i] = None
        return found  # type: ignore[return-value]

    def derive_all(self) -> Prepared:
        """Build every contact's item (for summaries and tests)."""
        self.items_for(range(len(self.ids)))
        return self

    def no_domain(self) -> int:
        """Contacts without a business domain (deriving, not keeping, the items not built)."""
        self._derive([i for i, s in enumerate(self.sources) if s is None], keep=False)
        return sum(1 for s in self.sources if s == "none")

    def _derive(self, indices: list[int], *, keep: bool) -> None:
        if not indices:
            return
        rows = self._fields.take(pa.array(indices, type=pa.int64())).to_pylist()
        for i, values in zip(indices, rows, strict=True):
            item = {k: v for k, v in values.items() if v is not None}
            domain, domain_source = derive_domain(values["email"], values["website"])
            item["domain"] = domain
            self.truncated[i] = _truncate(item)
            if keep:
                self.items[i] = dumps_kept(item)
            self.domains[i] = domain
            self.sources[i] = domain_source


@dataclass
class ModelSummary:
    """What one run did for one model."""

    model: str
    version: str
    in_window: int = 0
    already_scored: int = 0
    sent: int = 0
    ok: int = 0
    qualified: int = 0
    errors: int = 0
    confidence: Counter[str] = field(default_factory=Counter)
    first_error: str | None = None
    #: Rows sent with text cut to the contract's maximum length (``inputs_truncated``).
    truncated: int = 0

    def line(self) -> str:
        """One summary line in the seed's voice."""
        rate = 100.0 * self.qualified / self.ok if self.ok else 0.0
        conf = ", ".join(f"{k} {v:,}" for k, v in sorted(self.confidence.items()))
        text = (
            f"📊 {self.model} {self.version}: {self.in_window:,} in window, "
            f"{self.already_scored:,} already scored, {self.sent:,} sent -> {self.ok:,} ok, "
            f"{self.qualified:,} qualified ({rate:.1f}%), {self.errors:,} errors"
        )
        text += f", {self.truncated:,} with inputs truncated" if self.truncated else ""
        return text + (f" | {conf}" if conf else "")


@dataclass
class RunSummary:
    """What one run did: per model, plus window facts."""

    as_of: dt.date
    days: int
    contacts: int
    no_domain: int
    models: list[ModelSummary]
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        """Error rows written by this run."""
        return sum(m.errors for m in self.models)

    @property
    def sent(self) -> int:
        """(contact, model) pairs sent to the API by this run."""
        return sum(m.sent for m in self.models)


_ITEM_KEYS = (
    "company_name",
    "website",
    "industry",
    "employees",
    "annual_revenue",
    "description",
    "title",
    "email",
    "lead_source",
)


def _truncate(item: dict[str, Any]) -> str | None:
    """Cut over-long text to the contract's limits; the cut fields, comma-separated."""
    cut = truncate_item(item)
    return ",".join(cut) if cut else None


def prepare(contacts: dict[str, list[Any]]) -> Prepared:
    """Derive domains and build one JSON request item per contact (nulls left out)."""
    return Prepared(contacts).derive_all()


def _clean_list(value: Any) -> str:
    """A ", "-joined list whose items never contain commas ('' when none)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = [value]
    try:
        text = ", ".join(value)
        if text.count(",") == len(value) - 1 and all(value):  # fast path: clean items
            return text
    except TypeError:
        pass
    return ", ".join(" ".join(str(v).replace(",", " ").split()) for v in value if v)


_MODEL_OUTPUTS = (
    "score is_qualified confidence industries use_cases enterprise_indicators reasoning "
    "business_signals"
).split()
_NULL_RESULT: dict[str, Any] = dict.fromkeys(_MODEL_OUTPUTS)


def _signals_json(value: Any) -> bytes | str:
    """business_signals as JSON text (bytes are stored as UTF-8 text by Arrow)."""
    if isinstance(value, str):
        return value
    return dumps(value if value is not None else {})


@dataclass
class _Batch:
    ref: ModelRef
    number: int
    of: int
    indices: list[int]
    replace: bool


def _batches(
    ref: ModelRef, missing: list[int], *, size: int, retry_ids: set[str], ids: list[str]
) -> Iterator[_Batch]:
    of = (len(missing) + size - 1) // size
    for n, start in enumerate(range(0, len(missing), size), start=1):
        chunk = missing[start : start + size]
        replace = bool(retry_ids) and any(ids[i] in retry_ids for i in chunk)
        yield _Batch(ref, n, of, chunk, replace)


def _interleave(streams: list[Iterator[_Batch]]) -> Iterator[_Batch]:
    """Batches of every model in turn. Models cost the API very different amounts (the
    baseline is several times cheaper to score than the model under test) but cost the
    client the same; alternating spreads the API's work evenly over the run instead of
    leaving the client idle during one model and the API idle during the other."""
    for group in itertools.zip_longest(*streams):
        yield from (batch for batch in group if batch is not None)


class _Run:
    """One run's state shared by the batch workers."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: QualificationClient,
        prepared: Prepared,
        writer: Writer,
        progress: Progress,
        summaries: dict[ModelRef, ModelSummary],
        logger: logging.Logger,
    ) -> None:
        self.settings = settings
        self.client = client
        self.p = prepared
        self.writer = writer
        self.progress = progress
        self.summaries = summaries
        self.logger = logger
        self.version_warned: set[tuple[str, str]] = set()

    async def worker(self, jobs: Iterator[_Batch]) -> None:
        for batch in jobs:  # workers share one iterator: each batch is taken once
            await self.score(batch)

    async def score(self, batch: _Batch) -> None:
        head = (
            f"📊 Processing batch {batch.number}/{batch.of} "
            f"({len(batch.indices)} contacts) [{batch.ref.name}]"
        )
        self.logger.info(head)
        if self.settings.verbose:
            self.progress.echo(head)
        items = self.p.items_for(batch.indices)
        results = await self.client.qualify_many(batch.ref, items)
        table, qualified, errors = self.rows(batch, results)
        self.writer.submit(table, replace=batch.replace)
        n = len(batch.indices)
        pct = 100.0 * qualified / n if n else 0.0
        tail = f"📊 Batch {batch.number} complete: {qualified}/{n} qualified ({pct:.1f}%)"
        tail += f", {errors} errors [{batch.ref.name}]" if errors else f" [{batch.ref.name}]"
        self.logger.info(tail)
        if self.settings.verbose:
            self.verbose_lines(batch, results)
            self.progress.echo(tail)
        self.progress.advance(n, qualified=qualified, errors=errors, model=batch.ref.name)

    def rows(
        self, batch: _Batch, results: list[dict[str, Any] | Failure]
    ) -> tuple[pa.Table, int, int]:
        """The batch's rows as an Arrow table, with its qualified and error counts.

        Built column by column with comprehensions: this runs for every row of the run.
        """
        summary = self.summaries[batch.ref]
        failed = [i for i, r in enumerate(results) if isinstance(r, Failure)]
        good: list[dict[str, Any]] = results  # type: ignore[assignment]
        if failed:
            good = [_NULL_RESULT if isinstance(r, Failure) else r for r in results]
        ids, domains, sources = self.p.ids, self.p.domains, self.p.sources
        is_qualified = [r["is_qualified"] for r in good]
        confidence = [r["confidence"] for r in good]
        cols: dict[str, list[Any]] = {
            "contact_id": [ids[i] for i in batch.indices],
            "model_version": self._versions(batch.ref, good),
            "domain": [domains[i] for i in batch.indices],
            "domain_source": [sources[i] for i in batch.indices],
            "score": [r["score"] for r in good],
            "is_qualified": is_qualified,
            "confidence": confidence,
            "industries": [_clean_list(r.get("industries")) for r in good],
            "use_cases": [_clean_list(r.get("use_cases")) for r in good],
            "enterprise_indicators": [_clean_list(r.get("enterprise_indicators")) for r in good],
            "reasoning": [r.get("reasoning") or "" for r in good],
            "business_signals": [_signals_json(r.get("business_signals")) for r in good],
            "status": ["ok"] * len(good),
            "error": [None] * len(good),
            "input_point_in_time": [self.p.point_in_time[i] for i in batch.indices],
            "inputs_edited_after": [self.p.edited_after[i] for i in batch.indices],
            "point_in_time_mode": [self.p.mode[i] for i in batch.indices],
            "inputs_truncated": [self.p.truncated[i] for i in batch.indices],
        }
        for i in failed:
            message = results[i].message  # type: ignore[union-attr]
            summary.first_error = summary.first_error or message
            for key in _MODEL_OUTPUTS:
                cols[key][i] = None
            cols["model_version"][i] = batch.ref.version
            cols["status"][i] = "error"
            cols["error"][i] = message
        qualified = is_qualified.count(True)
        errors = len(failed)
        summary.confidence.update(c for c in confidence if c is not None)
        summary.sent += len(good)
        summary.ok += len(good) - errors
        summary.qualified += qualified
        summary.errors += errors
        truncated = sum(1 for value in cols["inputs_truncated"] if value)
        summary.truncated += truncated
        if truncated:
            self.progress.count_truncated(batch.ref.name, truncated)
        constants = {
            "model": batch.ref.name,
            "as_of": self.settings.as_of,
            "scored_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        }
        return rows_table(cols, constants=constants), qualified, errors

    def _versions(self, ref: ModelRef, results: list[dict[str, Any]]) -> list[str]:
        versions = [r.get("model_version") or ref.version for r in results]
        for version in set(versions) - {ref.version}:
            self._version(ref, {"model_version": version})
        return [v if isinstance(v, str) else str(v) for v in versions]

    def _version(self, ref: ModelRef, result: dict[str, Any]) -> str:
        version = str(result.get("model_version") or ref.version)
        if version != ref.version and (ref.name, version) not in self.version_warned:
            self.version_warned.add((ref.name, version))
            message = (
                f"model {ref.name} answered as version {version}, but {self.client.base_url}"
                f"/health said {ref.version}: its rows are stored under {version}"
            )
            self.logger.warning(message)
            self.progress.warn(f"⚠️  {message}")
        return version

    def verbose_lines(self, batch: _Batch, results: list[dict[str, Any] | Failure]) -> None:
        """The seed's per-contact lines."""
        for i, result in zip(batch.indices, results, strict=True):
            lines = [f"🧠 Scoring {self.p.names[i]} @ {self.p.domains[i] or '(no domain)'}"]
            if isinstance(result, Failure):
                lines.append(f"   ⚠️ ERROR | {result.message}")
            else:
                mark = "✅ QUALIFIED" if result["is_qualified"] else "❌ NOT QUALIFIED"
                lines.append(
                    f"   📊 {mark} | {100 * float(result['score']):.1f}% | "
                    f"{result['confidence']} CONFIDENCE"
                )
                context = [
                    _clean_list(result.get(k))
                    for k in ("industries", "use_cases", "enterprise_indicators")
                ]
                lines.append(
                    f"   🔍 BUSINESS CONTEXT: {', '.join(c for c in context if c) or 'none'}"
                )
            for line in lines:
                self.logger.info(line)
                self.progress.echo(line)


@contextmanager
def api_endpoint(settings: Settings) -> Iterator[str]:
    """The API URL to use: the configured one, or a reference API started for this run."""
    if settings.api_url:
        yield settings.api_url
        return
    log_file = log_path(settings.db, "score-api")
    with reference_api(log_file=log_file) as url:
        yield url


def run(settings: Settings) -> RunSummary:
    """Run the scoring step (blocking). Raises ScoringError subclasses on failure."""
    if not settings.db.exists():
        raise WarehouseError(f"warehouse {settings.db} does not exist: run `make extract` first")
    logger = setup_logging("scoring", log_path(settings.db, "score"), buffered=True)
    logger.info(
        "scoring run: db=%s as_of=%s days=%s models=%s api=%s",
        settings.db,
        settings.as_of,
        settings.days,
        ",".join(settings.models),
        settings.api_url or "(reference, started here)",
    )
    with api_endpoint(settings) as url:
        summary = asyncio.run(_run(settings, url, logger))
    if os.environ.get("BACKTEST_TARGET", "").strip().lower() == "spark":
        copied = export_parquet(settings.db, parquet_dir())
        logger.info("qualifications copied for Spark to %s", copied)
    return summary


async def _run(settings: Settings, url: str, logger: logging.Logger) -> RunSummary:
    loop_start = asyncio.get_running_loop().time()
    policy = RetryPolicy(retries=settings.retries, backoff=settings.backoff)
    async with QualificationClient(
        url,
        timeout=settings.timeout,
        concurrency=settings.concurrency,
        rate=settings.rate,
        policy=policy,
        auth=settings.auth,
    ) as client:
        refs = await client.resolve_models(settings.models)
        inputs = read_inputs(
            settings.db,
            as_of=settings.as_of,
            days=settings.days,
            models=[(r.name, r.version) for r in refs],
        )
        prepared = Prepared(inputs.table)
        summary = _plan_summary(settings, refs, inputs=inputs, prepared=prepared)
        plan = _plan(settings, refs, inputs=inputs, prepared=prepared)
        del inputs
        with _quiet_gc():
            await _execute(
                settings, client, prepared=prepared, plan=plan, summary=summary, logger=logger
            )
        summary.no_domain = prepared.no_domain()
    summary.seconds = asyncio.get_running_loop().time() - loop_start
    for model in summary.models:
        logger.info(model.line())
    for handler in logger.handlers:
        handler.flush()
    logger.info(
        "scoring done in %.1f s; %s requests, %s retries",
        summary.seconds,
        client.requests,
        client.retries,
    )
    return summary


def _plan_summary(
    settings: Settings, refs: list[ModelRef], *, inputs: Inputs, prepared: Prepared
) -> RunSummary:
    models = []
    for ref in refs:
        done = inputs.ok[ref.name, ref.version]
        m = ModelSummary(ref.name, ref.version, in_window=len(prepared.ids))
        m.already_scored = sum(1 for cid in prepared.ids if cid in done)
        models.append(m)
    return RunSummary(settings.as_of, settings.days, len(prepared.ids), 0, models)


def _plan(
    settings: Settings, refs: list[ModelRef], *, inputs: Inputs, prepared: Prepared
) -> list[tuple[ModelRef, list[int], set[str]]]:
    """Per model: the contacts (indices) to send, and the ids whose error rows they replace."""
    plan = []
    for ref in refs:
        done = inputs.ok[ref.name, ref.version]
        missing = [i for i, cid in enumerate(prepared.ids) if cid not in done]
        if settings.limit is not None:
            missing = missing[: settings.limit]
        prepared.will_send(missing)
        plan.append((ref, missing, inputs.errors[ref.name, ref.version]))
    return plan


async def _execute(
    settings: Settings,
    client: QualificationClient,
    *,
    prepared: Prepared,
    plan: list[tuple[ModelRef, list[int], set[str]]],
    summary: RunSummary,
    logger: logging.Logger,
) -> None:
    size = min(settings.batch_size, client.max_batch or settings.batch_size)
    total = sum(len(missing) for _, missing, _ in plan)
    progress = Progress(
        total,
        db_path=settings.db,
        meta={
            "as_of": settings.as_of.isoformat(),
            "days": settings.days,
            "models": [ref.name for ref, _, _ in plan],
            "contacts_in_window": summary.contacts,
            "already_scored": sum(m.already_scored for m in summary.models),
            "db": str(settings.db),
        },
        enabled=settings.progress,
    )
    jobs = _interleave(
        [
            _batches(ref, missing, size=size, retry_ids=retry_ids, ids=prepared.ids)
            for ref, missing, retry_ids in plan
        ]
    )
    writer = Writer(settings.db)
    run = _Run(
        settings,
        client=client,
        prepared=prepared,
        writer=writer,
        progress=progress,
        summaries={ref: m for (ref, _, _), m in zip(plan, summary.models, strict=True)},
        logger=logger,
    )
    status = "failed"
    try:
        try:
            async with asyncio.TaskGroup() as group:  # one failure cancels the other workers
                for _ in range(max(settings.concurrency, 1)):
                    group.create_task(run.worker(jobs))
        except ExceptionGroup as errors:
            raise errors.exceptions[0] from None
        await asyncio.to_thread(writer.close)
        status = "done"
    finally:
        if status != "done":
            await asyncio.to_thread(_close_quietly, writer)
        progress.finish(status=status)


@contextmanager
def _quiet_gc() -> Iterator[None]:
    """Keep the window's contacts out of the cyclic GC's scans while batches stream.

    The contacts read from DuckDB (a tuple each) live for the whole run; frozen, the
    collector stops rescanning them after every few thousand allocations (measured: result
    parsing took 3x longer without). The collector itself stays on: httpx responses form
    reference cycles, and turning it off kept every response body alive (+400 MB).
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _close_quietly(writer: Writer) -> None:
    try:
        writer.close()
    except WarehouseError:
        pass


def check_complete(summary: RunSummary) -> None:
    """Raise IncompleteRunError if the run left error rows (a rerun retries them)."""
    if summary.errors:
        first = next((m.first_error for m in summary.models if m.first_error), "")
        raise IncompleteRunError(
            f"{summary.errors:,} of {summary.sent:,} qualifications failed (first: {first}); "
            "they are stored as error rows: rerun to retry them"
        )
