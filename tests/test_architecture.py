"""Who may import what (README "How it is built"): stages import plumbing, never each other.

The stages (``extract``, ``scoring``, ``reports``) talk only through tables in the warehouse
and through ``make`` targets; ``plumbing`` knows no stage; no product package imports
``tests``. Tests may import anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("extract", "scoring", "reports")
PRODUCT = (*STAGES, "plumbing")


def imported_packages(source: str, *, package: str) -> set[str]:
    """The top-level packages a module's source imports (relative imports: its own)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(package if node.level else (node.module or "").split(".")[0])
    return found


def forbidden(package: str) -> set[str]:
    """What a module of ``package`` may not import."""
    if package == "plumbing":
        return {*STAGES, "tests"}
    return {*STAGES, "tests"} - {package}


def violations(path: Path) -> list[str]:
    package = path.relative_to(ROOT).parts[0]
    imports = imported_packages(path.read_text(encoding="utf-8"), package=package)
    return [
        f"{path.relative_to(ROOT)} imports {name}" for name in sorted(imports & forbidden(package))
    ]


MODULES = sorted(p for package in PRODUCT for p in (ROOT / package).rglob("*.py"))


def test_every_package_has_modules() -> None:
    assert {p.relative_to(ROOT).parts[0] for p in MODULES} == set(PRODUCT)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_stage_imports_another_and_plumbing_imports_none(path: Path) -> None:
    assert violations(path) == []


@pytest.mark.parametrize(
    ("package", "source", "bad"),
    [
        ("scoring", "from extract.salesforce.objects import OBJECTS", {"extract"}),
        ("reports", "import scoring.warehouse", {"scoring"}),
        ("extract", "def f():\n    from reports import build\n", {"reports"}),
        ("plumbing", "from scoring import errors", {"scoring"}),
        ("scoring", "from tests.synthetic import org", {"tests"}),
        ("scoring", "from . import errors\nfrom plumbing import warehouse", set()),
    ],
)
def test_the_check_sees_every_kind_of_import(package: str, source: str, bad: set[str]) -> None:
    assert imported_packages(source, package=package) & forbidden(package) == bad
