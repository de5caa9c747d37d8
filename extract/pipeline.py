"""Run the extraction: pick the org (live, Data Export, demo), load it with dlt into DuckDB.

Settings (environment first, then ``.dlt/config.toml`` / ``.dlt/secrets.toml``):

- ``BACKTEST_DB``: the warehouse file (default ``data/backtest.duckdb``);
- ``BACKTEST_ORG``: ``demo``, ``live``, or a path to a Data Export folder/zip; empty means
  live when Salesforce credentials are set, else the demo org;
- credentials: ``SALESFORCE_<FIELD>`` env vars or ``[sources.salesforce.credentials]`` in
  secrets (fields of ``extract.salesforce.auth.Credentials``), or ``SALESFORCE_SF_JSON``:
  a file holding ``sf org display --json`` output;
- ``[sources.salesforce.extra_fields]``: extra fields per object (custom fields);
- ``SF_API`` (``auto``, ``rest`` or ``bulk``; env ``BACKTEST_SF_API`` or
  ``sources.salesforce.api``): which API reads a live or demo org; ``auto`` uses the Bulk
  API 2.0 for an object whose read holds more than ``SF_BULK_THRESHOLD`` records
  (``BACKTEST_SF_BULK_THRESHOLD`` / ``sources.salesforce.bulk_threshold``, default
  100,000), and ``SF_BULK_TIMEOUT`` seconds (default 3600) bounds one Bulk job;
- the demo org's latency model: ``BACKTEST_DEMO_LATENCY_MS``,
  ``BACKTEST_DEMO_MS_PER_1000_RECORDS``, ``BACKTEST_DEMO_BULK_JOB_SECONDS`` (make's
  ``LATENCY_MS``, ``MS_PER_1000_RECORDS``, ``BULK_JOB_SECONDS``).

The dlt working folder (state, pending packages) lives beside the warehouse in
``<db dir>/.dlt-pipelines/<db name>``, so each warehouse has its own state and a crash
leaves its pending load to be finished by the next run.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dlt
import httpx
from dlt.common.configuration import with_config

from extract.errors import ConfigError, ExtractError
from extract.salesforce.auth import Authenticator, Credentials, SalesforceCredentials
from extract.salesforce.bulk import BulkClient, BulkSettings
from extract.salesforce.client import SalesforceClient
from extract.salesforce.export import find_export_files
from extract.salesforce.objects import OBJECTS
from extract.salesforce.source import (
    APIS,
    BULK_THRESHOLD,
    Interruption,
    export_source,
    rest_source,
)
from plumbing.failures import describe_duckdb_error, describe_os_error
from plumbing.retry import RetryPolicy
from plumbing.warehouse import default_db, parquet_dir, parquet_views

log = logging.getLogger("extract")

DATASET = "raw_salesforce"
DEMO_EXTRA_FIELDS = {"Opportunity": ["Loss_Reason__c"]}


@dataclass
class OrgChoice:
    """Which org a run reads and how to describe it (never with secrets)."""

    kind: str  # "live" | "export" | "demo"
    label: str
    path: Path | None = None
    credentials: Credentials | None = None
    demo_contacts: int = 0
    #: A multi-currency demo org (``CURRENCIES=USD,EUR,GBP``; the first is corporate).
    demo_currencies: tuple[str, ...] = ()

    @property
    def identity(self) -> str:
        """Which org this is (``demo:5000``, ``export:<path>``, ``live:<url>``), no secrets."""
        if self.kind == "demo":
            money = f":{','.join(self.demo_currencies)}" if self.demo_currencies else ""
            return f"demo:{self.demo_contacts}{money}"
        if self.kind == "export":
            return f"export:{self.path}"
        creds = self.credentials or Credentials()
        return f"live:{creds.instance_url or creds.login_url}"


@dataclass
class ExtractResult:
    org: OrgChoice
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    api_usage: tuple[int, int] | None = None
    #: API calls this run made (REST pages, Bulk job calls and result pages, logins aside).
    api_calls: int = 0
    bulk_jobs: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@with_config(sections=("sources", "salesforce"))
def salesforce_config(
    credentials: SalesforceCredentials = dlt.secrets.value,
    extra_fields: dict[str, Any] | str | None = None,
) -> tuple[SalesforceCredentials, dict[str, Any] | str | None]:
    """``[sources.salesforce]`` as dlt injects it: credentials from secrets (or
    ``SOURCES__SALESFORCE__CREDENTIALS__*``), extra fields from config."""
    return credentials, extra_fields


def load_credentials() -> Credentials:
    """Credentials from ``SALESFORCE_<FIELD>`` env vars, else as dlt resolves them;
    ``SALESFORCE_SF_JSON`` wins when set."""
    sf_json = os.environ.get("SALESFORCE_SF_JSON")
    if sf_json:
        path = Path(sf_json).expanduser()
        if not path.is_file():
            raise ConfigError(f"SALESFORCE_SF_JSON={sf_json}: no such file.")
        return Credentials.from_sf_org_display(path.read_text())
    configured, _ = salesforce_config()
    values = {
        name: os.environ.get(f"SALESFORCE_{name.upper()}") or getattr(configured, name) or ""
        for name in Credentials.__dataclass_fields__
    }
    return Credentials(**values)


def extra_fields() -> dict[str, list[str]]:
    """Configured extra fields per object, validated against known object names."""
    _, configured = salesforce_config()
    configured = configured or {}
    if isinstance(configured, str):  # from an environment variable: JSON text
        try:
            configured = json.loads(configured)
        except json.JSONDecodeError:
            configured = None
        if not isinstance(configured, dict):
            raise ConfigError(
                "SOURCES__SALESFORCE__EXTRA_FIELDS must be a JSON object, e.g. "
                '\'{"Opportunity": ["Loss_Reason__c"]}\'.'
            )
    out: dict[str, list[str]] = {}
    for name, value in dict(configured).items():
        if name not in OBJECTS:
            raise ConfigError(
                f"extra_fields names object {name!r}, which is not loaded; use one of "
                f"{', '.join(OBJECTS)}."
            )
        out[name] = [value] if isinstance(value, str) else list(value)
    return out


@dataclass(frozen=True)
class ApiChoice:
    """Which Salesforce API reads the objects (``SF_API``) and when ``auto`` picks Bulk."""

    api: str = "auto"
    bulk_threshold: int = BULK_THRESHOLD
    bulk_timeout: float = 3600.0


def api_choice() -> ApiChoice:
    """``SF_API``, ``SF_BULK_THRESHOLD``, ``SF_BULK_TIMEOUT`` (env first, then config)."""
    api = _setting("SF_API", "api", "auto").lower()
    if api not in APIS:
        raise ConfigError(f"SF_API must be one of {', '.join(APIS)}, got {api!r}.")
    numbers = {}
    for name, key, default in (
        ("SF_BULK_THRESHOLD", "bulk_threshold", BULK_THRESHOLD),
        ("SF_BULK_TIMEOUT", "bulk_timeout", 3600),
    ):
        text = _setting(name, key, str(default)).replace("_", "").replace(",", "")
        try:
            numbers[key] = float(text)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {text!r}.") from None
        if numbers[key] < 0:
            raise ConfigError(f"{name} must not be negative, got {text}.")
    return ApiChoice(api, int(numbers["bulk_threshold"]), numbers["bulk_timeout"])


def _setting(name: str, key: str, default: str) -> str:
    value = os.environ.get(f"BACKTEST_{name}") or dlt.config.get(f"sources.salesforce.{key}")
    return str(value).strip() if value not in (None, "") else default


def choose_org(org: str | None = None, *, demo_contacts: int = 5000) -> OrgChoice:
    """Resolve ``ORG`` (demo | live | path | empty) into what to extract."""
    org = (org if org is not None else os.environ.get("BACKTEST_ORG", "")).strip()
    if org and org not in ("demo", "live"):
        path = Path(org).expanduser().resolve()
        find_export_files(path)  # fails early with a clear message
        return OrgChoice("export", f"Data Export at {path}", path=path)
    credentials = load_credentials() if org != "demo" else Credentials()
    if org == "live" or (not org and not credentials.is_empty()):
        if credentials.flow is None:
            raise ConfigError(
                "ORG=live but no usable Salesforce credentials were found. Set "
                "SALESFORCE_ACCESS_TOKEN + SALESFORCE_INSTANCE_URL (see `sf org display "
                "--json`), or an OAuth flow in .dlt/secrets.toml (see .dlt/example.secrets.toml)."
            )
        return OrgChoice("live", f"live org ({credentials.flow})", credentials=credentials)
    return OrgChoice(
        "demo", "built-in demo org", demo_contacts=demo_contacts, demo_currencies=demo_currencies()
    )


def demo_currencies() -> tuple[str, ...]:
    """``BACKTEST_DEMO_CURRENCIES`` (``make ... CURRENCIES=USD,EUR,GBP``): the demo org's
    currencies, the first corporate; empty for a single-currency demo org."""
    from extract.demo.generate import parse_currencies

    try:
        return parse_currencies(os.environ.get("BACKTEST_DEMO_CURRENCIES"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


# -- the demo org ------------------------------------------------------------------------------


def demo_org_folder(
    contacts: int,
    *,
    anchor: date | None = None,
    seed: int = 42,
    currencies: tuple[str, ...] = (),
) -> Path:
    """Generate (once) and return the demo org folder for this size, seed, day and currencies.

    Runs that start together (two warehouses in one folder) share the generation: the first
    generates under a lock, the others wait for it and reuse the folder.
    """
    from extract.demo.generate import GENERATOR_VERSION

    anchor = anchor or datetime.now(UTC).date()
    root = default_db().parent / "orgs"
    money = f"-{'-'.join(currencies)}" if currencies else ""
    folder = root / f"demo-{contacts}-{seed}-{anchor.isoformat()}{money}"
    # A folder made by an older generator (other objects or fields) is made again.
    stamp = f"{anchor.isoformat()} generator {GENERATOR_VERSION}"
    if _is_complete(folder, stamp):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".{folder.name}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even on kill -9
        if not _is_complete(folder, stamp):
            _generate_demo_org(
                folder,
                contacts=contacts,
                seed=seed,
                anchor=anchor,
                stamp=stamp,
                currencies=currencies,
            )
    return folder


def _is_complete(folder: Path, stamp: str) -> bool:
    complete = folder / ".complete"
    return complete.exists() and complete.read_text() == stamp


def _generate_demo_org(
    folder: Path,
    *,
    contacts: int,
    seed: int,
    anchor: date,
    stamp: str,
    currencies: tuple[str, ...] = (),
) -> None:
    from extract.demo.generate import generate_org

    started = time.monotonic()
    tmp = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    generate_org(tmp, contacts=contacts, seed=seed, anchor=anchor, currencies=currencies)
    (tmp / ".complete").write_text(stamp)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    log.info("Generated the demo org (%d contacts) in %.1fs", contacts, time.monotonic() - started)


#: The demo server's latency model, from make's LATENCY_MS, MS_PER_1000_RECORDS and
#: BULK_JOB_SECONDS (see ``extract.demo.server.Latency``).
DEMO_LATENCY = {
    "BACKTEST_DEMO_LATENCY_MS": "--latency-ms",
    "BACKTEST_DEMO_MS_PER_1000_RECORDS": "--ms-per-1000-records",
    "BACKTEST_DEMO_BULK_JOB_SECONDS": "--bulk-job-seconds",
}


def demo_latency_args() -> list[str]:
    """The demo server's latency flags from the environment (none: loopback speed)."""
    args = []
    for name, flag in DEMO_LATENCY.items():
        value = (os.environ.get(name) or "").strip()
        if not value:
            continue
        try:
            if float(value) < 0:
                raise ValueError
        except ValueError:
            make = name.removeprefix("BACKTEST_DEMO_")
            raise ConfigError(f"{make} must be a number of at least 0, got {value!r}.") from None
        args += [flag, value]
    return args


@contextmanager
def demo_server(folder: Path, *, timeout: float = 120.0) -> Iterator[str]:
    """Serve ``folder`` with the local Salesforce-compatible server; yields its base URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "extract.demo.server",
            "--org",
            str(folder),
            "--parent-pid",
            str(os.getpid()),
            *demo_latency_args(),
            # A generated demo org keeps its parsed objects beside it, so a rerun starts fast.
            *(["--cache", str(folder / ".parsed")] if (folder / ".complete").exists() else []),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline:
            line = process.stdout.readline() if process.stdout else ""
            if line.startswith("PORT=") or process.poll() is not None:
                break
        if not line.startswith("PORT="):
            err = process.stderr.read() if process.stderr and process.poll() is not None else ""
            raise ExtractError(f"The demo Salesforce server did not start: {err.strip()[-500:]}")
        yield f"http://127.0.0.1:{int(line.split('=', 1)[1])}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        for pipe in (process.stdout, process.stderr):
            if pipe:
                pipe.close()


# -- the run -----------------------------------------------------------------------------------


def target() -> str:
    """``duckdb`` (the warehouse file) or ``spark`` (parquet through dlt's filesystem
    destination, for dbt's Spark target); ``BACKTEST_TARGET``."""
    value = (os.environ.get("BACKTEST_TARGET") or "duckdb").strip().lower()
    if value not in ("duckdb", "spark"):
        raise ConfigError(f"TARGET must be duckdb or spark, got {value!r}.")
    return value


#: DuckDB's memory limit while dlt loads into the warehouse (it spills beside it above).
LOAD_MEMORY = "2GB"


def make_pipeline(db: Path) -> dlt.Pipeline:
    db.parent.mkdir(parents=True, exist_ok=True)
    # Resources run one after another (parents first): a stop leaves whole objects behind
    # it. Also in .dlt/config.toml; set here so that no other working folder changes it.
    dlt.config["extract.next_item_mode"] = "fifo"
    dlt.config["runtime.dlthub_telemetry"] = False
    if target() == "spark":
        destination = dlt.destinations.filesystem(bucket_url=parquet_dir().as_uri())
    else:
        from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

        # Loads spill above LOAD_MEMORY instead of growing with the org: without a limit a
        # 10,000,000-contact load took the extractor to 7.6 GiB.
        destination = dlt.destinations.duckdb(
            credentials=DuckDbCredentials(str(db), global_config={"memory_limit": LOAD_MEMORY})
        )
    return dlt.pipeline(
        pipeline_name="salesforce" if target() == "duckdb" else "salesforce_parquet",
        pipelines_dir=str(db.parent / ".dlt-pipelines" / db.stem),
        destination=destination,
        dataset_name=DATASET,
        progress=None,
    )


def _org_marker(db: Path) -> Path:
    return db.parent / ".dlt-pipelines" / db.stem / "org.json"


def _needs_refresh(db: Path, identity: str, fresh: bool) -> bool:
    marker = _org_marker(db)
    previous = json.loads(marker.read_text()).get("org") if marker.exists() else None
    if fresh or (previous is not None and previous != identity):
        if previous and previous != identity and not fresh:
            log.warning(
                "The warehouse held %s; replacing its raw tables with %s", previous, identity
            )
        return True
    return False


def run_extract(
    choice: OrgChoice,
    *,
    fresh: bool = False,
    progress: Callable[[str, int], None] | None = None,
    http_timeout: float = 60.0,
    max_retries: int = 5,
    backoff_seconds: float = 0.5,
    api: ApiChoice | None = None,
    bulk: BulkSettings | None = None,
) -> ExtractResult:
    """Load ``choice`` into ``raw_salesforce`` of the warehouse; incremental unless fresh.

    ``api`` (default: ``api_choice()``) says which Salesforce API reads a live or demo org;
    ``bulk`` tunes the Bulk API jobs (polling, page size, parallel downloads)."""
    db = default_db()
    pipeline = make_pipeline(db)
    result = ExtractResult(choice)
    interruption = Interruption()
    started = time.monotonic()
    extras = extra_fields()
    if choice.kind == "export":
        assert choice.path is not None
        source = export_source(
            find_export_files(choice.path),
            extra_fields=extras,
            interruption=interruption,
            progress=progress,
        )
        result.rows = _load(
            pipeline, source, db=db, refresh=_needs_refresh(db, choice.identity, fresh)
        )
        _remember_org(db, choice.identity)
    else:
        api = api or api_choice()
        with _rest_client(choice, http_timeout=http_timeout) as (client, extra):
            client.policy = RetryPolicy(retries=max_retries, backoff=backoff_seconds)
            bulk_client = BulkClient(client, bulk or BulkSettings(timeout_seconds=api.bulk_timeout))
            refresh = _needs_refresh(db, choice.identity, fresh)
            try:
                source = rest_source(
                    client,
                    extra_fields={**extra, **extras},
                    interruption=interruption,
                    progress=progress,
                    bulk=bulk_client,
                    api=api.api,
                    bulk_threshold=api.bulk_threshold,
                    fresh=refresh,
                )
                result.rows = _load(pipeline, source, db=db, refresh=refresh)
            finally:
                bulk_client.close()
            _remember_org(db, choice.identity)
            result.api_usage = client.api_usage
            result.api_calls, result.bulk_jobs = client.requests, bulk_client.jobs
    result.seconds = time.monotonic() - started
    if interruption.error is not None:
        raise interruption.error
    return result


@contextmanager
def _rest_client(
    choice: OrgChoice, *, http_timeout: float
) -> Iterator[tuple[SalesforceClient, dict[str, list[str]]]]:
    """A client for a live org, or for the demo org served on loopback while in use."""
    with ExitStack() as stack:
        http = stack.enter_context(
            httpx.Client(
                timeout=httpx.Timeout(http_timeout, connect=10.0),
                headers={"User-Agent": "lead-qualification-backtest"},
            )
        )
        if choice.kind == "demo":
            from extract.demo.server import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

            folder = demo_org_folder(choice.demo_contacts, currencies=choice.demo_currencies)
            url = stack.enter_context(demo_server(folder))
            credentials = Credentials(
                client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET, login_url=url
            )
            extra = DEMO_EXTRA_FIELDS
        else:
            credentials = choice.credentials or Credentials()
            extra = {}
        yield SalesforceClient(Authenticator(credentials, http), http), extra


def _existing_tables(db: Path) -> set[str]:
    """Raw tables already in the warehouse (a short read-only look; none if no file)."""
    if not db.exists():
        return set()
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [DATASET]
        ).fetchall()
    return {name for (name,) in rows}


def _load(pipeline: dlt.Pipeline, source, *, db: Path, refresh: bool) -> dict[str, int]:
    """Run the pipeline; return rows loaded per object (after the incremental filter).

    A table's first load appends (one snapshot holds each record once, and appending skips
    the merge's staging copy); later loads merge on ``id``.
    """
    from dlt.pipeline.exceptions import PipelineStepFailed

    spark = target() == "spark"
    # Plain parquet cannot be merged into: on the spark target every load appends, and
    # dbt's staging keeps the newest version of each record, as it does on DuckDB.
    existing = set() if refresh or spark else _existing_tables(db)
    for name, resource in source.resources.items():
        if name not in existing:
            resource.apply_hints(write_disposition="append")
    try:
        if pipeline.has_pending_data:
            log.info("Finishing a load that an earlier run left pending")
            pipeline.load()
        pipeline.run(
            source,
            refresh="drop_sources" if refresh else None,
            loader_file_format="parquet" if spark else None,
        )
        if spark:
            register_parquet_views(db, parquet_dir())
        info = pipeline.last_trace.last_normalize_info
        counts = info.row_counts if info else {}
        return {o.name: counts.get(o.table, 0) for o in OBJECTS.values()}
    except PipelineStepFailed as exc:
        cause = exc.__cause__ or exc.exception
        while isinstance(cause, Exception) and not isinstance(cause, ExtractError):
            nxt = cause.__cause__ or cause.__context__
            if nxt is None:
                break
            cause = nxt
        if isinstance(cause, ExtractError):
            raise cause from None
        if isinstance(cause, OSError):
            raise ExtractError(describe_os_error(cause)) from None
        known = describe_duckdb_error(str(cause), db=db)
        if known:
            raise ExtractError(known) from None
        raise ExtractError(
            f"dlt failed in its {exc.step} step: {type(cause).__name__}: {cause}. "
            "Rerun the same command: what was loaded is kept and the run resumes."
        ) from None


def register_parquet_views(db: Path, root: Path) -> None:
    """Views in the warehouse file over the parquet the spark target wrote, so the scoring
    step, status and the report read the same tables whichever target loaded them."""
    folders = {obj.table: root / DATASET / obj.table for obj in OBJECTS.values()}
    import duckdb

    with duckdb.connect(str(db)) as con:
        parquet_views(con, DATASET, folders)


def _remember_org(db: Path, identity: str) -> None:
    marker = _org_marker(db)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"org": identity}))
