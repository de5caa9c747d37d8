"""A headless Chromium driven over the DevTools protocol, for the report's browser test.

``Chromium(tmp_dir)`` starts the Debian ``chromium`` binary headless with a fresh profile
in ``tmp_dir`` and ``--remote-debugging-port=0``, reads the port it chose from
``DevToolsActivePort``, and talks to its first page over a websocket (websocket-client).
It records every protocol event, so a test can ask afterwards for console errors,
uncaught exceptions and network requests. Leaving the ``with`` block kills the browser's
whole process group (it was started in a session of its own), so nothing outlives a test.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import websocket

BINARIES = ("chromium", "chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    "--window-size=1280,900",
    "--remote-debugging-port=0",
)
INSTALL_HINT = (
    "Chromium is needed for the report's browser test and was not found on PATH: install it "
    "with `apt-get update && apt-get install -y chromium` (`make test` does it when run as "
    "root: tests/system_deps.sh)."
)


class BrowserError(RuntimeError):
    """The browser could not be started or did not answer as expected."""


def find_chromium() -> str | None:
    """Path of the Chromium binary, or None."""
    for name in BINARIES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """A headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, work: Path, *, timeout: float = 20.0) -> None:
        self.work = work
        self.timeout = timeout
        self.profile = work / "chromium-profile"
        self.process: subprocess.Popen[bytes] | None = None
        self.socket: websocket.WebSocket | None = None
        self.events: list[dict[str, Any]] = []
        self._next_id = 0

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Chromium:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the browser and connect to its page."""
        binary = find_chromium()
        if binary is None:
            raise BrowserError(INSTALL_HINT)
        self.profile.mkdir(parents=True, exist_ok=True)
        (self.profile / "DevToolsActivePort").unlink(missing_ok=True)
        log = (self.work / "chromium.log").open("wb")
        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        port = self._wait_for_port()
        self.socket = websocket.create_connection(
            self._page_socket_url(port), timeout=self.timeout, suppress_origin=True
        )

    def stop(self) -> None:
        """Close the connection and kill the browser's process group."""
        if self.socket is not None:
            with contextlib.suppress(Exception):
                self.socket.close()
            self.socket = None
        if self.process is None:
            return
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # Helpers (zygote, renderers) share the group; make sure none is left.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def _wait_for_port(self) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log = (self.work / "chromium.log").read_text(errors="replace")[-2000:]
                raise BrowserError(f"chromium exited with {self.process.returncode}: {log}")
            if marker.exists():
                lines = marker.read_text().split()
                if lines and lines[0].isdigit():
                    return int(lines[0])
            time.sleep(0.05)
        raise BrowserError(f"chromium wrote no {marker} within {self.timeout:.0f} s")

    def _page_socket_url(self, port: int) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=5.0).json()
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.05)
        raise BrowserError("chromium has no page target")

    # -- protocol --------------------------------------------------------------------------

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result; events received meanwhile are kept."""
        assert self.socket is not None
        self._next_id += 1
        ident = self._next_id
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)
        raise BrowserError(f"{method}: no answer within {self.timeout:.0f} s")

    def wait_event(self, name: str) -> dict[str, Any]:
        """Wait for the next event called ``name`` (or return one already received)."""
        assert self.socket is not None
        for event in self.events:
            if event["method"] == name and not event.get("_seen"):
                event["_seen"] = True
                return event
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv())
            if "method" in message:
                self.events.append(message)
                if message["method"] == name:
                    message["_seen"] = True
                    return message
        raise BrowserError(f"no {name} within {self.timeout:.0f} s")

    # -- what a test uses ------------------------------------------------------------------

    def load(self, url: str) -> None:
        """Enable the domains we record, open ``url`` and wait for its load event."""
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"evaluate failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries seen so far."""
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                args = [a.get("value", a.get("description")) for a in params.get("args", [])]
                found.append(f"console.{params['type']}: {args}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                found.append(f"log: {entry.get('text')} ({entry.get('url', '')})")
        return found

    def requests(self) -> list[str]:
        """URLs of every network request the page made."""
        return [
            event["params"]["request"]["url"]
            for event in self.events
            if event["method"] == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path, *, width: int = 1280, max_height: int = 16000) -> Path:
        """A PNG of the whole page (up to ``max_height`` px tall) at ``width`` px."""
        metrics = self.call("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = min(int(size["height"]) + 1, max_height)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path
