"""One retry policy for every HTTP client of the project (Salesforce, the qualification API).

Which failures retry: timeouts, dropped connections and the statuses in ``RETRY_STATUS``
(429 and the 5xx a service sends while overloaded or restarting). How long to wait: the
server's ``Retry-After`` when it sends one (bounded by ``max_retry_after``), else an
exponential backoff (``backoff`` doubling per attempt, capped at ``max_backoff``) with up
to 25% jitter so that many clients do not retry in step. How often: ``retries`` retries
after the first attempt. Each client keeps its own loop (one is sync, one async); the
policy is written once, here.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass

#: HTTP statuses worth retrying: rate limited, or the service failing for a moment.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: attempts = retries + 1, backoff doubles."""

    retries: int = 4
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, attempt: int, *, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        base = min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
        return base * (1 + random.random() * 0.25)  # jitter: spread synchronised retries

    def gives_up(self, attempt: int) -> bool:
        """Whether failed attempt number ``attempt`` (1-based retries) is one too many."""
        return attempt > self.retries


def retryable_status(status: int) -> bool:
    """Whether an HTTP status is a passing failure (see ``RETRY_STATUS``)."""
    return status in RETRY_STATUS


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
