"""``make system-deps`` (the first step of ``make test``): Chromium and Java 17 from apt-get
as root, else a stop in the first seconds with the one command to run (issue 11 #7)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "system_deps.sh"
INSTALL = "sudo sh -c 'apt-get update && apt-get install -y chromium openjdk-17-jre-headless'"


@pytest.fixture
def bare_path() -> Iterator[str]:
    """A PATH holding only the tools the script uses: no chromium, no java, no apt-get
    (in a folder user nobody can read)."""
    bin_dir = Path(tempfile.mkdtemp(prefix="backtest-bin-", dir="/tmp"))
    bin_dir.chmod(0o755)
    for tool in ("bash", "sed", "head", "id"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    try:
        yield str(bin_dir)
    finally:
        shutil.rmtree(bin_dir)


def run_script(
    path: str, *prefix: str, script: Path = SCRIPT
) -> tuple[subprocess.CompletedProcess, float]:
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = path
    started = time.monotonic()
    done = subprocess.run(
        [*prefix, shutil.which("bash") or "bash", str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, time.monotonic() - started


def test_without_root_it_stops_at_once_with_the_install_command(bare_path: str) -> None:
    assert os.geteuid() == 0, "this test drops to user nobody, which needs root"
    nobody = (
        shutil.which("setpriv") or "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
    )
    # The checkout may sit where nobody cannot read (a clone under `mktemp -d`): run a copy
    # of the script from the PATH folder, which nobody can read.
    script = Path(bare_path) / "system_deps.sh"
    shutil.copyfile(SCRIPT, script)
    script.chmod(0o644)
    done, seconds = run_script(bare_path, *nobody, script=script)
    assert done.returncode == 1 and seconds < 5
    assert INSTALL in done.stderr and "installing" not in done.stdout


def test_as_root_without_apt_get_it_stops_with_the_install_command(bare_path: str) -> None:
    done, seconds = run_script(bare_path)
    assert done.returncode == 1 and seconds < 5
    assert INSTALL in done.stderr


def test_with_both_installed_it_passes_silently() -> None:
    # make test ran the script before pytest: both are on this machine now.
    done, seconds = run_script(os.environ["PATH"])
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "") and seconds < 5
