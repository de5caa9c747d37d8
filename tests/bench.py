"""``make bench``: throughput and memory of each stage, printed as figures.

Each stage runs as its own process (as ``make backtest`` runs it) on one large demo org
(``BENCH_CONTACTS``, default 1,000,000) and its peak RSS is sampled with psutil:

1. extract: the demo org served over loopback HTTP by the Salesforce-compatible server and
   loaded into a fresh DuckDB file (records/s over all objects; goal >= 50,000/s, < 2 GiB);
2. score: the scoring step's own benchmark on 100,000 contacts against the reference API,
   beside the seed's way (one request per contact, sequential, one SQLite insert each);
3. transform: ``dbt build`` on the scored 1,000,000-contact warehouse (goal < 60 s);
4. report: ``python -m reports`` on it, and the size of the page (goal < 1 MB: the review
   list holds the top 25 misses per model and kind, not all of them);
5. incremental: ``make backtest`` twice on the unchanged org; the second finds nothing new to
   load or score (goal < 20 s);
6. apis: REST against Bulk API 2.0 on a demo org (``BENCH_API_CONTACTS``, default
   ``BENCH_CONTACTS``) served under a latency model like a real org's (``BENCH_LATENCY_MS``
   = 300 ms per request, ``BENCH_MS_PER_1000_RECORDS`` = 50 ms of Salesforce's work per
   1,000 records, so a 2,000-record REST page costs 0.4 s, within the 0.2-2 s a real org
   takes; ``BENCH_BULK_JOB_SECONDS`` = 5 s per Bulk job on top of its per-record work):
   wall time and API calls of SF_API=rest, bulk and auto, whether the raw tables are
   equal, and the speed-up (goal: Bulk >= 5x faster than REST).

``BENCH_APIS`` (default ``rest,bulk,auto``) picks the APIs compared; ``BENCH_STEPS``
(default all: ``extract,score,transform,report,incremental,engines,apis``) runs a
subset; ``score``, ``transform``, ``report`` and ``incremental`` need ``extract`` first.
``BENCH_SEED_COMPARISON=0`` leaves out the comparison with the seed's way.

At the end a table gives every stage's wall time and the largest peak RSS of any process it
ran (the stage's own, or the demo Salesforce server, the reference API or dbt it started;
"own" leaves out file-backed pages such as the demo server's memory-mapped objects),
and the backtest's end to end: generation, extract, dbt and scoring (fitted_history's
training included), the transform and the report (goal at 10,000,000 contacts: under 15
minutes on 2 cores, every process under 4 GiB).

Nothing here asserts: the figures are for people to read (and to paste into issues).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from tests.stages import score

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("extract", "score", "transform", "report", "incremental", "engines", "apis")


#: Every measured stage of this bench run: (name, wall seconds, largest process's peak RSS,
#: that process's name, its peak RSS without file-backed pages), for the table at the end.
STAGES: list[tuple[str, float, int, str, int]] = []
#: Per stage, the next four processes of its tree that peaked above 100 MiB: (name, peak RSS).
OTHERS: dict[str, list[tuple[str, int]]] = {}


def _name(process: psutil.Process) -> str:
    try:
        words = process.cmdline()
    except psutil.Error:
        return "?"
    # python -m module, or the program's name
    if "-m" in words[:-1]:
        return words[words.index("-m") + 1]
    return Path(words[0]).name if words else "?"


def run_measured(
    cmd: list[str], *, env: dict[str, str], cwd: Path = ROOT, stage: str = ""
) -> tuple[float, int]:
    """Run ``cmd``; return wall seconds and the largest peak RSS (bytes) of any process of its
    tree (the process itself, or a server or dbt it started), sampled every 50 ms. With
    ``stage``, the figures join the table printed at the end (and the largest process's
    name)."""
    started = time.monotonic()
    process = subprocess.Popen(cmd, env=env, cwd=cwd)
    handle = psutil.Process(process.pid)
    peaks: dict[int, tuple[int, str, int]] = {}
    while process.poll() is None:
        try:
            tree = [handle, *handle.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for member in tree:
            try:
                info = member.memory_info()
            except psutil.Error:
                continue
            # shared: resident pages backed by files (a memory-mapped table, libraries),
            # which the kernel can drop; rss - shared is the process's own memory.
            rss, shared = info.rss, getattr(info, "shared", 0)
            old = peaks.get(member.pid) or (0, _name(member), 0)
            peaks[member.pid] = (max(old[0], rss), old[1], max(old[2], rss - shared))
        time.sleep(0.05)
    if process.returncode:
        raise SystemExit(f"bench: {' '.join(cmd)} failed with exit code {process.returncode}")
    seconds = time.monotonic() - started
    ranked = sorted(peaks.values(), reverse=True)
    peak, name, private = ranked[0] if ranked else (0, "?", 0)
    if stage:
        STAGES.append((stage, seconds, peak, name, private))
        OTHERS[stage] = [(n, rss) for rss, n, _ in ranked[1:5] if rss > 100 * 2**20]
    return seconds, peak


def print_stages(generate_seconds: float, contacts: int) -> dict[str, object]:
    """The table of every measured stage, and the backtest's end to end (generation
    included; the scoring comparison with the seed's way and the incremental reruns not)."""
    print(f"\nbench: the backtest of the {contacts:,}-contact demo org, stage by stage")
    print(f"  {'stage':<44} {'seconds':>9} {'peak RSS':>10} {'(own)':>10}  largest process")
    print(f"  {'generate the demo org (cached per day)':<44} {generate_seconds:>9.1f}")
    for name, seconds, peak, process, private in STAGES:
        print(f"  {name:<44} {seconds:>9.1f} {gib(peak):>10} {gib(private):>10}  {process}")
        others = ", ".join(f"{n} {gib(rss)}" for n, rss in OTHERS.get(name, []))
        if others:
            print(f"  {'':<44} {'':>9} {'':>10} {'':>10}  (also {others})")
    stages = [
        {"stage": n, "seconds": round(t, 1), "rss": r, "process": p, "own": o}
        for n, t, r, p, o in STAGES
    ]
    backtest = [row for row in STAGES if not row[0].startswith(("incremental", "apis"))]
    if not backtest:
        return {"stages": stages, "end_to_end_seconds": None}
    total = generate_seconds + sum(row[1] for row in backtest)
    largest = max(backtest, key=lambda row: row[2])
    print(
        f"  end to end: {total:,.1f}s = {total / 60:.1f} min (goal < 15 min); the largest process"
        f" peaked at {gib(largest[2])} ({largest[3]}, {largest[0]}; goal < 4 GiB)",
        flush=True,
    )
    return {"stages": stages, "end_to_end_seconds": total}


def gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def bench_engines(work: Path, env: dict[str, str], dbt: str) -> dict[str, float]:
    """dbt build on DuckDB and on local Spark for one smaller org (``BENCH_ENGINE_CONTACTS``,
    default 20,000), each fed by its own target's extract and scoring. DuckDB wins on one
    machine; the point is the same marts on a path beyond one file."""
    contacts = int(os.environ.get("BENCH_ENGINE_CONTACTS", "20000"))
    seconds: dict[str, float] = {}
    for engine in ("duckdb", "spark"):
        folder = work / f"engine-{engine}"
        engine_env = {
            **env,
            "BACKTEST_TARGET": engine,
            "BACKTEST_DB": str(folder / "wh.duckdb"),
            "BACKTEST_PARQUET_DIR": str(folder / "parquet"),
            "BACKTEST_SPARK_DIR": str(folder / "spark"),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_CONF_DIR": str(ROOT / "dbt_project" / "spark_conf"),
            "DBT_PROFILES_DIR": str(ROOT / "dbt_project"),
        }
        run_measured(
            [sys.executable, "-m", "extract", "--demo-contacts", str(contacts)], env=engine_env
        )
        score(engine_env)
        seconds[engine], _ = run_measured(
            [dbt, "build", "--quiet", "--target", engine], env=engine_env, cwd=ROOT / "dbt_project"
        )
    print(
        f"engines ({contacts:,}-contact org): dbt build {seconds['duckdb']:.1f}s on DuckDB, "
        f"{seconds['spark']:.1f}s on local Spark (JVM start-up included)",
        flush=True,
    )
    return seconds


def extract_calls(log_file: Path) -> tuple[int, int]:
    """API calls and Bulk jobs of the last extract, from its log line."""
    found = re.findall(
        r"([\d,]+) API calls this run(?: \((\d+) Bulk query jobs\))?", log_file.read_text()
    )
    if not found:
        return 0, 0
    calls, jobs = found[-1]
    return int(calls.replace(",", "")), int(jobs or 0)


def same_raw_tables(first: Path, second: Path) -> list[str]:
    """The raw tables whose rows differ between two warehouses (dlt's columns aside)."""
    import duckdb

    differ = []
    with duckdb.connect() as con:
        con.execute(f"attach '{first}' as a (read_only)")
        con.execute(f"attach '{second}' as b (read_only)")
        tables = con.execute(
            "select table_name from duckdb_tables() where database_name = 'a' "
            "and schema_name = 'raw_salesforce' and table_name not like '_dlt%'"
        ).fetchall()
        for (table,) in tables:
            columns = [
                f'"{c}"'
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'a' and "
                    "schema_name = 'raw_salesforce' and table_name = ? order by column_index",
                    [table],
                ).fetchall()
                if not c.startswith("_dlt")
            ]
            select = ", ".join(columns)
            a, b = f'a.raw_salesforce."{table}"', f'b.raw_salesforce."{table}"'
            (count,) = con.execute(
                f"select (select count(*) from (select {select} from {a} except all "
                f"select {select} from {b})) + (select count(*) from (select {select} from {b} "
                f"except all select {select} from {a}))"
            ).fetchone()
            if count:
                differ.append(table)
    return differ


def bench_apis(work: Path, env: dict[str, str]) -> dict[str, object]:
    """REST against Bulk API 2.0 on one demo org served under the latency model."""
    contacts = int(os.environ.get("BENCH_API_CONTACTS") or os.environ.get("BENCH_CONTACTS") or 0)
    contacts = contacts or 1_000_000
    model = {
        "BACKTEST_DEMO_LATENCY_MS": os.environ.get("BENCH_LATENCY_MS", "300"),
        "BACKTEST_DEMO_MS_PER_1000_RECORDS": os.environ.get("BENCH_MS_PER_1000_RECORDS", "50"),
        "BACKTEST_DEMO_BULK_JOB_SECONDS": os.environ.get("BENCH_BULK_JOB_SECONDS", "5"),
    }
    print(
        f"apis: {contacts:,}-contact demo org served with {model['BACKTEST_DEMO_LATENCY_MS']} ms "
        f"per request, {model['BACKTEST_DEMO_MS_PER_1000_RECORDS']} ms per 1,000 records "
        f"(REST pages, Bulk job processing), {model['BACKTEST_DEMO_BULK_JOB_SECONDS']} s more "
        "per Bulk job",
        flush=True,
    )
    figures: dict[str, object] = {"contacts": contacts, "model": model}
    for api in (os.environ.get("BENCH_APIS") or "rest,bulk,auto").split(","):
        db = work / f"api-{api}.duckdb"
        api_env = {**env, **model, "BACKTEST_DB": str(db), "BACKTEST_SF_API": api}
        cmd = [sys.executable, "-m", "extract", "--org", "demo", "--demo-contacts", str(contacts)]
        seconds, peak = run_measured([*cmd, "--fresh"], env=api_env)
        records = int(json.loads((work / "progress" / "extract.json").read_text())["total"])
        calls, jobs = extract_calls(work / "logs" / "extract.log")
        figures[api] = {"seconds": seconds, "records": records, "calls": calls, "jobs": jobs}
        print(
            f"apis: SF_API={api}: {records:,} records in {seconds:.1f}s, {calls:,} API calls "
            f"({jobs} Bulk jobs); peak RSS {gib(peak)}",
            flush=True,
        )
    if "rest" not in figures or "bulk" not in figures:
        return figures
    rest, bulk = figures["rest"], figures["bulk"]
    differ = same_raw_tables(work / "api-rest.duckdb", work / "api-bulk.duckdb")
    speedup = rest["seconds"] / bulk["seconds"]  # type: ignore[index]
    figures.update(speedup=speedup, differ=differ)
    print(
        f"apis: Bulk is {speedup:.1f}x faster than REST (goal >= 5x); raw tables "
        f"{'equal' if not differ else 'DIFFER in ' + ', '.join(differ)}",
        flush=True,
    )
    return figures


def bench_incremental(db: Path, contacts: int) -> float:
    """``make backtest`` twice on the extracted org: the first records what each step built
    from (the bench's own stages ran outside make), the second finds nothing new to load or
    score and is the figure (goal < 20 s)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "BACKTEST_"))}
    env["RUNTIME__LOG_LEVEL"] = "ERROR"
    cmd = ["make", "--no-print-directory", "backtest", f"DB={db}", f"CONTACTS={contacts}"]
    first, _ = run_measured(cmd, env=env, stage="incremental: make backtest (first)")
    seconds, _ = run_measured(cmd, env=env, stage="incremental: make backtest again")
    print(
        f"incremental: make backtest on the unchanged {contacts:,}-contact org in {seconds:.1f}s "
        f"(goal < 20 s; the run before it took {first:.1f}s)",
        flush=True,
    )
    return seconds


def main() -> int:
    contacts = int(os.environ.get("BENCH_CONTACTS", "1000000"))
    steps = set((os.environ.get("BENCH_STEPS") or ",".join(STEPS)).split(","))
    if steps - set(STEPS):
        raise SystemExit(f"BENCH_STEPS: unknown {', '.join(sorted(steps - set(STEPS)))}")
    work = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="backtest-bench-"))
    db = work / "bench.duckdb"
    env = {**os.environ, "BACKTEST_DB": str(db), "RUNTIME__LOG_LEVEL": "ERROR"}
    for name in ("SALESFORCE_ACCESS_TOKEN", "SALESFORCE_CLIENT_ID", "SALESFORCE_SF_JSON"):
        env.pop(name, None)
    print(f"bench: {contacts:,}-contact demo org in {work}; steps {sorted(steps)}", flush=True)

    # The org is generated once (not part of the extract figure).
    sys.path.insert(0, str(ROOT))
    os.environ["BACKTEST_DB"] = str(db)
    from extract.pipeline import demo_org_folder

    started = time.monotonic()
    demo_org_folder(contacts)
    generate_seconds = time.monotonic() - started
    print(f"generate: {generate_seconds:.1f}s (cached per day)", flush=True)

    results: dict[str, object] = {"contacts": contacts}
    if "extract" in steps:
        results["extract"] = bench_extract(work, env, contacts)
    if "score" in steps:
        results["score"] = bench_score(work, env)
    dbt = str(ROOT / ".venv" / "bin" / "dbt")
    if "transform" in steps:
        dbt_env = {**env, "DBT_PROFILES_DIR": str(ROOT / "dbt_project")}
        # As make score then make transform build it: fitted_history's training rows first
        # (make score), then everything else (make transform).
        training, _ = run_measured(
            [dbt, "build", "--quiet", "--select", "+tag:fitted_training"],
            env=dbt_env,
            cwd=ROOT / "dbt_project",
            stage="score: dbt marts.contacts_to_fit",
        )
        training_nodes = node_seconds(TRAINING_MODELS)
        run_measured(
            [sys.executable, "-m", "scoring.fitted"], env=env, stage="score: fitted_history"
        )
        seconds, peak = run_measured(
            [
                dbt,
                "build",
                "--quiet",
                "--exclude",
                "resource_type:unit_test",
                "--exclude",
                "tag:fitted_training",
            ],
            env=dbt_env,
            cwd=ROOT / "dbt_project",
            stage="transform: dbt build",
        )
        print(
            f"transform: dbt build on the {contacts:,}-contact warehouse in {seconds:.1f}s "
            f"(goal < 60 s); peak RSS {gib(peak)}",
            flush=True,
        )
        print(
            f"transform: fitted_history's training rows (built by make score) in {training:.1f}s"
            f" wall, {training_nodes:.1f}s of node time",
            flush=True,
        )
        results["transform"] = {
            "seconds": seconds,
            "rss": peak,
            "training_seconds": training,
            **beyond_share(),
        }
    if "report" in steps:
        seconds, peak = run_measured(
            [sys.executable, "-m", "reports", "--db", str(db)], env=env, stage="report"
        )
        size = (work / "report" / "index.html").stat().st_size
        print(
            f"report: built in {seconds:.1f}s, {size / 1e6:.2f} MB ({size:,} bytes; goal < 1 MB)"
            f"; peak RSS {gib(peak)}",
            flush=True,
        )
        results["report"] = {"seconds": seconds, "bytes": size, "rss": peak}
    if "incremental" in steps:
        results["incremental"] = bench_incremental(db, contacts)
    if "engines" in steps:
        results["engines"] = bench_engines(work, env, dbt)
    if "apis" in steps:
        results["apis"] = bench_apis(work, env)
    results["backtest"] = print_stages(generate_seconds, contacts)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    figures = json.dumps({"at": stamp, **results}, default=str, indent=2)
    if os.environ.get("BENCH_DIR"):
        (work / "bench.json").write_text(figures)
        print(f"bench: figures and the warehouse kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)  # a 1M-contact warehouse is a few GB
        print(figures)
    return 0


#: The models of issue 13 (stability, Kaplan-Meier, revenue, paired tests, the fitted
#: yardstick's training rows and card): their dbt time against the rest (goal < 20% more).
#: fitted_history's training rows (dbt tag fitted_training), built by make score.
TRAINING_MODELS = (
    "int_contacts_matured_before_window",
    "int_training_inputs_rebuilt",
    "int_training_opportunities_attributed",
    "int_training_contacts_labelled",
    "contacts_to_fit",
)
BEYOND_MODELS = (
    "cohort_metrics",
    "cohort_trend",
    "score_drift",
    "progression_curves",
    "revenue_capture",
    "revenue_capture_curve",
    "int_model_pairs",
    "int_model_pairs_delong",
    "int_model_pairs_bootstrap",
    "model_cards",
    "model_card_terms",
    "stg_scoring__model_cards",
    "stg_scoring__model_card_terms",
    *TRAINING_MODELS,
)


def node_seconds(models: tuple[str, ...]) -> float:
    """Node seconds of ``models`` and their tests in the last dbt run (run_results.json);
    of every node when ``models`` is empty."""
    results = json.loads((ROOT / "dbt_project" / "target" / "run_results.json").read_text())
    return sum(
        node["execution_time"]
        for node in results["results"]
        if not models
        or any(
            f".{model}" in node["unique_id"] or f"_{model}_" in node["unique_id"]
            for model in models
        )
    )


def beyond_share() -> dict[str, float]:
    """From the last dbt build's run_results.json: node seconds of the BEYOND_MODELS (and
    their tests) against every other node's."""
    new = node_seconds(BEYOND_MODELS)
    rest = node_seconds(()) - new
    extra = new / rest if rest else 0.0
    print(
        f"transform: issue 13's models take {new:.1f}s of node time against {rest:.1f}s for "
        f"the rest = {100 * extra:.0f}% more dbt time (goal < 20%)",
        flush=True,
    )
    return {"beyond_node_seconds": new, "other_node_seconds": rest, "beyond_extra": extra}


def bench_extract(work: Path, env: dict[str, str], contacts: int) -> dict[str, float]:
    """A fresh extract of the demo org over loopback (no latency model)."""
    cmd = [sys.executable, "-m", "extract", "--org", "demo", "--demo-contacts", str(contacts)]
    seconds, peak = run_measured([*cmd, "--fresh"], env=env, stage="extract (loopback)")
    progress = json.loads((work / "progress" / "extract.json").read_text())
    records = int(progress["total"])
    rate = records / seconds
    print(
        f"extract: {records:,} records in {seconds:.1f}s = {rate:,.0f} records/s "
        f"(goal >= 50,000); peak RSS {gib(peak)} of the largest process (the extractor or the "
        f"demo server; see the table at the end)",
        flush=True,
    )
    return {"records": records, "seconds": seconds, "rate": rate, "rss": peak}


def bench_score(work: Path, env: dict[str, str]) -> object:
    """The scoring benchmark, then the scoring step on the extracted org."""
    from tests.bench_scoring import run_bench

    # The step against the seed's way on 100,000 contacts (not part of the backtest's time).
    figures = run_bench(100_000) if os.environ.get("BENCH_SEED_COMPARISON", "1") != "0" else {}
    inputs_seconds, _ = run_measured(
        [
            str(ROOT / ".venv" / "bin" / "dbt"),
            "build",
            "--quiet",
            "--select",
            "+contacts_to_score",
            "--target",
            "duckdb",
        ],
        env=env,
        cwd=ROOT / "dbt_project",
        stage="score: dbt marts.contacts_to_score",
    )
    print(f"dbt: marts.contacts_to_score (the scoring input) built in {inputs_seconds:.1f}s")
    seconds, peak = run_measured(
        [sys.executable, "-m", "scoring"], env=env, stage="score: the qualification API"
    )
    scored = json.loads((work / "progress" / "score.json").read_text())
    print(
        f"score on this org: {int(scored['total']):,} qualifications (window contacts x models) "
        f"in {seconds:.1f}s = {int(scored['total']) / seconds:,.0f}/s including start-up and "
        f"the reference API's; peak RSS {gib(peak)}",
        flush=True,
    )
    return figures


if __name__ == "__main__":
    sys.exit(main())
