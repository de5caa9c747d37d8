"""Settings of the scoring step: environment (``BACKTEST_*``, set by the Makefile), then flags.

============================  ==========================  ==================================
flag                          environment                 default
============================  ==========================  ==================================
``--db``                      ``BACKTEST_DB``             ``data/backtest.duckdb``
``--days``                    ``BACKTEST_DAYS``           30
``--as-of``                   ``BACKTEST_AS_OF``          today (UTC); ``YYYY-MM-DD``
``--api-url``                 ``BACKTEST_API_URL``        empty: start the reference API
``--models``                  ``BACKTEST_MODELS``         ``business_context,demographic``
============================  ==========================  ==================================

Credentials for the API (``API_TOKEN``, ``API_HEADERS``, ``API_CA_BUNDLE``): see
``scoring.auth``.

Tuning flags only: ``--batch-size`` (1000), ``--concurrency`` (4), ``--rate`` (requests/s,
unlimited), ``--timeout`` (30 s), ``--retries`` (4), ``--backoff`` (0.5 s), ``--limit``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from plumbing.warehouse import DEFAULT_DB, default_db
from scoring.auth import ApiAuth, load_api_auth
from scoring.errors import ConfigError

DEFAULT_MODELS = ("business_context", "demographic")


@dataclass(frozen=True)
class Settings:
    """Everything one scoring run needs to know."""

    db: Path
    as_of: dt.date
    days: int = 30
    api_url: str | None = None
    models: tuple[str, ...] = DEFAULT_MODELS
    batch_size: int = 1000
    concurrency: int = 4
    rate: float | None = None
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 0.5
    limit: int | None = None
    verbose: bool = False
    progress: bool = True
    auth: ApiAuth = field(default_factory=ApiAuth)


def parse_as_of(value: str | None) -> dt.date:
    """``YYYY-MM-DD``, or today's UTC date when empty."""
    if not value or not value.strip():
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ConfigError(f"AS_OF must be YYYY-MM-DD, got {value!r}") from exc


def parse_models(value: str | None) -> tuple[str, ...]:
    """A comma-separated model list, deduplicated, order kept."""
    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    if not names:
        raise ConfigError("MODELS is empty: name at least one model, e.g. business_context")
    return tuple(dict.fromkeys(names))


def _positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc
    if number < 1:
        raise ConfigError(f"{name} must be at least 1, got {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m scoring`` argument parser."""
    p = argparse.ArgumentParser(
        prog="python -m scoring",
        description="Score the contacts of the backtest window with a qualification API "
        "and write scoring.qualifications.",
    )
    p.add_argument("--db", help=f"warehouse path (env BACKTEST_DB, default {DEFAULT_DB})")
    p.add_argument("--days", help="window length in days (env BACKTEST_DAYS, default 30)")
    p.add_argument("--as-of", help="last day of the window, YYYY-MM-DD (env BACKTEST_AS_OF)")
    p.add_argument("--api-url", help="qualification API base URL (env BACKTEST_API_URL)")
    p.add_argument("--models", help="comma-separated models (env BACKTEST_MODELS)")
    p.add_argument("--batch-size", type=int, default=1000, help="items per batch request")
    p.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    p.add_argument("--rate", type=float, help="at most this many requests per second")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    p.add_argument("--retries", type=int, default=4, help="retries per request")
    p.add_argument("--backoff", type=float, default=0.5, help="first retry delay, doubles")
    p.add_argument("--limit", type=int, help="score at most N missing contacts per model")
    p.add_argument("-v", "--verbose", action="store_true", help="print per-contact lines")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--status",
        action="store_true",
        help="print the status of the current or last run (from the progress file) and exit",
    )
    return p


def settings_from(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from parsed flags over the environment over defaults."""
    env = os.environ if env is None else env

    def pick(flag: str | None, name: str, default: str) -> str:
        if flag is not None:
            return flag
        value = env.get(name)
        return value if value not in (None, "") else default

    checks: Sequence[tuple[str, int | None, int]] = (
        ("--batch-size", args.batch_size, 1),
        ("--concurrency", args.concurrency, 1),
        ("--retries", args.retries, 0),
    )
    for name, value, floor in checks:
        if value is not None and value < floor:
            raise ConfigError(f"{name} must be at least {floor}, got {value}")
    if args.timeout <= 0 or (args.rate is not None and args.rate <= 0):
        raise ConfigError("--timeout and --rate must be positive")
    api_url = pick(args.api_url, "BACKTEST_API_URL", "").strip() or None
    if api_url and not api_url.startswith(("http://", "https://")):
        raise ConfigError(f"API_URL must start with http:// or https://, got {api_url!r}")
    return Settings(
        db=Path(args.db).expanduser() if args.db is not None else default_db(env),
        as_of=parse_as_of(args.as_of if args.as_of is not None else env.get("BACKTEST_AS_OF")),
        days=_positive_int("DAYS", pick(args.days, "BACKTEST_DAYS", "30")),
        api_url=api_url,
        models=parse_models(pick(args.models, "BACKTEST_MODELS", ",".join(DEFAULT_MODELS))),
        batch_size=args.batch_size,
        concurrency=args.concurrency,
        rate=args.rate,
        timeout=args.timeout,
        retries=args.retries,
        backoff=args.backoff,
        limit=args.limit,
        verbose=args.verbose,
        progress=not args.no_progress,
        auth=load_api_auth(env),
    )
