"""The scoring package's one exception hierarchy.

::

    ScoringError                    anything the scoring step cannot recover from (exit 1)
    ├── ConfigError                 a bad flag or BACKTEST_* value (exit 2)
    ├── WarehouseError              the DuckDB file or its raw tables are missing/locked (exit 3)
    ├── ApiError                    the qualification API as a whole (exit 4)
    │   ├── ApiUnavailableError     unreachable, or its /health is not ok
    │   ├── ApiContractError        answers that do not follow the contract
    │   ├── ApiAuthError            it refuses our credentials (401/403): stops the run
    │   └── ServerStartError        the reference API we start ourselves did not come up
    └── IncompleteRunError          the run finished but left error rows to retry (exit 5)

Failures of single requests (429, 5xx, timeouts after retries) are not raised past the
client: they become rows with ``status = 'error'`` that the next run retries. Only the CLI
edge (``scoring.__main__``) turns these exceptions into a message and an exit code.
"""

from __future__ import annotations


class ScoringError(Exception):
    """Base of every error the scoring package raises on purpose."""

    exit_code = 1


class ConfigError(ScoringError):
    """A flag or environment value is invalid."""

    exit_code = 2


class WarehouseError(ScoringError):
    """The warehouse cannot be read or written (missing file/tables, lock held)."""

    exit_code = 3


class ApiError(ScoringError):
    """The qualification API as a whole cannot be used."""

    exit_code = 4


class ApiUnavailableError(ApiError):
    """The API cannot be reached or reports it is not healthy."""


class ApiContractError(ApiError):
    """The API answered, but not in the shape the contract promises."""


class ApiAuthError(ApiError):
    """The API refused our credentials (401/403): no point sending anything else."""


class ServerStartError(ApiError):
    """The reference API process we started did not become healthy."""


class IncompleteRunError(ScoringError):
    """The run ended with error rows left; a rerun retries them."""

    exit_code = 5
