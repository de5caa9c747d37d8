"""Local servers in their own process: a free port, a start that waits until they answer,
and a stop that does not hang.

The scoring step starts the reference qualification API this way when no ``API_URL`` is
given, and tests start real servers on 127.0.0.1 the same way. A server started here is
expected to watch its parent (``--parent-pid``, see ``plumbing.lifetime``) so that none is
left behind, even when the parent is killed.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import httpx


class ServerStartError(Exception):
    """The server exited or never answered; the message says which (and where its log is)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def stop(proc: subprocess.Popen[bytes], *, grace: float = 5.0) -> None:
    """Stop a server process: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until_up(
    url: str, proc: subprocess.Popen[bytes], *, timeout: float, ok: Collection[int] = (200,)
) -> bool:
    """Whether ``url`` answered with a status in ``ok`` before ``timeout`` s or ``proc`` died."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            try:
                if client.get(url).status_code in ok:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    return False


@contextmanager
def serving(
    command: Callable[[int], list[str]],
    *,
    name: str,
    host: str = "127.0.0.1",
    health: str = "/health",
    ok: Collection[int] = (200,),
    log_file: Path | None = None,
    startup_timeout: float = 30.0,
    attempts: int = 3,
) -> Iterator[str]:
    """Run ``command(port)`` on a free port until ``health`` answers; yield the base URL;
    stop the server after. A port taken between choosing and binding costs one more attempt.
    Output goes to ``log_file`` (appended) or nowhere."""
    last_error = "did not start"
    for _ in range(attempts):
        port = free_port(host)
        out = _open_log(log_file)
        try:
            proc = subprocess.Popen(command(port), stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        finally:
            if not isinstance(out, int):
                out.close()
        url = f"http://{host}:{port}"
        if wait_until_up(f"{url}{health}", proc, timeout=startup_timeout, ok=ok):
            try:
                yield url
            finally:
                stop(proc)
            return
        stop(proc)
        last_error = f"exited with {proc.returncode}" if proc.returncode else "not healthy"
    where = f"; see {log_file}" if log_file else ""
    raise ServerStartError(f"{name} {last_error}{where}")


def _open_log(log_file: Path | None) -> int | BinaryIO:
    if log_file is None:
        return subprocess.DEVNULL
    log_file.parent.mkdir(parents=True, exist_ok=True)
    return open(log_file, "ab")  # handed to the child, closed right after Popen
