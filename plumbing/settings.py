"""``python -m plumbing.settings``: check the run settings once, before any stage runs.

The Makefile exports each setting as ``BACKTEST_<NAME>`` and calls this first, so a bad
value is one clear line (which setting, what it got, what it takes) and exit code 2,
before a long extract rather than after it. The stages and dbt check again where they
read a value (dbt raises a compile error instead of turning ``DAYS=abc`` into 0).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path


class SettingError(ValueError):
    """A setting has a value the backtest cannot use."""


def _as_of(value: str, *, today: dt.date) -> None:
    if not value:
        return
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise SettingError(
            f"AS_OF must be a date YYYY-MM-DD (or empty for today), got {value!r}"
        ) from None
    if day > today:
        raise SettingError(
            f"AS_OF={value} is after today ({today}, UTC): a backtest can only be judged at a "
            "date that has passed. Leave AS_OF empty for today."
        )


def _whole(name: str, minimum: int) -> Callable[..., None]:
    def check(value: str, **_: object) -> None:
        if not re.fullmatch(r"[0-9]+", value) or int(value) < minimum:
            raise SettingError(f"{name} must be a whole number, at least {minimum}, got {value!r}")

    return check


def _models(value: str, **_: object) -> None:
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names:
        raise SettingError("MODELS is empty: name at least one model, e.g. business_context")
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z0-9_.\-]+", n)]
    if bad:
        raise SettingError(f"MODELS holds {bad[0]!r}: model names are letters, digits, _ . -")


def _org(value: str, **_: object) -> None:
    if value in ("", "demo", "live"):
        return
    if not Path(value).expanduser().exists():
        raise SettingError(
            f"ORG={value}: no such folder or .zip. Point ORG at a Data Export, or use "
            "ORG=demo / ORG=live."
        )


def _api_url(value: str, **_: object) -> None:
    if value and not value.startswith(("http://", "https://")):
        raise SettingError(f"API_URL must start with http:// or https://, got {value!r}")


def _stage_one(value: str, **_: object) -> None:
    if any(c in value for c in '"\\\n'):
        raise SettingError(f"STAGE_ONE cannot hold quotes, backslashes or newlines: {value!r}")


def _choice(name: str, *allowed: str) -> Callable[..., None]:
    def check(value: str, **_: object) -> None:
        if value and value.lower() not in allowed:
            raise SettingError(f"{name} must be {' or '.join(allowed)}, got {value!r}")

    return check


def _memory(value: str, **_: object) -> None:
    if value and not re.fullmatch(r"[0-9]+(\.[0-9]+)?\s*([KMGT]i?B)", value, flags=re.IGNORECASE):
        raise SettingError(f"DUCKDB_MEMORY must be a size such as 3GB or 512MiB, got {value!r}")


#: Setting (as users type it) -> (environment variable, check).
CHECKS: dict[str, tuple[str, Callable[..., None]]] = {
    "AS_OF": ("BACKTEST_AS_OF", _as_of),
    "DAYS": ("BACKTEST_DAYS", _whole("DAYS", 1)),
    "CONTACTS": ("BACKTEST_DEMO_CONTACTS", _whole("CONTACTS", 1)),
    "MODELS": ("BACKTEST_MODELS", _models),
    "ORG": ("BACKTEST_ORG", _org),
    "API_URL": ("BACKTEST_API_URL", _api_url),
    "STAGE_ONE": ("BACKTEST_STAGE_ONE", _stage_one),
    "POINT_IN_TIME": ("BACKTEST_POINT_IN_TIME", _choice("POINT_IN_TIME", "flag", "strict")),
    "COHORT": ("BACKTEST_COHORT", _choice("COHORT", "week", "month")),
    "FITTED": ("BACKTEST_FITTED", _choice("FITTED", "auto", "off")),
    "TARGET": ("BACKTEST_TARGET", _choice("TARGET", "duckdb", "spark")),
    "INTERVAL": ("BACKTEST_INTERVAL", _whole("INTERVAL", 1)),
    "UPTODATE": ("BACKTEST_UPTODATE", _choice("UPTODATE", "auto", "off")),
    # 200: fitted_history's MIN_CONTACTS, below which it does not train at all.
    "FITTED_MAX_ROWS": ("BACKTEST_FITTED_MAX_ROWS", _whole("FITTED_MAX_ROWS", 200)),
    "DUCKDB_MEMORY": ("BACKTEST_DUCKDB_MEMORY", _memory),
}


def check_settings(env: Mapping[str, str], *, today: dt.date | None = None) -> list[str]:
    """Every problem with the settings in ``env``, one line each (empty when all is well).

    A setting that is not set is not checked (its stage default applies)."""
    today = today or dt.datetime.now(dt.UTC).date()
    problems = []
    for variable, check in CHECKS.values():
        value = env.get(variable)
        if value is None:
            continue
        try:
            check(value.strip(), today=today)
        except SettingError as exc:
            problems.append(str(exc))
    return problems


def main() -> int:
    problems = check_settings(os.environ)
    for line in problems:
        print(f"❌ settings: {line}", file=sys.stderr)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
