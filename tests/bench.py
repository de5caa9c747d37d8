"""``make bench``: throughput and memory of each stage, printed as figures.

Each stage runs as its own process (as ``make backtest`` runs it) on one large demo org
(``BENCH_CONTACTS``, default 1,000,000) and its peak RSS is sampled with psutil:

1. extract: the demo org served over loopback HTTP by the Salesforce-compatible server and
   loaded into a fresh DuckDB file (records/s over all objects; goal >= 50,000/s, < 2 GiB);
2. score: the scoring step's own benchmark on 100,000 contacts against the reference API,
   beside the seed's way (one request per contact, sequential, one SQLite insert each);
3. transform: ``dbt build`` on the scored 1,000,000-contact warehouse (goal < 60 s);
4. report: ``python -m reports`` on it, and the size of the page (goal < 1 MB: the review
   list holds the top 25 misses per model and kind, not all of them).

Nothing here asserts: the figures are for people to read (and to paste into issues).
"""

from __future__ import annotations

import json
import os
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


def run_measured(cmd: list[str], *, env: dict[str, str], cwd: Path = ROOT) -> tuple[float, int]:
    """Run ``cmd``; return wall seconds and the peak RSS (bytes) of its process tree's root."""
    started = time.monotonic()
    process = subprocess.Popen(cmd, env=env, cwd=cwd)
    handle = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, handle.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    if process.returncode:
        raise SystemExit(f"bench: {' '.join(cmd)} failed with exit code {process.returncode}")
    return time.monotonic() - started, peak


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


def main() -> int:
    contacts = int(os.environ.get("BENCH_CONTACTS", "1000000"))
    work = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="backtest-bench-"))
    db = work / "bench.duckdb"
    env = {**os.environ, "BACKTEST_DB": str(db), "RUNTIME__LOG_LEVEL": "ERROR"}
    for name in ("SALESFORCE_ACCESS_TOKEN", "SALESFORCE_CLIENT_ID", "SALESFORCE_SF_JSON"):
        env.pop(name, None)
    print(f"bench: {contacts:,}-contact demo org in {work}", flush=True)

    # The org is generated once (not part of the extract figure).
    sys.path.insert(0, str(ROOT))
    os.environ["BACKTEST_DB"] = str(db)
    from extract.pipeline import demo_org_folder

    started = time.monotonic()
    demo_org_folder(contacts)
    print(f"generate: {time.monotonic() - started:.1f}s (cached per day)", flush=True)

    results: dict[str, object] = {"contacts": contacts}
    seconds, peak = run_measured(
        [
            sys.executable,
            "-m",
            "extract",
            "--org",
            "demo",
            "--demo-contacts",
            str(contacts),
            "--fresh",
        ],
        env=env,
    )
    progress = json.loads((work / "progress" / "extract.json").read_text())
    records = int(progress["total"])
    rate = records / seconds
    print(
        f"extract: {records:,} records in {seconds:.1f}s = {rate:,.0f} records/s "
        f"(goal >= 50,000); peak RSS {gib(peak)} of the extractor process (goal < 2 GiB; "
        "the demo server runs in its own process)",
        flush=True,
    )
    results["extract"] = {"records": records, "seconds": seconds, "rate": rate, "rss": peak}

    from tests.bench_scoring import run_bench

    results["score"] = run_bench(100_000)

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
    )
    print(f"dbt: marts.contacts_to_score (the scoring input) built in {inputs_seconds:.1f}s")
    seconds, peak = run_measured([sys.executable, "-m", "scoring"], env=env)
    scored = json.loads((work / "progress" / "score.json").read_text())
    print(
        f"score on this org: {int(scored['total']):,} qualifications (window contacts x models) "
        f"in {seconds:.1f}s = {int(scored['total']) / seconds:,.0f}/s including start-up and "
        f"the reference API's; peak RSS {gib(peak)}",
        flush=True,
    )
    dbt = str(ROOT / ".venv" / "bin" / "dbt")
    dbt_env = {**env, "DBT_PROFILES_DIR": str(ROOT / "dbt_project")}
    seconds, peak = run_measured(
        [dbt, "build", "--quiet", "--exclude", "resource_type:unit_test"],
        env=dbt_env,
        cwd=ROOT / "dbt_project",
    )
    print(
        f"transform: dbt build on the {contacts:,}-contact warehouse in {seconds:.1f}s "
        f"(goal < 60 s); peak RSS {gib(peak)}",
        flush=True,
    )
    results["transform"] = {"seconds": seconds, "rss": peak}
    seconds, peak = run_measured([sys.executable, "-m", "reports", "--db", str(db)], env=env)
    size = (work / "report" / "index.html").stat().st_size
    print(
        f"report: built in {seconds:.1f}s, {size / 1e6:.2f} MB ({size:,} bytes; goal < 1 MB); "
        f"peak RSS {gib(peak)}",
        flush=True,
    )
    results["report"] = {"seconds": seconds, "bytes": size, "rss": peak}
    results["engines"] = bench_engines(work, env, dbt)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    figures = json.dumps({"at": stamp, **results}, default=str, indent=2)
    if os.environ.get("BENCH_DIR"):
        (work / "bench.json").write_text(figures)
        print(f"bench: figures and the warehouse kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)  # a 1M-contact warehouse is a few GB
        print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
