"""The reports package's one exception hierarchy.

::

    ReportError                 anything the report cannot be built from (exit 1)
    ├── WarehouseMissingError   the DuckDB file does not exist (exit 3)
    ├── WarehouseLockedError    a stage holds the warehouse for writing (exit 3)
    └── MartsMissingError       the marts were not built, or hold no model (exit 4)

Only the CLI edge (``reports.__main__``) turns these into a message and an exit code.
"""

from __future__ import annotations


class ReportError(Exception):
    """Base of every error the reports package raises on purpose."""

    exit_code = 1


class WarehouseMissingError(ReportError):
    """There is no warehouse file at the given path."""

    exit_code = 3


class WarehouseLockedError(ReportError):
    """Another process holds the warehouse for writing (DuckDB: one writer or many readers)."""

    exit_code = 3


class MartsMissingError(ReportError):
    """The marts the report reads are missing or empty."""

    exit_code = 4
