"""Start and stop the reference qualification API in its own process.

The scoring step uses it when no ``API_URL`` is given; tests and the benchmark use it to
talk to a real server over loopback. The child watches its parent and exits if the parent
dies (even by ``kill -9``), so no server is left behind.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import httpx

from scoring.errors import ServerStartError


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            try:
                # 401: up, and requiring the API_TOKEN it inherited from us
                if client.get(f"{url}/health").status_code in (200, 401):
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    return False


def stop(proc: subprocess.Popen[bytes], *, grace: float = 5.0) -> None:
    """Stop a server process: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def reference_api(
    *,
    host: str = "127.0.0.1",
    log_file: Path | None = None,
    max_batch: int | None = None,
    workers: int = 1,
    startup_timeout: float = 30.0,
    attempts: int = 3,
) -> Iterator[str]:
    """Run ``python -m scoring.api`` on a free port; yield its base URL; stop it after."""
    last_error = "did not start"
    for _ in range(attempts):
        port = free_port(host)
        cmd = [
            sys.executable,
            "-m",
            "scoring.api",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--parent-pid",
            str(os.getpid()),
        ]
        if max_batch:
            cmd += ["--max-batch", str(max_batch)]
        out = _open_log(log_file)
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        finally:
            if not isinstance(out, int):
                out.close()
        url = f"http://{host}:{port}"
        if _wait_healthy(url, proc, timeout=startup_timeout):
            try:
                yield url
            finally:
                stop(proc)
            return
        stop(proc)
        last_error = f"exited with {proc.returncode}" if proc.returncode else "not healthy"
    where = f"; see {log_file}" if log_file else ""
    raise ServerStartError(f"the reference qualification API {last_error}{where}")


def _open_log(log_file: Path | None) -> int | BinaryIO:
    if log_file is None:
        return subprocess.DEVNULL
    log_file.parent.mkdir(parents=True, exist_ok=True)
    return open(log_file, "ab")  # handed to the child, closed right after Popen
