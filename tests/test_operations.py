"""Operations (issue 11): every failure a user can cause is one line, one run per warehouse,
status never breaks a run, helpers die with their parent, a killed stage shows as died.

Real processes, real DuckDB files, real locks; the rows of the README's troubleshooting
table each have a test here (``test_troubleshooting_rows_are_tested`` checks that).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psutil
import pytest

from plumbing.failures import describe_os_error
from plumbing.runlock import is_held
from scoring.__main__ import main as scoring_main
from tests.scoring_fixtures import AS_OF, FaultyApi, serve, simple_org

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def env_for(db: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a user's shell: no settings inherited from `make test` itself."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BACKTEST_", "SALESFORCE_", "API_", "MAKE", "MFLAGS"))
    }
    env["BACKTEST_TARGET"] = "duckdb"
    if db is not None:
        env["BACKTEST_DB"] = str(db)
    return {**env, **extra}


def run(
    cmd: list[str], env: dict[str, str], *, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def failure_line(done: subprocess.CompletedProcess) -> str:
    """The one ❌ line of a failed command (and no traceback anywhere on the terminal)."""
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert "Traceback" not in out, out
    lines = [line for line in out.splitlines() if line.startswith("❌")]
    assert len(lines) == 1, out
    return lines[0]


EXTRACT = [PY, "-m", "extract", "--demo-contacts", "60"]
SCORE = [PY, "-m", "scoring", "--no-progress", "--as-of", AS_OF.isoformat()]
REPORT = [PY, "-m", "reports"]
TRANSFORM = [PY, "-m", "plumbing.runlock", "--stage", "transform", "--", PY, "-c", "pass"]
STAGES = {"extract": EXTRACT, "scoring": SCORE, "report": REPORT, "transform": TRANSFORM}


@contextmanager
def holder(db: Path, stage: str = "extract") -> Iterator[subprocess.Popen]:
    """A run holding the warehouse's lock (a real process), until the block ends."""
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "plumbing.runlock",
            "--stage",
            stage,
            "--",
            PY,
            "-c",
            "import time; time.sleep(120)",
        ],
        cwd=ROOT,
        env=env_for(db),
    )
    try:
        deadline = time.monotonic() + 20
        while not is_held(db):
            assert time.monotonic() < deadline and proc.poll() is None, "the holder did not start"
            time.sleep(0.02)
        yield proc
    finally:
        proc.kill()
        proc.wait(10)


@contextmanager
def duckdb_user(db: Path) -> Iterator[int]:
    """Another program (not a stage) with the warehouse open for writing; yields its pid."""
    proc = subprocess.Popen(
        [
            PY,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "con.execute('create schema if not exists x'); print('ready', flush=True); "
            "time.sleep(120)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout and proc.stdout.readline().strip() == "ready"
        yield proc.pid
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


# --- one line per failure ---------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_db_through_a_file_is_one_line(stage: str, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    db = tmp_path / "notes.txt" / "x.duckdb"
    line = failure_line(run(STAGES[stage], env_for(db)))
    assert f"{tmp_path / 'notes.txt'} is a file, not a folder" in line


@pytest.mark.parametrize("stage", STAGES)
def test_db_that_is_not_duckdb_is_one_line(stage: str, tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    db.write_text("name,value\nthis is a spreadsheet export,1\n")
    line = failure_line(run(STAGES[stage], env_for(db)))
    assert f"DB={db} exists but is not a DuckDB database" in line


@pytest.fixture
def unwritable_folder() -> Iterator[Path]:
    """A folder its owner (root) may read but not write (a real permission problem)."""
    top = Path(tempfile.mkdtemp(prefix="backtest-ro-", dir="/tmp"))
    (top / "data").mkdir()
    top.chmod(0o755)
    (top / "data").chmod(0o555)
    try:
        yield top / "data"
    finally:
        shutil.rmtree(top)


@pytest.mark.parametrize("stage", STAGES)
def test_a_folder_the_user_cannot_write_is_one_line(stage: str, unwritable_folder: Path) -> None:
    assert os.geteuid() == 0, "this test drops root's permission override, which needs root"
    db = unwritable_folder / "backtest.duckdb"
    env = env_for(db, HOME="/tmp")
    # Root without CAP_DAC_OVERRIDE obeys the folder's mode bits like any user, and can
    # still read the checkout wherever CI cloned it (user nobody may not reach it).
    no_override = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    line = failure_line(run(no_override + STAGES[stage], env))
    assert f"permission denied writing {unwritable_folder}" in line


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.EROFS, "the file system is read-only"),
        (errno.ENOSPC, "is full. Free some space and rerun"),
        (errno.EACCES, "permission denied writing"),
    ],
)
def test_file_system_faults_name_the_path_and_the_fix(code: int, words: str) -> None:
    # A read-only mount or a full disk cannot be made without mount rights: the message
    # for the errno the kernel gives is checked here, the real EACCES above.
    line = describe_os_error(OSError(code, os.strerror(code), "/data/backtest.duckdb"))
    assert words in line and "/data/backtest.duckdb" in line


@pytest.mark.parametrize(("value", "words"), [("abc", "whole number"), ("-5", "at least 1")])
def test_contacts_that_is_not_a_positive_number_is_one_line(
    value: str, words: str, tmp_path: Path
) -> None:
    done = run(
        [
            "make",
            "--no-print-directory",
            "extract",
            f"CONTACTS={value}",
            f"DB={tmp_path / 'w.duckdb'}",
        ],
        env_for(),
    )
    line = failure_line(done)
    assert "CONTACTS must be" in line and words in line


def test_extract_on_a_warehouse_another_program_holds_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with duckdb_user(db) as pid:
        line = failure_line(run(EXTRACT, env_for(db)))
    assert f"{db} is open in another program" in line and f"PID {pid}" in line


def test_scoring_on_a_warehouse_another_program_holds_is_one_line(tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 3)
    with duckdb_user(db):
        line = failure_line(run(SCORE, env_for(db)))
    assert f"warehouse {db} is locked by another process" in line


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_on_a_warehouse_another_run_holds_names_it(stage: str, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with holder(db, "score") as proc:
        line = failure_line(run(STAGES[stage], env_for(db)))
    assert f"the warehouse {db} is in use by another run: score (pid {proc.pid}" in line
    assert "WAIT=600" in line


def test_dbt_and_a_second_backtest_under_the_lock_are_one_line(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with holder(db, "extract") as proc:
        for target in ("transform", "backtest"):
            done = run(["make", "--no-print-directory", target, f"DB={db}"], env_for())
            line = failure_line(done)
            assert line.startswith(f"❌ {target} failed: the warehouse {db} is in use"), line
            assert f"extract (pid {proc.pid}" in line


def test_wait_waits_for_the_other_run_with_a_message(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with holder(db) as proc:
        waiter = subprocess.Popen(
            [PY, "-m", "plumbing.runlock", "--stage", "report", "--", PY, "-c", "print('ran')"],
            cwd=ROOT,
            env=env_for(db, BACKTEST_WAIT="60"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)
        assert waiter.poll() is None  # still waiting
        proc.kill()
        out, err = waiter.communicate(timeout=30)
    assert waiter.returncode == 0 and out.strip() == "ran"
    assert f"is in use by extract (pid {proc.pid}" in err and "waiting up to 60s" in err
    with holder(db):
        started = time.monotonic()
        line = failure_line(run(TRANSFORM, env_for(db, BACKTEST_WAIT="1")))
    assert "in use by another run" in line and time.monotonic() - started < 15


def test_two_first_runs_at_once(tmp_path: Path) -> None:
    """Two warehouses in one folder share the demo org's generation; two runs on one
    warehouse: one loads, the other says who holds it."""
    cmd = [PY, "-m", "extract", "--demo-contacts", "3000"]
    both = [
        subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env_for(tmp_path / name),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a.duckdb", "b.duckdb")
    ]
    for proc in both:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and "Traceback" not in err, err
    counts = []
    for name in ("a.duckdb", "b.duckdb"):
        with duckdb.connect(str(tmp_path / name), read_only=True) as con:
            counts.append(con.execute("select count(*) from raw_salesforce.contact").fetchone())
    assert counts[0] == counts[1] == (3000,)

    same = tmp_path / "same" / "w.duckdb"
    one, two = (
        subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env_for(same),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    )
    outs = [p.communicate(timeout=300) for p in (one, two)]
    codes = sorted(p.returncode for p in (one, two))
    assert codes == [0, 3], outs
    failed = next(err for p, (_, err) in zip((one, two), outs, strict=True) if p.returncode)
    assert "Traceback" not in failed and "is in use by another run: extract (pid" in failed


def test_a_huge_value_in_an_export_names_the_file(tmp_path: Path) -> None:
    org = tmp_path / "export"
    org.mkdir()
    huge = "x" * (40 << 20)  # far above the 16 MiB CSV chunk; Salesforce allows 131,072 chars
    (org / "Contact.csv").write_text(
        f'"Id","CreatedDate","Name"\n"003000000000001AAA","2026-11-01 10:00:00","{huge}"\n'
    )
    line = failure_line(
        run([PY, "-m", "extract", "--org", str(org)], env_for(tmp_path / "w.duckdb"))
    )
    assert f"{org / 'Contact.csv'}: a value after data row 1 is larger than 16 MiB" in line


def test_model_version_drift_is_warned_on_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = simple_org(tmp_path / "w.duckdb", 4)
    with serve(FaultyApi(answer_version="1.1")) as url:
        code = scoring_main(
            ["--db", str(db), "--as-of", AS_OF.isoformat(), "--api-url", url, "--no-progress"]
        )
    assert code == 0
    err = capsys.readouterr().err
    assert "⚠️  model business_context answered as version 1.1, but " + url in err
    assert "/health said 1.0" in err


# --- helpers die with their parent; a killed stage shows as died -------------------------


def test_kill_9_of_the_extractor_takes_the_demo_server_and_shows_as_died(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    proc = subprocess.Popen(
        [PY, "-m", "extract", "--demo-contacts", "20000"],
        cwd=ROOT,
        env=env_for(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = None
    deadline = time.monotonic() + 120
    while server is None and time.monotonic() < deadline and proc.poll() is None:
        for child in psutil.Process(proc.pid).children(recursive=True):
            if "extract.demo.server" in " ".join(child.cmdline()) and child.net_connections():
                server = child
        time.sleep(0.05)
    assert server is not None, "the demo server never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    gone, alive = psutil.wait_procs([server], timeout=5)
    assert gone and not alive, "the demo server outlived the extractor"

    status = run([PY, "-m", "reports.status"], env_for(db))
    assert status.returncode == 0, status.stderr
    assert re.search(
        rf"💀 extract \(pid {proc.pid}, since .*\) died \(last sign of life", status.stdout
    )
    assert "died (last sign of life" in status.stdout
    assert "Extract (running)" not in status.stdout


def test_kill_9_of_scoring_shows_as_died_not_running(tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 400)
    proc = subprocess.Popen(
        [*SCORE, "--batch-size", "10", "--rate", "25"],
        cwd=ROOT,
        env=env_for(db, BACKTEST_API_URL=""),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    progress = db.parent / "progress" / "score.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        not progress.exists() or b'"processed":0' in progress.read_bytes()
    ):
        time.sleep(0.05)
    api = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    _, alive = psutil.wait_procs(api, timeout=5)
    assert not alive, "the reference API outlived the scoring step"

    status = run([PY, "-m", "reports.status"], env_for(db))
    assert f"Job 1 (Scoring, died: process {proc.pid} is gone, last update 20" in status.stdout
    assert "💀 score (pid" in status.stdout
    assert "Scoring, running" not in status.stdout


#: What the README's troubleshooting table says for the failures of issue 11; each is
#: asserted by a test above and must appear in the README.
TROUBLESHOOTING = (
    "is a file, not a folder",
    "exists but is not a DuckDB database",
    "permission denied writing",
    "the file system is read-only",
    "is full. Free some space and rerun",
    "CONTACTS must be",
    "is open in another program",
    "is locked by another process",
    "is in use by another run",
    "is larger than 16 MiB",
    "answered as version",
    "refused our credentials",
    "died (last sign of life",
)


def test_the_readme_troubleshooting_table_has_a_row_per_failure() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    source = Path(__file__).read_text(encoding="utf-8").split("TROUBLESHOOTING = (", 1)[0]
    auth_tests = (ROOT / "tests" / "test_scoring_auth.py").read_text(encoding="utf-8")
    for words in TROUBLESHOOTING:
        assert words in table, f"README troubleshooting lacks {words!r}"
        assert words in source or words in auth_tests, words


# --- status never breaks a run ------------------------------------------------------------


#: Columns that say when or how fast a run went, not what it found.
RUN_DEPENDENT = ("scored_at", "generated_at", "trained_at", "fit_seconds")


def _tables(db: Path) -> dict[str, list[tuple]]:
    """Every table of the run (raw, scoring, marts) without load ids and run timestamps."""
    out: dict[str, list[tuple]] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw_salesforce', 'scoring', 'marts') "
            "and table_type = 'BASE TABLE' and not starts_with(table_name, '_dlt')"
        ).fetchall()
        for schema, table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? "
                    "and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if not c.startswith("_dlt") and c not in RUN_DEPENDENT
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'select {select} from {schema}."{table}"').fetchall()
            rounded = [
                tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows
            ]
            out[f"{schema}.{table}"] = sorted(rounded, key=repr)
    return out


def test_50_status_calls_during_a_backtest_leave_its_tables_equal_to_a_clean_run(
    tmp_path: Path,
) -> None:
    import datetime as dt
    import threading

    as_of = dt.datetime.now(dt.UTC).date().isoformat()
    busy, clean = tmp_path / "busy" / "backtest.duckdb", tmp_path / "clean" / "backtest.duckdb"

    def backtest(db: Path) -> subprocess.Popen:
        return subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "backtest",
                f"DB={db}",
                "CONTACTS=1500",
                f"AS_OF={as_of}",
            ],
            cwd=ROOT,
            env=env_for(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    proc = backtest(busy)
    calls: list[tuple[float, float, subprocess.CompletedProcess]] = []

    def poll() -> None:
        while proc.poll() is None:
            started = time.monotonic()
            done = run([PY, "-m", "reports.status"], env_for(busy), timeout=60)
            calls.append((started, time.monotonic(), done))

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    out, _ = proc.communicate(timeout=600)
    ended = time.monotonic()
    for thread in threads:
        thread.join(60)
    assert proc.returncode == 0, out[-3000:]
    during = [done for _, finished, done in calls if finished <= ended]
    busy_calls = sum("🔒 Running:" in done.stdout for done in during)
    print(f"{len(during)} status calls during the backtest, {busy_calls} while a stage held it")
    assert len(during) >= 50, f"only {len(during)} status calls ran during the backtest"
    for done in during:
        assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr, done.stderr
    assert any("🔒 Running:" in done.stdout for done in during)

    reference = backtest(clean)
    out, _ = reference.communicate(timeout=600)
    assert reference.returncode == 0, out[-3000:]
    got, want = _tables(busy), _tables(clean)
    assert got.keys() == want.keys() and "marts.backtest_summary" in got
    for name in want:
        assert got[name] == want[name], name


def test_a_stage_waits_out_a_status_reader_and_new_readers_step_aside(tmp_path: Path) -> None:
    """The moment the issue's status call broke a run: a reader holds the warehouse just as
    a stage starts. The stage waits the reader out (milliseconds in real life) and, while it
    waits, a new status call does not open the file."""
    from plumbing.runlock import reading

    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    with reading(db) as free:
        assert free
        stage = subprocess.Popen(TRANSFORM, cwd=ROOT, env=env_for(db))
        deadline = time.monotonic() + 20
        while not db.with_name(db.name + ".lock.want").exists():
            assert time.monotonic() < deadline and stage.poll() is None
            time.sleep(0.01)
        with reading(db) as second:
            assert not second  # a stage wants the warehouse: status steps aside
        assert stage.poll() is None  # still waiting for the first reader
    assert stage.wait(20) == 0
