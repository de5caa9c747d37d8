"""Start and stop the reference qualification API in its own process.

The scoring step uses it when no ``API_URL`` is given; tests and the benchmark use it to
talk to a real server over loopback. The child watches its parent and exits if the parent
dies (even by ``kill -9``), so no server is left behind.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from plumbing import servers
from scoring.errors import ServerStartError


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

    def command(port: int) -> list[str]:
        cmd = [sys.executable, "-m", "scoring.api", "--host", host, "--port", str(port)]
        cmd += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        cmd += ["--parent-pid", str(os.getpid())]
        return cmd + (["--max-batch", str(max_batch)] if max_batch else [])

    try:
        with servers.serving(
            command,
            name="the reference qualification API",
            host=host,
            # 401: up, and requiring the API_TOKEN it inherited from us
            ok=(200, 401),
            log_file=log_file,
            startup_timeout=startup_timeout,
            attempts=attempts,
        ) as url:
            yield url
    except servers.ServerStartError as exc:
        raise ServerStartError(str(exc)) from exc
