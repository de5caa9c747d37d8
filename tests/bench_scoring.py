"""Throughput and memory of the scoring step, against "the seed's way".

``run_bench(contacts)`` loads a demo org whose window holds about ``contacts`` contacts
into a temporary DuckDB file (``tests.synthetic.demo_warehouse``: the generator and the
extract stage), starts the reference API in its own process, then measures:

- **this step**: ``python -m scoring`` as a subprocess against that API (reading DuckDB,
  batched HTTP over loopback, writing DuckDB), wall time from process start to exit, so
  interpreter start-up and imports are included; peak RSS and CPU of the step process
  (``wait4``) and of the API process (psutil);
- **the seed's way**: one ``POST /qualify`` per contact and model, sequential, each result
  inserted into SQLite and committed on its own, on a sample of the window (default 1,000
  contacts), extrapolated to a rate; once with one kept-alive httpx connection and once
  with a new ``http.client`` connection per request, as a script calling ``requests.post``
  does. ``ratio`` is against the faster of the two (on loopback the throwaway connection
  is often faster than httpx's per-request overhead).

Both score every requested model (default both), so contacts/s compare like for like.
``python -m tests.bench_scoring [--contacts N] [--json]`` prints the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import httpx
import psutil

from scoring.config import DEFAULT_MODELS
from scoring.domains import derive_domain
from scoring.server import reference_api
from scoring.warehouse import read_inputs
from tests.stages import build_scoring_inputs
from tests.synthetic import demo_warehouse

AS_OF = dt.date(2026, 11, 1)
DAYS = 30


def run_bench(
    contacts: int = 100_000,
    *,
    seed_sample: int = 1_000,
    models: tuple[str, ...] = DEFAULT_MODELS,
    quiet: bool = False,
) -> dict[str, Any]:
    """Measure this step and the seed's way; return (and print unless quiet) the figures.

    ``build_seconds`` is the time to generate and load the org (not part of the figures)."""
    with tempfile.TemporaryDirectory(prefix="scoring-bench-") as tmp:
        db = Path(tmp) / "bench.duckdb"
        started = time.perf_counter()
        in_window = demo_warehouse(db, window_contacts=contacts, as_of=AS_OF, days=DAYS)
        build_s = time.perf_counter() - started
        build_scoring_inputs(db, as_of=AS_OF, days=DAYS)  # as `make score` does first
        with reference_api(log_file=Path(tmp) / "api.log") as url:
            server = _server_process()
            step = _measure_step(db, url=url, models=models, server=server)
            seed = _measure_seed(
                db, url=url, models=models, sample=seed_sample, reuse_connection=True
            )
            naive = _measure_seed(
                db, url=url, models=models, sample=seed_sample, reuse_connection=False
            )
    fastest = max(seed["contacts_per_s"], naive["contacts_per_s"])
    result = {
        "contacts_in_window": in_window,
        "models": list(models),
        "build_seconds": round(build_s, 2),
        "step": step,
        "seed": seed,
        "seed_new_connections": naive,
        # The conservative ratio: against whichever way of the seed was faster here.
        "ratio": round(step["contacts_per_s"] / fastest, 1),
        "ratio_vs_kept_alive": round(step["contacts_per_s"] / seed["contacts_per_s"], 1),
        "ratio_vs_new_connections": round(step["contacts_per_s"] / naive["contacts_per_s"], 1),
        "machine": {
            "cpus": os.cpu_count(),
            "load_avg_1m": round(os.getloadavg()[0], 2),
            "python": sys.version.split()[0],
        },
    }
    if not quiet:
        print(report(result))
    return result


def _server_process() -> psutil.Process | None:
    for child in psutil.Process().children(recursive=True):
        try:
            if "scoring.api" in " ".join(child.cmdline()):
                return child
        except psutil.Error:
            continue
    return None


def _measure_step(
    db: Path, *, url: str, models: tuple[str, ...], server: psutil.Process | None
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "scoring",
        "--db",
        str(db),
        "--as-of",
        AS_OF.isoformat(),
        "--days",
        str(DAYS),
        "--api-url",
        url,
        "--models",
        ",".join(models),
        "--no-progress",
    ]
    server_cpu0 = _cpu(server)
    out_path, err_path = db.with_suffix(".out"), db.with_suffix(".err")
    with open(out_path, "wb") as out_file, open(err_path, "wb") as err_file:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out_file, stderr=err_file)
        # wait4 rather than wait: it also reports the child's peak RSS and CPU time.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = out_path.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        err = err_path.read_text(encoding="utf-8", errors="replace")
        raise RuntimeError(f"scoring step failed ({proc.returncode}): {err or out}")
    with duckdb.connect(str(db), read_only=True) as con:
        rows, contacts = con.execute(
            "select count(*), count(distinct contact_id) from scoring.qualifications "
            "where status = 'ok'"
        ).fetchone()
    return {
        "seconds": round(seconds, 2),
        "contacts": contacts,
        "qualifications": rows,
        "contacts_per_s": round(contacts / seconds),
        "qualifications_per_s": round(rows / seconds),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),  # Linux reports KiB
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "api_cpu_seconds": round(_cpu(server) - server_cpu0, 2) if server else None,
        "api_rss_mb": round(server.memory_info().rss / 2**20) if server else None,
        "summary": out.strip().splitlines()[0] if out.strip() else "",
    }


def _cpu(proc: psutil.Process | None) -> float:
    if proc is None:
        return 0.0
    times = proc.cpu_times()
    return times.user + times.system


def _measure_seed(
    db: Path, *, url: str, models: tuple[str, ...], sample: int, reuse_connection: bool
) -> dict[str, Any]:
    """The predecessor's loop: per contact and model one request, one insert, one commit.

    ``reuse_connection=False`` is a script calling ``requests.post`` (a new connection
    per request); ``True`` gives the seed a kept-alive connection (the kinder baseline).
    """
    with tempfile.TemporaryDirectory(prefix="scoring-seed-") as tmp:
        started = time.perf_counter()
        inputs = read_inputs(db, as_of=AS_OF, days=DAYS, models=[]).contacts
        contacts = [
            {name: values[i] for name, values in inputs.items()}
            for i in range(min(sample, len(inputs["contact_id"])))
        ]
        sqlite = sqlite3.connect(Path(tmp) / "backtest_results.db")
        sqlite.execute(
            "create table lead_qualifications (contact_id text, model text, "
            "qualification_score real, is_qualified integer, confidence text, "
            "industries text, use_cases text, reasoning text, business_signals text)"
        )
        with httpx.Client(base_url=url, timeout=30.0) as client:
            for row in contacts:
                item = _seed_item(row)
                for model in models:
                    if reuse_connection:
                        r = client.post("/qualify", params={"model": model}, json=item).json()
                    else:
                        r = _post_new_connection(url, f"/qualify?model={model}", item)
                    sqlite.execute(
                        "insert into lead_qualifications values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            row["contact_id"],
                            model,
                            r["score"],
                            r["is_qualified"],
                            r["confidence"],
                            ", ".join(r["industries"]),
                            ", ".join(r["use_cases"]),
                            r["reasoning"],
                            str(r["business_signals"]),
                        ),
                    )
                    sqlite.commit()
        sqlite.close()
        seconds = time.perf_counter() - started
    n = len(contacts)
    how = "one kept-alive connection" if reuse_connection else "a new connection per request"
    return {
        "sample_contacts": n,
        "connection": how,
        "seconds": round(seconds, 2),
        "contacts_per_s": round(n / seconds, 1),
        "qualifications_per_s": round(n * len(models) / seconds, 1),
        "extrapolated": True,
        "note": f"measured on {n:,} contacts ({how}), rate extrapolated to the full window",
    }


def _post_new_connection(url: str, path: str, item: dict[str, Any]) -> Any:
    """One POST on a fresh TCP connection, as ``requests.post`` does for an http:// URL
    (plain ``http.client``: no TLS context is built, unlike a throwaway httpx client)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        body = json.dumps(item).encode()
        conn.request("POST", path, body=body, headers={"content-type": "application/json"})
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def _seed_item(row: dict[str, Any]) -> dict[str, Any]:
    domain, _ = derive_domain(row["email"], row["website"])
    keys = "company_name website industry employees annual_revenue description title email"
    return {
        "domain": domain,
        **{k: row[k] for k in keys.split()},
        "lead_source": row["lead_source"],
    }


def report(result: dict[str, Any]) -> str:
    """The figures as a short text report."""
    step, seed = result["step"], result["seed"]
    return "\n".join(
        [
            f"⚡ scoring benchmark: {result['contacts_in_window']:,} contacts in the window, "
            f"models {', '.join(result['models'])} "
            f"({result['machine']['cpus']} CPUs, load {result['machine']['load_avg_1m']})",
            f"   this step:     {step['contacts_per_s']:>9,} contacts/s "
            f"({step['qualifications_per_s']:,} qualifications/s; {step['seconds']} s end to end "
            f"incl. interpreter start)",
            f"                  peak RSS {step['peak_rss_mb']} MB (step process), "
            f"API process {step['api_rss_mb']} MB; CPU {step['cpu_seconds']} s step + "
            f"{step['api_cpu_seconds']} s API",
            f"   the seed's way:{seed['contacts_per_s']:>10,} contacts/s "
            f"({seed['note']}: {seed['seconds']} s)",
            f"                  {result['seed_new_connections']['contacts_per_s']:>10,} "
            f"contacts/s with {result['seed_new_connections']['connection']}",
            f"   ratio:         {result['ratio']}x against the faster of the two "
            f"({result['ratio_vs_kept_alive']}x kept-alive, "
            f"{result['ratio_vs_new_connections']}x new connections)",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.bench_scoring``."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench_scoring", description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--seed-sample", type=int, default=1_000)
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    models = tuple(m.strip() for m in args.models.split(",") if m.strip())
    result = run_bench(args.contacts, seed_sample=args.seed_sample, models=models, quiet=args.json)
    if args.json:
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
