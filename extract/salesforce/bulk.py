"""Bulk API 2.0 queries: one job per object read, its CSV results straight into Arrow.

The calls (DESIGN.md's REST facts hold for them too: errors, re-authentication, limits):

- ``POST /services/data/vNN.N/jobs/query`` with ``{"operation": "query" | "queryAll",
  "query": SOQL, "contentType": "CSV"}`` creates a job (state ``UploadComplete``);
- ``GET .../jobs/query/<id>`` is polled, with a growing pause, until ``JobComplete``;
  ``Failed`` and ``Aborted`` stop with ``BulkJobError`` naming the job id, and a job still
  running after ``timeout_seconds`` is aborted (``PATCH {"state": "Aborted"}``) and reported;
- ``GET .../jobs/query/<id>/resultPages`` (API 58+) lists up to five result URLs at a
  time: ``in_flight`` of them download at once, and their tables are yielded in order;
  with ``in_flight=1``, or where ``resultPages`` is unknown (404), results are read one
  after another with ``GET .../results?locator=L&maxRecords=N`` and the ``Sforce-Locator``
  header (``null`` after the last page).

Each page is CSV: a header of API field names, values quoted where needed, embedded
newlines inside quotes, and null as an empty value. Salesforce stores no empty strings, so
empty and null are one thing here, as in Data Export files: ``strings_to_table`` reads both
as null. ``Sforce-NumberOfRecords`` must match the rows parsed, else the page was cut short
and is downloaded again (a locator stays valid while the job exists).

Results come in no particular order (Bulk queries take no ``ORDER BY``): the source rewinds
the object's cursor if reading stops midway (see ``extract.salesforce.source``).
"""

from __future__ import annotations

import io
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import httpx
import pyarrow as pa
import pyarrow.csv as pacsv

from extract.errors import BulkJobError, ExtractError, QueryError, ResponseError
from extract.salesforce.arrow import strings_to_table
from extract.salesforce.client import SalesforceClient
from extract.salesforce.objects import FieldType, SObject

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class BulkSettings:
    """How Bulk jobs are run: polling, patience, page size and parallel downloads."""

    #: First pause between job polls; each next pause is 1.5x longer, up to ``poll_max``.
    poll_first: float = 0.25
    poll_max: float = 5.0
    #: A job not complete after this long is aborted and reported.
    timeout_seconds: float = 3600.0
    #: ``maxRecords`` per result page when pages are read one after another.
    max_records: int = 100_000
    #: Result pages downloading at once (``resultPages`` lists five at a time); 1 reads
    #: locator after locator.
    in_flight: int = 5


class BulkClient:
    """Runs Bulk API 2.0 query jobs through a ``SalesforceClient`` (its auth, retries and
    request count). Reuse one instance for a whole extraction."""

    def __init__(self, client: SalesforceClient, settings: BulkSettings | None = None) -> None:
        self.client = client
        self.settings = settings or BulkSettings()
        self.jobs = 0
        self._prepared: dict[str, Future[str]] = {}
        self._pool = ThreadPoolExecutor(
            max_workers=max(self.settings.in_flight, 1), thread_name_prefix="sf-bulk"
        )

    def close(self) -> None:
        """Stop the download threads."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def base(self) -> str:
        return f"/services/data/v{self.client.api_version}/jobs/query"

    # -- public ---------------------------------------------------------------------------

    def query_tables(
        self,
        obj: SObject,
        soql: str,
        *,
        fields: Mapping[str, FieldType],
        include_deleted: bool = False,
    ) -> Iterator[pa.Table]:
        """Yield the typed tables of ``soql``'s results, one per result page."""
        job = self._prepared_job(soql) or self._create(soql, include_deleted=include_deleted)
        self._wait(job, obj=obj)
        for table in self._results(job, obj=obj, fields=fields):
            if table.num_rows:  # as REST: an empty result yields nothing
                yield table

    def run_all(self, function: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``function`` over ``items`` on the download threads (small calls side by side)."""
        return list(self._pool.map(function, items))

    def prepare(self, soql: str, *, include_deleted: bool = False) -> None:
        """Create the job for ``soql`` now (in the background), for ``query_tables`` to
        use later: jobs created together run side by side in Salesforce."""
        if not self.client.auth.access_token:  # once here, not once per thread
            self.client.auth.authenticate()
        self._prepared[soql] = self._pool.submit(
            self._create, soql, include_deleted=include_deleted
        )

    def _prepared_job(self, soql: str) -> str | None:
        future = self._prepared.pop(soql, None)
        if future is None:
            return None
        try:
            return future.result()
        except ExtractError as exc:  # asked again by the caller, who gets the error
            log.debug("A prepared Bulk job could not be created: %s", exc)
            return None

    # -- the job --------------------------------------------------------------------------

    def _create(self, soql: str, *, include_deleted: bool) -> str:
        body = {
            "operation": "queryAll" if include_deleted else "query",
            "query": soql,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        info = self.client.call("POST", self.base, json=body, what=soql)
        self.jobs += 1
        job = str(info.get("id", ""))
        if not job:
            raise ResponseError(f"Salesforce created a Bulk query job without an id: {info}")
        log.debug("Bulk query job %s created: %s", job, soql)
        return job

    def _wait(self, job: str, *, obj: SObject) -> None:
        started = time.monotonic()
        pause = self.settings.poll_first
        while True:
            info = self.client.call("GET", f"{self.base}/{job}", what=f"Bulk job {job}")
            state = info.get("state")
            if state == "JobComplete":
                return
            if state in ("Failed", "Aborted"):
                reason = info.get("errorMessage") or "no reason given"
                raise BulkJobError(
                    f"The Bulk API query job {job} reading {obj.name} ended {state} "
                    f"({reason}). What was loaded is kept; rerun the same command, or use "
                    "SF_API=rest for this org.",
                    job_id=job,
                )
            waited = time.monotonic() - started
            if waited > self.settings.timeout_seconds:
                self._abort(job)
                raise BulkJobError(
                    f"The Bulk API query job {job} reading {obj.name} was still {state} "
                    f"after {waited:.0f}s, so it was aborted. Rerun later (a busy org "
                    "queues Bulk jobs), raise SF_BULK_TIMEOUT, or use SF_API=rest.",
                    job_id=job,
                )
            time.sleep(pause)
            pause = min(pause * 1.5, self.settings.poll_max)

    def _abort(self, job: str) -> None:
        try:
            self.client.call(
                "PATCH", f"{self.base}/{job}", json={"state": "Aborted"}, what=f"Bulk job {job}"
            )
        except QueryError as exc:  # already finished: nothing to abort
            log.info("Bulk job %s could not be aborted: %s", job, exc)

    # -- results --------------------------------------------------------------------------

    def _results(
        self, job: str, *, obj: SObject, fields: Mapping[str, FieldType]
    ) -> Iterator[pa.Table]:
        def fetch(url: str, params: dict | None = None) -> tuple[pa.Table, str]:
            return self.client.call(
                "GET",
                url,
                params=params,
                parse=lambda response: _page(response, obj=obj, fields=fields, job=job),
                what=f"results of Bulk job {job}",
            )

        urls = self._result_urls(job) if self.settings.in_flight > 1 else None
        if urls is None:
            yield from self._by_locator(job, fetch)
            return
        pending: deque[Future] = deque()
        try:
            for url in urls:
                pending.append(self._pool.submit(fetch, url))
                if len(pending) >= self.settings.in_flight:
                    yield pending.popleft().result()[0]
            while pending:
                yield pending.popleft().result()[0]
        finally:
            for future in pending:
                future.cancel()

    def _by_locator(self, job: str, fetch) -> Iterator[pa.Table]:
        locator = ""
        while True:
            params = {"maxRecords": self.settings.max_records}
            if locator:
                params["locator"] = locator
            table, locator = fetch(f"{self.base}/{job}/results", params)
            yield table
            if not locator or locator == "null":
                return

    def _result_urls(self, job: str) -> Iterator[str] | None:
        """The result URLs from ``resultPages``, or None where the org does not offer it."""
        try:
            first = self.client.call("GET", f"{self.base}/{job}/resultPages", what="resultPages")
        except QueryError as exc:
            if exc.code != "NOT_FOUND":
                raise
            return None

        def walk() -> Iterator[str]:
            listing = first
            while True:
                for page in listing.get("resultPages") or []:
                    yield page["resultUrl"]
                following = listing.get("nextRecordsUrl")
                if listing.get("done", True) or not following:
                    return
                listing = self.client.call("GET", following, what="resultPages")

        return walk()


def _page(
    response: httpx.Response, *, obj: SObject, fields: Mapping[str, FieldType], job: str
) -> tuple[pa.Table, str]:
    """One result page as a typed table, and the next locator (``null`` at the end)."""
    declared = response.headers.get("Sforce-NumberOfRecords")
    content = response.content
    if content.strip():
        try:
            read = pacsv.read_csv(
                io.BytesIO(content),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(fields, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            raise ResponseError(
                f"A result page of Bulk job {job} ({obj.name}) is not readable CSV "
                f"({len(content)} bytes: {str(exc).splitlines()[0]})."
            ) from None
    else:
        read = pa.table({})
    if declared is not None and int(declared) != read.num_rows:
        raise ResponseError(
            f"A result page of Bulk job {job} ({obj.name}) holds {read.num_rows} records "
            f"where Sforce-NumberOfRecords says {declared}: it was cut short."
        )
    columns = {name: read[name].combine_chunks() for name in read.column_names}
    if not columns:  # no header at all: an empty result
        columns = {"Id": pa.array([], pa.string())}
    return strings_to_table(obj, columns, fields=fields), response.headers.get(
        "Sforce-Locator", "null"
    )
