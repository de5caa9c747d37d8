"""Skip a step whose inputs have not changed since it last succeeded.

A second ``make backtest`` on an unchanged org (nothing new in Salesforce, nothing new to
score) should not rebuild what it built a minute ago. Each skippable step runs through
``python -m plumbing.uptodate STEP --reads ... -- command ...``, which fingerprints what the
step's result depends on:

- the data it reads (``--reads``: schemas or ``schema.table`` relations of the warehouse):
  per table its row count and a change marker: the latest write stamp for a table whose
  every written row is stamped (``_dlt_load_id`` for a table dlt loads, ``scored_at``,
  ``trained_at`` for the scoring step's), else a hash of every row (a dbt model);
- the code (``--code``: files or folders, hashed by content) and the installed versions of
  dbt-core, dbt-duckdb and DuckDB;
- the settings: the command line (dbt's ``--vars``, ``--select``), the run settings that
  reach the step through the environment (AS_OF, resolved to today when unset, DAYS,
  MODELS, FITTED, the target and the warehouse path).

When the fingerprint equals the one recorded at the step's last success, and every relation
that success left in the warehouse is still there (and ``--output`` files exist), the step is
skipped with one line saying so. Otherwise the command runs; on success (with every
``--output`` made) the fingerprint is recorded in ``<warehouse>.steps.json``, beside the
warehouse file, never inside it: a new warehouse starts with nothing recorded. A running or
failed step has no record, so a rerun runs it.
``UPTODATE=off`` (``BACKTEST_UPTODATE=off``) always runs. The Spark target always runs: its
marts live outside the warehouse file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from plumbing.progress import write_atomic
from plumbing.warehouse import WarehouseOpenError, connect, default_db

#: The run settings that shape a step's result when they reach it through the environment
#: (the others reach dbt through ``--vars`` on its command line).
SETTINGS = (
    "BACKTEST_TARGET",
    "BACKTEST_DB",
    "BACKTEST_DAYS",
    "BACKTEST_MODELS",
    "BACKTEST_FITTED",
    "BACKTEST_FITTED_MAX_ROWS",
    "BACKTEST_STAGE_ONE",
    "BACKTEST_POINT_IN_TIME",
    "BACKTEST_COHORT",
)
#: Columns stamped anew on every row a load writes: dlt's load id, the scoring step's
#: scored_at, fitted_history's trained_at. A table without one is hashed row by row.
WRITE_STAMPS = ("_dlt_load_id", "scored_at", "trained_at")
#: Schemas dbt builds: a step's success leaves relations there that must still exist.
BUILT_SCHEMAS = ("staging", "intermediate", "marts")
#: Files under a code folder that are not code (dbt's own output, caches).
_NOT_CODE = {"target", "logs", "dbt_packages", "__pycache__", ".user.yml", "spark_conf"}
_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")


def record_path(db: Path) -> Path:
    """Where the steps' fingerprints of the warehouse at ``db`` are recorded."""
    return db.with_name(db.name + ".steps.json")


def code_digest(paths: Iterable[Path]) -> str:
    """A hash of every file under ``paths`` (names and contents, in a stable order)."""
    digest = hashlib.sha256()
    for root in sorted(paths):
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if _NOT_CODE & set(path.relative_to(root.parent).parts):
                continue
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _tables(con: Any, reads: Sequence[str]) -> list[tuple[str, str]]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_name not like '\\_dlt\\_%' escape '\\' order by 1, 2"
    ).fetchall()
    wanted = []
    for schema, name in rows:
        if schema in reads or f"{schema}.{name}" in reads:
            wanted.append((schema, name))
    return wanted


def table_marker(con: Any, schema: str, name: str) -> list[Any]:
    """Row count and change marker of one table (see the module's docstring)."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    names = [c for c, _ in columns]
    stamps = [c for c in WRITE_STAMPS if c in names]
    if stamps:
        markers = [f'max("{c}")::varchar' for c in stamps]
    else:
        quoted = ", ".join(f'"{c}"' for c in names)
        markers = [f"sum(hash({quoted})::hugeint)::varchar"]
    row = con.execute(f'select count(*), {", ".join(markers)} from "{schema}"."{name}"').fetchone()
    return list(row)


def built_relations(con: Any) -> list[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        f"where table_schema in ({', '.join('?' for _ in BUILT_SCHEMAS)}) order by 1",
        list(BUILT_SCHEMAS),
    ).fetchall()
    return [r[0] for r in rows]


def _versions() -> dict[str, str]:
    found = {}
    for package in _PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = ""
    return found


def _as_of() -> str:
    return os.environ.get("BACKTEST_AS_OF") or datetime.now(UTC).date().isoformat()


def fingerprint(
    db: Path,
    *,
    step: str,
    command: Sequence[str],
    reads: Sequence[str],
    code: Sequence[Path],
) -> tuple[str, list[str]]:
    """The step's fingerprint now, and the relations dbt's schemas hold now."""
    with connect(db, read_only=True) as con:
        data = {f"{s}.{n}": table_marker(con, s, n) for s, n in _tables(con, reads)}
        relations = built_relations(con)
    facts = {
        "step": step,
        "command": list(command),
        "as_of": _as_of(),
        "settings": {name: os.environ.get(name, "") for name in SETTINGS},
        "versions": _versions(),
        "code": code_digest(code),
        "data": data,
    }
    text = json.dumps(facts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest(), relations


def load(db: Path) -> dict[str, dict[str, Any]]:
    """The recorded steps of the warehouse at ``db`` (empty when none or unreadable)."""
    try:
        return json.loads(record_path(db).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write(db: Path, steps: dict[str, dict[str, Any]]) -> None:
    write_atomic(record_path(db), json.dumps(steps, indent=2, sort_keys=True))


def save(db: Path, step: str, entry: dict[str, Any]) -> None:
    """Record ``step``'s success."""
    _write(db, {**load(db), step: entry})


def forget(db: Path, step: str) -> None:
    """Drop ``step``'s record (it is running, or it failed: the next run must run it)."""
    steps = load(db)
    if steps.pop(step, None) is not None:
        _write(db, steps)


def why_run(
    entry: dict[str, Any] | None, now: str, relations: Sequence[str], outputs: Sequence[Path]
) -> str | None:
    """Why the step must run, or None when its last success still holds."""
    if not entry:
        return "no earlier success recorded"
    if entry.get("fingerprint") != now:
        return "new data, code or settings since its last success"
    missing = sorted(set(entry.get("relations", [])) - set(relations))
    if missing:
        return f"{missing[0]} is gone from the warehouse"
    for path in outputs:
        if not path.exists():
            return f"{path} is gone"
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m plumbing.uptodate STEP [options] -- command ...", description=__doc__
    )
    parser.add_argument("step", help="the step's name (recorded, and shown when skipped)")
    parser.add_argument("--reads", default="", help="schemas or schema.table, comma-separated")
    parser.add_argument("--code", default="", help="files or folders, comma-separated")
    parser.add_argument("--output", action="append", default=[], help="a file the step makes")
    parser.add_argument("--what", default="", help="what the step makes, for the skip line")
    return parser


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cut = argv.index("--") if "--" in argv else len(argv)
    args = _parser().parse_args(argv[:cut])
    command = argv[cut + 1 :]
    if not command:
        print("plumbing.uptodate: give the step's command after --", file=sys.stderr)
        return 2
    db = default_db()
    mode = os.environ.get("BACKTEST_UPTODATE", "auto").lower()
    spark = os.environ.get("BACKTEST_TARGET", "duckdb") == "spark"
    if mode == "off" or spark or not db.exists():
        return subprocess.call(command)
    code = [Path(p).resolve() for p in _split(args.code)]
    reads = _split(args.reads)
    outputs = [Path(p) for p in args.output]
    try:
        now, relations = fingerprint(db, step=args.step, command=command, reads=reads, code=code)
    except WarehouseOpenError:
        return subprocess.call(command)
    entry = load(db).get(args.step)
    reason = why_run(entry, now, relations, outputs)
    if reason is None:
        assert entry is not None
        at = str(entry.get("at", "?")).replace("T", " ").replace("+00:00", " UTC")
        print(
            f"⏭️  {args.what or args.step} is up to date: nothing new loaded or scored, same "
            f"code and settings as at its last success ({at}); UPTODATE=off runs it anyway",
            flush=True,
        )
        return 0
    if entry:
        print(f"🔁 {args.what or args.step} runs again: {reason}", flush=True)
    forget(db, args.step)
    started = time.monotonic()
    try:
        code_ = subprocess.call(command)
    except KeyboardInterrupt:
        return 130
    if code_ == 0 and all(path.exists() for path in outputs):
        with connect(db, read_only=True) as con:
            relations = built_relations(con)
        save(
            db,
            args.step,
            {
                "fingerprint": now,
                "relations": relations,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "seconds": round(time.monotonic() - started, 2),
            },
        )
    return code_


if __name__ == "__main__":
    sys.exit(main())
