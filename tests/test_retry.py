"""The one retry policy every HTTP client follows (plumbing/retry.py)."""

from __future__ import annotations

import email.utils
import time

import pytest

from plumbing.retry import RetryPolicy, parse_retry_after, retryable_status


@pytest.mark.parametrize(("attempt", "base"), [(1, 0.5), (2, 1.0), (3, 2.0), (10, 30.0)])
def test_backoff_doubles_up_to_its_cap_with_at_most_a_quarter_of_jitter(
    attempt: int, base: float
) -> None:
    policy = RetryPolicy(backoff=0.5, max_backoff=30.0)
    delays = [policy.delay(attempt) for _ in range(50)]
    assert all(base <= d <= base * 1.25 for d in delays)
    assert len(set(delays)) > 1  # jittered, so clients do not retry in step


def test_retry_after_wins_and_is_bounded() -> None:
    policy = RetryPolicy(max_retry_after=120.0)
    assert policy.delay(1, retry_after=7.0) == 7.0
    assert policy.delay(1, retry_after=10_000.0) == 120.0
    assert policy.delay(1, retry_after=-3.0) == 0.0


def test_attempts_are_bounded() -> None:
    policy = RetryPolicy(retries=2)
    assert [policy.gives_up(n) for n in (1, 2, 3)] == [False, False, True]


@pytest.mark.parametrize(
    ("status", "retried"),
    [(429, True), (503, True), (500, True), (400, False), (401, False), (404, False)],
)
def test_which_statuses_are_retried(status: int, retried: bool) -> None:
    assert retryable_status(status) is retried


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 55 <= (parse_retry_after(later) or 0) <= 61
