"""The shared plumbing: warehouse path and connection, progress files, logs, local servers."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from plumbing import logs, progress, servers, warehouse


def test_the_warehouse_path_comes_from_backtest_db_else_the_default(tmp_path: Path) -> None:
    assert (
        warehouse.default_db({"BACKTEST_DB": str(tmp_path / "w.duckdb")}) == tmp_path / "w.duckdb"
    )
    assert warehouse.default_db({"BACKTEST_DB": ""}) == Path("data/backtest.duckdb").resolve()


def test_connect_names_a_file_that_is_not_a_warehouse(tmp_path: Path) -> None:
    bad = tmp_path / "w.duckdb"
    bad.write_text("not a database")
    with pytest.raises(warehouse.WarehouseOpenError) as caught, warehouse.connect(bad):
        pass
    assert not isinstance(caught.value, warehouse.WarehouseLockedError)


def test_connect_waits_for_another_process_then_says_it_is_locked(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,sys,time; c=duckdb.connect({str(db)!r}); "
            "print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(warehouse.WarehouseLockedError, match="is locked by another process"):
            with warehouse.connect(db, read_only=True, wait=0.5):
                pass
    finally:
        servers.stop(holder)  # type: ignore[arg-type]
        holder.stdout.close()  # type: ignore[union-attr]
    with warehouse.connect(db) as con:  # free again
        assert con.execute("select 1").fetchone() == (1,)


def test_parquet_views_read_each_folder_and_replace_a_table(tmp_path: Path) -> None:
    for name, rows in (("a", [1, 2]), ("b", [3])):
        (tmp_path / name).mkdir()
        pq.write_table(pa.table({"x": rows}), tmp_path / name / "part.parquet")
    (tmp_path / "empty").mkdir()
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema s; create table s.a (x int)")
        folders = {p.name: p for p in tmp_path.iterdir() if p.is_dir()}
        assert warehouse.parquet_views(con, "s", folders) == ["a", "b"]
        assert con.execute("select sum(x) from s.a").fetchone() == (3,)
        assert con.execute("select count(*) from s.b").fetchone() == (1,)


def test_duckdb_types_read_an_arrow_schema_as_duckdb_does() -> None:
    schema = pa.schema([("t", pa.timestamp("us", tz="UTC")), ("n", pa.int64()), ("s", pa.string())])
    assert warehouse.duckdb_types(schema) == {
        "t": "timestamp with time zone",
        "n": "bigint",
        "s": "varchar",
    }


def test_a_progress_file_is_replaced_whole_and_says_who_wrote_it(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    progress.publish(db, "extract", {"total": 1})
    written = progress.publish(db, "extract", {"total": 2, "done": True})
    on_disk = json.loads((tmp_path / "progress" / "extract.json").read_text())
    assert on_disk == written and on_disk["total"] == 2 and on_disk["stage"] == "extract"
    assert on_disk["pid"] == os.getpid() and on_disk["updated_at"].endswith("+00:00")
    assert [p.name for p in (tmp_path / "progress").iterdir()] == ["extract.json"]
    (tmp_path / "progress" / "score.json").write_text("{half")  # being written by hand
    assert progress.read(db, "score") is None
    assert set(progress.read_all(db)) == {"extract"}


def test_a_stage_log_gets_every_line_and_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = logs.log_path(tmp_path / "w.duckdb", "extract")
    redactor = logs.Redactor(["s3cret-token"])
    for _ in range(2):  # set up twice: the second replaces the first's handlers
        logger = logs.setup_logging(
            "plumbing-test", log_file, level=logging.DEBUG, terminal=logging.INFO, redactor=redactor
        )
    logger.debug("detail")
    logger.info("token is %s", "s3cret-token")
    for handler in list(logger.handlers):
        handler.close()
    lines = log_file.read_text().splitlines()
    assert len(lines) == 2 and "DEBUG plumbing-test: detail" in lines[0]
    assert lines[1].endswith("INFO plumbing-test: token is ***")
    assert capsys.readouterr().err == "token is ***\n"


def test_serving_starts_a_server_on_a_free_port_and_stops_it(tmp_path: Path) -> None:
    def command(port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(tmp_path),
        ]

    with servers.serving(command, name="a test server", health="/") as url:
        assert httpx.get(f"{url}/").status_code == 200
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/", timeout=1.0)


def test_serving_says_when_the_server_never_comes_up(tmp_path: Path) -> None:
    log_file = tmp_path / "server.log"
    with pytest.raises(servers.ServerStartError, match=r"a test server exited with 3; see .*"):
        with servers.serving(
            lambda port: [sys.executable, "-c", "import sys; sys.exit(3)"],
            name="a test server",
            log_file=log_file,
            attempts=2,
        ):
            pass


def test_a_progress_file_tells_whether_its_writer_still_runs() -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    assert progress.writer_alive({"pid": os.getpid()})
    assert not progress.writer_alive({"pid": int(gone.stdout)})
    assert progress.writer_alive({})  # an older file without a pid cannot tell
