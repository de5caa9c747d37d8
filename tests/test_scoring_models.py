"""The reference models: deterministic, explainable in the taxonomy's words, no leakage."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from scoring import signals as sv
from scoring.api import QualifyRequest
from scoring.models import BUSINESS_CONTEXT, DEMOGRAPHIC, MODELS
from scoring.step import SENT_FIELDS, prepare
from scoring.warehouse import read_inputs
from tests.stages import build_scoring_inputs
from tests.synthetic import demo_warehouse

TAXONOMY = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "signal_taxonomy.csv"

ENTERPRISE_API = {
    "domain": "acme-api.io",
    "company_name": "Acme API Inc",
    "industry": "Technology",
    "employees": 12000,
    "annual_revenue": 2.1e9,
    "description": "Global SaaS platform for API integrations and webhooks",
    "title": "CTO",
    "email": "jo@acme-api.io",
    "lead_source": "Partner Referral",
}
GMAIL_STUDENT = {"domain": None, "email": "kid@gmail.com", "title": "Student"}
TINY_SHOP = {
    "domain": "tinyshop.com",
    "company_name": "Tiny Shop",
    "industry": "Retail",
    "employees": 4,
    "title": "Owner",
    "lead_source": "Purchased List",
}


def taxonomy() -> dict[str, re.Pattern[str]]:
    with TAXONOMY.open(encoding="utf-8") as f:
        return {row["signal"]: re.compile(row["pattern"]) for row in csv.DictReader(f)}


def tags(text: str, patterns: dict[str, re.Pattern[str]]) -> set[str]:
    low = text.lower()
    return {signal for signal, pattern in patterns.items() if pattern.search(low)}


def test_results_follow_the_contract_shape() -> None:
    for model in MODELS.values():
        for item in (ENTERPRISE_API, GMAIL_STUDENT, TINY_SHOP, {"domain": None}):
            result = model.qualify(item)
            assert set(result) == {
                "score",
                "is_qualified",
                "confidence",
                "industries",
                "use_cases",
                "enterprise_indicators",
                "reasoning",
                "business_signals",
                "model",
                "model_version",
            }
            assert 0 <= result["score"] <= 1
            assert result["is_qualified"] == (result["score"] >= 0.5)
            assert result["confidence"] in {"HIGH", "CONFIDENT", "UNCERTAIN", "LOW"}
            assert (result["model"], result["model_version"]) == (model.name, model.version)


def test_deterministic() -> None:
    for model in MODELS.values():
        assert model.qualify(dict(ENTERPRISE_API)) == model.qualify(dict(ENTERPRISE_API))


def test_business_context_separates_the_obvious_cases() -> None:
    good = BUSINESS_CONTEXT.qualify(ENTERPRISE_API)
    assert good["is_qualified"] and good["confidence"] == "HIGH" and good["score"] > 0.85
    assert good["industries"] == ["Technology"]
    assert good["use_cases"] == ["API/Integration", "SaaS/Platform"]
    assert "Enterprise scale" in good["enterprise_indicators"]
    for bad in (GMAIL_STUDENT, TINY_SHOP):
        result = BUSINESS_CONTEXT.qualify(bad)
        assert not result["is_qualified"] and result["score"] < 0.2


def test_reasoning_names_the_signals_that_moved_the_score() -> None:
    text = BUSINESS_CONTEXT.qualify(ENTERPRISE_API)["reasoning"]
    assert text.startswith("Qualified (")
    for phrase in (
        "API integration use case",
        "enterprise scale (12,000 employees)",
        "C-level decision maker title",
        "Technology industry",
    ):
        assert phrase in text
    text = BUSINESS_CONTEXT.qualify(GMAIL_STUDENT)["reasoning"]
    assert "student title" in text and "personal email domain (gmail.com)" in text
    assert "too small (4 employees)" in BUSINESS_CONTEXT.qualify(TINY_SHOP)["reasoning"]


def test_vocabulary_reasons_match_the_taxonomy() -> None:
    patterns = taxonomy()
    vocab = [
        *sv.INDUSTRIES.values(),
        *sv.USE_CASES.values(),
        sv.ENTERPRISE_TEXT,
        sv.MULTI_REGION,
        sv.AGENCY,
        sv.SOLE_PROPRIETOR,
    ]
    fired = [v.fire() for v in vocab] + list(sv.SENIORITY_SIGNALS.values())
    checked = 0
    for signal in fired:
        if signal.key in patterns:
            assert patterns[signal.key].search(signal.reason.lower()), signal
            checked += 1
    assert checked >= 18


@pytest.fixture(scope="module")
def synthetic_items(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    from scoring.jsonfast import loads

    db = tmp_path_factory.mktemp("models") / "w.duckdb"
    as_of = dt.date(2026, 11, 1)
    demo_warehouse(db, window_contacts=3000, as_of=as_of, days=30)
    build_scoring_inputs(db, as_of=as_of, days=30)
    contacts = read_inputs(db, as_of=as_of, days=30, models=[]).contacts
    return [loads(b) for b in prepare(contacts).items]


def test_reasoning_tags_exactly_the_taxonomy_signals_that_fired(
    synthetic_items: list[dict[str, Any]],
) -> None:
    """dbt tags the model's reasoning with the taxonomy: it must find what fired, and only.

    The reasoning names the signals that moved the score; a use case past the cap stays in
    ``contributions`` with weight 0 (the demo org's accounts name up to six) and is not
    named, so it did not fire here."""
    patterns = taxonomy()
    for model in MODELS.values():
        for item in synthetic_items:
            result = model.qualify(item)
            contributions = result["business_signals"]["contributions"]
            fired = {k for k, w in contributions.items() if k in patterns and w != 0}
            assert tags(result["reasoning"], patterns) == fired, (item, result["reasoning"])


def test_list_items_never_contain_commas(synthetic_items: list[dict[str, Any]]) -> None:
    odd = {"domain": "a.com", "industry": "Food, Beverage", "employees": 5000}
    for model in MODELS.values():
        for item in [*synthetic_items, odd]:
            result = model.qualify(item)
            for key in ("industries", "use_cases", "enterprise_indicators"):
                assert all("," not in label for label in result[key]), result[key]
    assert BUSINESS_CONTEXT.qualify(odd)["industries"][0] == "Food Beverage"


def test_business_context_beats_chance_on_its_own_story(
    synthetic_items: list[dict[str, Any]],
) -> None:
    bc = [BUSINESS_CONTEXT.qualify(i)["score"] for i in synthetic_items]
    assert 0.1 < sum(s >= 0.5 for s in bc) / len(bc) < 0.5  # a conservative qualification rate


def test_no_leakage_nothing_states_the_label() -> None:
    """The request has no field for opportunities or Account.Type, and extra fields are
    ignored: the same contact scores the same whatever its account became."""
    assert "type" not in QualifyRequest.model_fields
    assert set(QualifyRequest.model_fields) == set(SENT_FIELDS)
    assert not any("opportunit" in source.lower() for source in SENT_FIELDS.values())
    assert not any("Account.Type" in source for source in SENT_FIELDS.values())
    for model in MODELS.values():
        base = model.qualify(ENTERPRISE_API)
        leaky = {**ENTERPRISE_API, "type": "Customer - Direct", "stage_name": "Closed Won"}
        assert model.qualify(leaky) == base


def test_demographic_reads_only_size_revenue_and_seniority() -> None:
    base = DEMOGRAPHIC.qualify(ENTERPRISE_API)
    other = {
        **ENTERPRISE_API,
        "domain": "x.org",
        "description": "student agency",
        "industry": "Education",
        "email": "a@gmail.com",
        "lead_source": "Purchased List",
        "company_name": "Other",
    }
    assert DEMOGRAPHIC.qualify(other) == base
    assert base["industries"] == [] and base["use_cases"] == []
    assert DEMOGRAPHIC.qualify({**ENTERPRISE_API, "title": "Intern"})["score"] < base["score"]
