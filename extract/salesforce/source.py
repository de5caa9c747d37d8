"""dlt sources for Salesforce: the live API (REST or Bulk API 2.0) and a Data Export folder.

Both yield one pyarrow table per API page (or CSV chunk) into ``merge`` resources keyed on
``id`` with an incremental cursor on ``system_modstamp``. The cursor uses ``>=``: a strict
``>`` would lose records that share the last timestamp; dlt drops the boundary rows it has
already seen, and the merge keeps one row per id (the newest ``SystemModstamp``).

A failure while a resource is reading (API limit, network gone after retries, a bad record)
ends that resource cleanly so that everything read before it is loaded; the error is kept
in ``Interruption`` and raised by the pipeline after the load. REST records arrive ordered
by ``SystemModstamp``, so the cursor advances to the last one read and the next run resumes
exactly there. Bulk API results come in no order: there the cursor is rewound to where the
read started, and the next run reads the object again from there (the merge keeps one row
per id, so nothing is lost or doubled).

Which API reads an object (``api``): ``rest``, ``bulk``, or ``auto``: before loading, a
``SELECT COUNT() FROM X WHERE <cursor> >= <last value>`` per object (asked side by side)
says how many records each read holds; above ``bulk_threshold`` the object is read with a
Bulk job, below it with REST. Incremental reads of a big object that changed little
therefore stay on REST. Bulk jobs are created up front, so that Salesforce runs them side
by side while the first objects load. Where a count fails, the REST query's first page
decides instead (its ``totalSize``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import dlt
import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema

from extract.errors import (
    ApiLimitError,
    AuthError,
    ExtractError,
    QueryError,
    QueryLocatorError,
    TransportError,
)
from extract.salesforce.arrow import arrow_schema, records_to_table
from extract.salesforce.bulk import BulkClient
from extract.salesforce.client import SalesforceClient
from extract.salesforce.export import ExportFile, read_export_tables
from extract.salesforce.objects import OBJECTS, SObject, column_name

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Progress = Callable[[str, int], None]
#: Which API reads the objects of a live org (``SF_API``).
APIS = ("auto", "rest", "bulk")
#: ``auto`` reads an object with Bulk above this many records (``SF_BULK_THRESHOLD``).
BULK_THRESHOLD = 100_000


@dataclass
class Reading:
    """How one resource's read goes: ``ordered`` is False once records come in no order
    (Bulk results), so that a stop rewinds the cursor instead of advancing it."""

    ordered: bool = True


Pages = Callable[[datetime, Reading], Iterator[pa.Table]]


@dataclass
class Interruption:
    """The first error that stopped a resource early (loaded data is kept)."""

    error: ExtractError | None = None

    def record(self, error: ExtractError) -> None:
        if self.error is None:
            self.error = error

    @property
    def stops_everything(self) -> bool:
        """Limits, auth and a failing network stop the other objects too (no point asking)."""
        return isinstance(self.error, ApiLimitError | AuthError | TransportError)


def column_hints(obj: SObject, extra: Sequence[str]) -> dict[str, TColumnSchema]:
    """dlt column hints: key, cursor ordering for the merge dedupe, nullability."""
    hints: dict[str, TColumnSchema] = {"id": {"name": "id", "primary_key": True}}
    hints[obj.cursor_column] = {"name": obj.cursor_column, "dedup_sort": "desc"}
    for name in obj.all_fields(extra):
        hints.setdefault(column_name(name), {"name": column_name(name)})
    return hints


def soql_datetime(value: datetime) -> str:
    """A SOQL datetime literal, truncated to the second (safe with ``>=``)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _resource(
    obj: SObject,
    extra: Sequence[str],
    pages: Pages,
    *,
    interruption: Interruption,
    progress: Progress | None,
    ordered: bool = True,
):
    """A merge resource over ``pages``. Only ``ordered`` pages (sorted by SystemModstamp, as
    REST queries are) may stop early and keep what was read: the cursor then marks exactly
    where to resume. An export file is in no particular order, so an error there fails the
    whole run before anything of it is loaded."""
    schema = arrow_schema(obj, extra)

    @dlt.resource(
        name=obj.table,
        primary_key="id",
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        columns=column_hints(obj, extra),
    )
    def rows(
        cursor=dlt.sources.incremental(  # noqa: B008 - dlt's documented pattern
            obj.cursor_column,
            initial_value=EPOCH,
            range_start="closed",
            on_cursor_value_missing="include",
        ),
    ) -> Iterator[pa.Table]:
        started = datetime.now(UTC)
        since = _as_datetime(cursor.last_value) or EPOCH
        count = 0
        reading = Reading()
        if interruption.stops_everything:
            log.info("%s skipped: %s", obj.name, type(interruption.error).__name__)
            return
        try:
            for table in pages(since, reading):
                count += table.num_rows
                if progress:
                    progress(obj.name, count)
                yield table.cast(schema)
        except ExtractError as exc:
            if not ordered:
                raise
            interruption.record(exc)
            log.warning("%s stopped after %d rows: %s", obj.name, count, exc)
            if not reading.ordered:
                _rewind_cursor(obj, since)
                return
        _cap_cursor(obj, started)

    return rows


#: How often one object's query may restart after Salesforce expired its query locator.
MAX_LOCATOR_RESTARTS = 5


class _Resume:
    """Where a REST query restarts when Salesforce expires its locator mid-way.

    Records arrive ordered by the cursor (``SystemModstamp``, or ``CreatedDate`` for field
    history) then ``Id``; a restart asks again from the second of the last record read (SOQL
    literals have whole seconds) and drops the records of that second that were already
    read, so nothing is lost or read twice.
    """

    def __init__(self, since: datetime, *, cursor_field: str = "SystemModstamp") -> None:
        self.since = since
        self.cursor_field = cursor_field
        self.restarts = 0
        self._second: datetime | None = None
        self._ids: set[str] = set()

    def new(self, records: list[dict]) -> list[dict]:
        """The records not read before a restart; remembers the last second's ids."""
        fresh = [r for r in records if r.get("Id") not in self._ids] if self._ids else records
        for record in fresh:
            stamp = record.get(self.cursor_field)
            if not stamp:
                continue
            second = datetime.fromisoformat(stamp).replace(microsecond=0)
            if second != self._second:
                self._second, self._ids = second, set()
                self.since = second
            self._ids.add(record.get("Id"))
        return fresh


def _as_datetime(value: object) -> datetime | None:
    """A cursor value as an aware datetime (dlt keeps it as a datetime or ISO text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value if isinstance(value, datetime) else None


def _rewind_cursor(obj: SObject, since: datetime) -> None:
    """Put the cursor back where this read started: the rows read so far came in no order
    (Bulk results), so the next run must read from ``since`` again. What was read stays
    loaded; reading it again only merges onto the same ids."""
    state = dlt.current.resource_state().get("incremental", {}).get(obj.cursor_column)
    if state:
        log.info("%s: the next run reads again from %s", obj.name, since.isoformat())
        state["last_value"] = since
        state["unique_hashes"] = []


def _cap_cursor(obj: SObject, started: datetime) -> None:
    """Keep the incremental cursor at or before the time this resource started reading.

    A record stamped in the future (a ``SystemModstamp`` of 2030, a clock gone wrong) is
    loaded, but would otherwise move the cursor to 2030 and every later edit of any other
    record (stamped before 2030) would be skipped for good. Capped at the start time, the
    next run asks again from there: the future record is read again (the merge keeps one
    row per Id) and later edits arrive. Runs after every page has passed dlt's incremental
    step (the generator resumes only once its last table was processed).
    """
    state = dlt.current.resource_state().get("incremental", {}).get(obj.cursor_column)
    if not state:
        return
    last = _as_datetime(state.get("last_value"))
    if last is not None and last > started:
        log.warning(
            "%s: a %s after this extract started (%s) was loaded; the next run "
            "continues from %s, so later edits are not skipped",
            obj.name,
            obj.cursor_field,
            last.isoformat(),
            started.isoformat(timespec="seconds"),
        )
        state["last_value"] = started
        state["unique_hashes"] = []


def rest_source(
    client: SalesforceClient,
    *,
    extra_fields: dict[str, list[str]],
    interruption: Interruption,
    objects: Sequence[str] = tuple(OBJECTS),
    progress: Progress | None = None,
    bulk: BulkClient | None = None,
    api: str = "auto",
    bulk_threshold: int = BULK_THRESHOLD,
    fresh: bool = False,
):
    """The live (or demo-server) org over the REST API, and over the Bulk API 2.0 where
    ``api`` says so (``bulk``, or ``auto`` above ``bulk_threshold`` records; needs ``bulk``).
    ``fresh``: the load starts over (every cursor at the beginning).

    Multi-currency fields and objects (``CurrencyIsoCode``, ``CurrencyType``,
    ``DatedConversionRate``) exist only in multi-currency orgs: the first INVALID_FIELD /
    INVALID_TYPE that names one marks the org single-currency, and they stay null / empty.
    """
    org = {"multi_currency": True}

    def pages_for(obj: SObject, extra: Sequence[str]) -> Pages:
        fields = obj.all_fields(extra)

        def pages(since: datetime, reading: Reading) -> Iterator[pa.Table]:
            if obj.multi_currency_only and not org["multi_currency"]:
                log.info("%s: a single-currency org has none; %s stays empty", obj.name, obj.table)
                return
            try:
                yield from query(since, reading)
            except QueryError as exc:
                if obj.multi_currency_only and exc.code == "INVALID_TYPE":
                    org["multi_currency"] = False
                    log.info("%s: not in this org (single currency); stays empty", obj.name)
                    return
                if exc.field not in obj.multi_currency_fields:
                    raise
                org["multi_currency"] = False  # no rows were read: ask again without it
                log.info("%s.%s: not in this org (single currency)", obj.name, exc.field)
                yield from query(since, reading)

        def query(since: datetime, reading: Reading) -> Iterator[pa.Table]:
            resume = _Resume(since, cursor_field=obj.cursor_field)
            without: frozenset[str] = frozenset()
            mode = plan.get(obj.name, api) if bulk is not None else "rest"
            while True:
                soql = select_since(
                    obj,
                    extra,
                    resume.since,
                    without=without,
                    multi_currency=org["multi_currency"],
                )
                try:
                    if mode == "bulk":
                        assert bulk is not None
                        reading.ordered = False
                        yield from bulk.query_tables(
                            obj, soql, fields=fields, include_deleted=obj.has_is_deleted
                        )
                        return
                    ordered = f"{soql} ORDER BY {obj.cursor_field} ASC, Id ASC"
                    pages = client.query_pages(ordered, include_deleted=obj.has_is_deleted)
                    for records in pages:
                        if mode == "auto":
                            mode = "rest"
                            if records.total_size > bulk_threshold:
                                log.info(
                                    "%s: %s records to read, more than SF_BULK_THRESHOLD=%s: "
                                    "reading them with the Bulk API",
                                    obj.name,
                                    f"{records.total_size:,}",
                                    f"{bulk_threshold:,}",
                                )
                                mode = "bulk"
                                pages.close()
                                break
                        records = resume.new(records)
                        if records:
                            yield records_to_table(obj, records, fields=fields)
                    else:
                        return
                except QueryLocatorError as exc:
                    resume.restarts += 1
                    if resume.restarts > MAX_LOCATOR_RESTARTS:
                        raise QueryLocatorError(
                            f"{exc} {MAX_LOCATOR_RESTARTS} times while reading {obj.name}. "
                            "Rerun the same command: what was loaded is kept."
                        ) from None
                    log.warning(
                        "%s: %s; restarting the query from %s >= %s",
                        obj.name,
                        exc,
                        obj.cursor_field,
                        soql_datetime(resume.since),
                    )
                except QueryError as exc:
                    if exc.field not in obj.optional or exc.field in without:
                        raise
                    # The first page is where an unknown field fails: nothing was yielded.
                    log.warning(
                        "%s.%s is not visible in this org (API version or field-level "
                        "security): loaded as null",
                        obj.name,
                        exc.field,
                    )
                    without = without | {exc.field}

        return pages

    plan: dict[str, str] = {}  # object -> "rest" | "bulk", where auto's count decided

    def prepare() -> None:
        """Inside the source (its state holds the cursors): count for auto, then create the
        Bulk jobs of the objects Bulk reads, up front, so Salesforce runs them side by side."""
        if bulk is None or api == "rest":
            return
        cursors = _cursors(objects, fresh=fresh)
        if api == "auto":
            plan.update(_plan(client, bulk, cursors, threshold=bulk_threshold))
        chosen = [n for n in objects if api == "bulk" or plan.get(n) == "bulk"]
        for name in chosen:
            obj = OBJECTS[name]
            soql = select_since(obj, extra_fields.get(name, []), cursors[name])
            bulk.prepare(soql, include_deleted=obj.has_is_deleted)

    readers = {name: pages_for(OBJECTS[name], extra_fields.get(name, [])) for name in objects}
    return salesforce(
        readers,
        extra_fields=extra_fields,
        interruption=interruption,
        progress=progress,
        prepare=prepare,
    )


@dlt.source(name="salesforce", max_table_nesting=0)
def salesforce(
    readers: Mapping[str, Pages],
    *,
    extra_fields: Mapping[str, Sequence[str]],
    interruption: Interruption,
    progress: Progress | None = None,
    prepare: Callable[[], None] | None = None,
    ordered: bool = True,
):
    """The one dlt source of every org: a merge resource per object, read by ``readers``
    (object name -> its pages: REST or Bulk queries, or an export file). ``prepare`` runs
    first, inside the source (where its state, the cursors, can be read); ``ordered``: the
    pages come sorted by the cursor, so a read that stops midway keeps what it read."""
    if prepare is not None:
        prepare()
    for name, pages in readers.items():
        yield _resource(
            OBJECTS[name],
            extra_fields.get(name, []),
            pages,
            interruption=interruption,
            progress=progress,
            ordered=ordered,
        )


def select_since(
    obj: SObject,
    extra: Sequence[str],
    since: datetime,
    *,
    without: frozenset[str] = frozenset(),
    multi_currency: bool = True,
) -> str:
    """The SOQL that reads ``obj`` from the cursor value ``since`` on (REST adds its
    ``ORDER BY``; a Bulk query takes none)."""
    select = obj.rest_fields(list(extra), without=without, multi_currency=multi_currency)
    return (
        f"SELECT {', '.join(select)} "
        f"FROM {obj.name} WHERE {obj.cursor_field} >= {soql_datetime(since)}"
    )


def _cursors(objects: Sequence[str], *, fresh: bool) -> dict[str, datetime]:
    """Where each object's read will start: its cursor's last value (all at the beginning
    when the load starts over)."""
    resources = {} if fresh else dlt.current.source_state().get("resources", {})
    out = {}
    for name in objects:
        obj = OBJECTS[name]
        state = resources.get(obj.table, {}).get("incremental", {}).get(obj.cursor_column, {})
        out[name] = _as_datetime(state.get("last_value")) or EPOCH
    return out


def _plan(
    client: SalesforceClient,
    bulk: BulkClient,
    cursors: dict[str, datetime],
    *,
    threshold: int,
) -> dict[str, str]:
    """``SF_API=auto``: count each object's read, side by side; Bulk above ``threshold``.
    An object whose count fails (not in this org, say) is left to its first REST page."""

    def count(name: str) -> tuple[str, int | None]:
        obj = OBJECTS[name]
        soql = (
            f"SELECT COUNT() FROM {obj.name} "
            f"WHERE {obj.cursor_field} >= {soql_datetime(cursors[name])}"
        )
        try:
            return name, client.count(soql, include_deleted=obj.has_is_deleted)
        except (QueryError, TransportError) as exc:
            log.debug("%s: not counted (%s)", name, exc)
            return name, None

    plan = {}
    for name, size in bulk.run_all(count, list(cursors)):
        if size is None:
            continue
        plan[name] = "bulk" if size > threshold else "rest"
        if size > threshold:
            log.info(
                "%s: %s records to read, more than SF_BULK_THRESHOLD=%s: Bulk API",
                name,
                f"{size:,}",
                f"{threshold:,}",
            )
    return plan


def export_source(
    files: dict[str, ExportFile],
    *,
    extra_fields: dict[str, list[str]],
    interruption: Interruption,
    progress: Progress | None = None,
):
    """A Data Export folder or zip: the same tables, columns and types as the REST source."""

    def pages_for(file: ExportFile, obj: SObject, extra: Sequence[str]):
        fields = obj.all_fields(extra)

        def pages(since: datetime, reading: Reading) -> Iterator[pa.Table]:
            # The whole file is read each time: the incremental cursor drops what the last
            # load already had, as for a REST page.
            yield from read_export_tables(file, fields=fields)

        return pages

    def missing(obj: SObject, extra: Sequence[str]):
        def pages(since: datetime, reading: Reading) -> Iterator[pa.Table]:
            log.info("%s.csv is not in the export: %s stays empty", obj.name, obj.table)
            yield arrow_schema(obj, extra).empty_table()

        return pages

    readers = {
        name: pages_for(files[name], obj, extra_fields.get(name, []))
        if name in files
        else missing(obj, extra_fields.get(name, []))
        for name, obj in OBJECTS.items()
    }
    return salesforce(
        readers,
        extra_fields=extra_fields,
        interruption=interruption,
        progress=progress,
        ordered=False,
    )
