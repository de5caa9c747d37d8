"""Helper processes that die with the process that started them, even on ``kill -9``.

A helper (the demo Salesforce server) calls ``exit_with_parent(pid)`` first thing. On Linux
the kernel then sends it SIGTERM when its parent dies (``PR_SET_PDEATHSIG``); everywhere, a
watcher thread notices that it was re-parented and sends the same signal within half a
second. SIGTERM lets the server close its socket cleanly.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from contextlib import suppress

_PR_SET_PDEATHSIG = 1


def exit_with_parent(parent_pid: int, *, poll_seconds: float = 0.5) -> None:
    """Arrange for SIGTERM to this process once ``parent_pid`` (our parent) is gone."""
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before we got here
        os.kill(os.getpid(), signal.SIGTERM)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_seconds)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
