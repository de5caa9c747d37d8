"""Errors of the extract stage.

Every failure the user can act on is an ``ExtractError`` whose message names the object,
field or record involved and the fix. The CLI (``python -m extract``) turns them into one
clear line and an exit code; nothing below the CLI prints or exits.

    ExtractError                      exit 1
    ├── ConfigError                   bad or missing settings / credentials
    ├── AuthError                     token endpoint refused us, or the token expired twice
    ├── ApiLimitError                 REQUEST_LIMIT_EXCEEDED: stop, keep state, rerun later
    ├── QueryError                    INVALID_FIELD / MALFORMED_QUERY and other 4xx
    │   └── QueryLocatorError         INVALID_QUERY_LOCATOR: the query restarts from its cursor
    ├── BulkJobError                  a Bulk API query job Failed, was Aborted or timed out
    ├── TransportError                5xx, timeouts, dropped connections after all retries
    ├── ResponseError                 malformed or truncated JSON from the API
    └── BadRecordError                a value that cannot be read as its declared type
"""

from __future__ import annotations


class ExtractError(Exception):
    """Base of every error the extract stage reports to the user."""

    exit_code = 1


class ConfigError(ExtractError):
    """Settings or credentials are missing or contradictory."""

    exit_code = 2


class AuthError(ExtractError):
    """Authentication failed."""

    exit_code = 3


class ApiLimitError(ExtractError):
    """The org's daily API request limit is used up."""

    exit_code = 4


class QueryError(ExtractError):
    """Salesforce rejected a query (unknown field, malformed SOQL, ...).

    ``code`` is Salesforce's errorCode (``INVALID_FIELD``, ``INVALID_TYPE``, ...) and
    ``field`` the field an ``INVALID_FIELD`` names, so a caller can tell an optional field
    or object (multi-currency orgs only) from a real mistake."""

    def __init__(self, message: str, *, code: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field

    #: The field Salesforce named as unknown (INVALID_FIELD), if any.
    field: str | None = None


class QueryLocatorError(QueryError):
    """Salesforce expired the locator of a query being paged (``INVALID_QUERY_LOCATOR``)."""


class BulkJobError(ExtractError):
    """A Bulk API 2.0 query job failed, was aborted, or did not finish in time."""

    def __init__(self, message: str, *, job_id: str) -> None:
        super().__init__(message)
        self.job_id = job_id


class TransportError(ExtractError):
    """The API stayed unreachable or failing after bounded retries."""


class ResponseError(ExtractError):
    """The API answered with something that is not the JSON it promises."""


class BadRecordError(ExtractError):
    """A record holds a value that cannot be read as its field's type."""
