"""The demo org's vocabulary, loaded from ``vocabulary.toml`` beside this module.

Rows of the file become tuples in the file's key order (``industries`` rows are
``(name, weight, fit, phrase, words)``), so the generators index them as before; a few
shapes are derived here (the use-case table per industry, the ladder's won and lost
positions).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np


def _tuples(value: Any) -> Any:
    """Lists become tuples and rows (tables) the tuple of their values, recursively."""
    if isinstance(value, dict):
        return tuple(_tuples(v) for v in value.values())
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


_DATA = tomllib.loads((Path(__file__).with_suffix(".toml")).read_text(encoding="utf-8"))
_ROWS = {k: _tuples(v) for k, v in _DATA.items() if not isinstance(v, dict)}

#: (name, SortOrder, probability %, IsClosed, IsWon, forecast category)
STAGES: tuple[tuple[str, int, int, bool, bool, str], ...] = _ROWS["stages"]
STAGE_NAMES = [s[0] for s in STAGES]
WON, LOST = STAGE_NAMES.index("Closed Won"), STAGE_NAMES.index("Closed Lost")
UNKNOWN_STAGES: tuple[str, ...] = _ROWS["unknown_stages"]
INDUSTRIES: tuple[tuple[str, int, float, str, tuple[str, ...]], ...] = _ROWS["industries"]
INDUSTRY_NAMES = [row[0] for row in INDUSTRIES]
#: (key, fit, Description sentences, AE note phrases)
USE_CASES: tuple[tuple[str, float, tuple[str, ...], tuple[str, ...]], ...] = _ROWS["use_cases"]
USE_CASE_EFFECT = np.array([row[1] for row in USE_CASES])
_UC_KEYS = [row[0] for row in USE_CASES]


def _use_case_table() -> np.ndarray:
    """P(use case) per industry (rows in INDUSTRIES order)."""
    table = np.tile(np.array(_ROWS["use_case_base"]), (len(INDUSTRIES), 1))
    for name, boosts in _DATA["use_cases_by_industry"].items():
        for key, p in boosts.items():
            table[INDUSTRY_NAMES.index(name), _UC_KEYS.index(key)] = p
    for name in _ROWS["quiet_industries"]:
        table[INDUSTRY_NAMES.index(name)] *= 0.5
    return table


USE_CASE_PROBABILITY = _use_case_table()
SIZE_SENTENCES: tuple[tuple[int, tuple[str, ...]], ...] = _ROWS["size_sentences"]
AGENCY_SENTENCES: tuple[str, ...] = _ROWS["agency_sentences"]
LONG_PARAGRAPH: str = _DATA["long_paragraph"]
#: (BillingCountry, weight, country-code TLD, cities)
COUNTRIES: tuple[tuple[str, int, str, tuple[str, ...]], ...] = _ROWS["countries"]
GENERIC_TLDS: tuple[tuple[str, int], ...] = _ROWS["generic_tlds"]
STEM_A: tuple[str, ...] = _ROWS["stem_a"]
STEM_B: tuple[str, ...] = _ROWS["stem_b"]
LEGAL_SUFFIXES: tuple[tuple[str, int], ...] = _ROWS["legal_suffixes"]
ODD_ACCOUNTS: tuple[tuple[str, str], ...] = _ROWS["odd_accounts"]
ACCOUNT_TYPES: tuple[tuple[str, int], ...] = _ROWS["account_types"]
#: (weight, first names, last names)
NAME_CULTURES: tuple[tuple[int, tuple[str, ...], tuple[str, ...]], ...] = _ROWS["name_cultures"]
#: (group, seniority, titles)
TITLE_GROUPS: tuple[tuple[str, float, tuple[str, ...]], ...] = _ROWS["title_groups"]
STUDENT_GROUP = [g[0] for g in TITLE_GROUPS].index("student")
ALL_TITLES = tuple(t for g in TITLE_GROUPS for t in g[2] if t)
TITLE_PROFILES = np.array(_ROWS["title_profiles"])
#: (LeadSource, weight, fit)
LEAD_SOURCES: tuple[tuple[str, int, float], ...] = _ROWS["lead_sources"]
FREE_MAIL: tuple[str, ...] = _ROWS["free_mail"]
INVALID_EMAILS: tuple[str, ...] = _ROWS["invalid_emails"]
STREETS: tuple[str, ...] = _ROWS["streets"]
EARLY_LOSS: tuple[tuple[str, str], ...] = _ROWS["early_loss"]
OPEN_EARLY: tuple[str, ...] = _ROWS["open_early"]
OPEN_EARLY_NEXT: tuple[str, ...] = _ROWS["open_early_next"]
GENERIC_FIT: tuple[str, ...] = _ROWS["generic_fit"]
WON_NOTES: tuple[str, ...] = _ROWS["won_notes"]
LATE_LOSS: tuple[tuple[str, str], ...] = _ROWS["late_loss"]
PROGRESS_NEXT: tuple[str, ...] = _ROWS["progress_next"]
OPPORTUNITY_PRODUCTS: tuple[str, ...] = _ROWS["opportunity_products"]
OPPORTUNITY_TYPES: tuple[tuple[str, int], ...] = _ROWS["opportunity_types"]
PRIMARY_ROLES: tuple[tuple[str, int], ...] = _ROWS["primary_roles"]
OTHER_ROLES: tuple[str, ...] = _ROWS["other_roles"]
WON_STORY: tuple[str, ...] = _ROWS["won_story"]
WON_GROWTH: tuple[str, ...] = _ROWS["won_growth"]
PROGRESS_STORY: tuple[str, ...] = _ROWS["progress_story"]
NEUTRAL_NOTES: tuple[str, ...] = _ROWS["neutral_notes"]
NEW_SUFFIXES: tuple[str, ...] = _ROWS["new_suffixes"]
#: object -> ((after field, junk column), ...)
JUNK_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    k: _tuples(v) for k, v in _DATA["junk_columns"].items()
}
#: currency -> (units per US dollar a year ago, recent)
RATES_PER_USD: dict[str, tuple[float, float]] = {
    k: _tuples(v) for k, v in _DATA["rates_per_usd"].items()
}
