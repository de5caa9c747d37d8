"""The two deterministic reference models behind the qualification API.

- ``business_context`` (the model under test) reads industries, use cases, enterprise
  indicators and disqualifiers from the domain, company name, description, industry,
  size, revenue, title, email and lead source (vocabulary in ``scoring.signals``).
- ``demographic`` (the baseline) reads only size, revenue and title seniority.

Both add the weights of the signals that fired to a bias, squash the sum with a logistic
function into a score in 0..1, qualify at 0.5, and explain themselves by naming the fired
signals in order of weight. Neither reads anything that states the label: nothing from
opportunities, not ``Account.Type``.

Input items are plain mappings with the contract's field names (missing = unknown).
Results are plain dicts in the contract's shape. Account-, title- and source-level work is
cached, since many contacts share an account, a title or a lead source.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from scoring import signals as sv
from scoring.domains import email_domain, is_free_mail, normalize_host
from scoring.signals import Signal

QUALIFY_AT = 0.5
_MEMO_MAX = 100_000

Item = Mapping[str, Any]
Result = dict[str, Any]


class Part(NamedTuple):
    """The fired signals of one slice of an item (its account, its title, its email, its
    lead source), digested once: slices repeat across contacts, so parts are cached and
    a result only merges a few of them."""

    signals: tuple[Signal, ...]
    z: float
    keys: frozenset[str]
    use_case_weight: float
    pros: tuple[tuple[float, str], ...]  # (-weight, reason) for positive signals
    cons: tuple[tuple[float, str], ...]  # (weight, reason) for negative signals
    use_cases: tuple[str, ...]
    enterprise: tuple[str, ...]
    contributions: tuple[tuple[str, float], ...]
    disqualifiers: tuple[str, ...]


def _dedupe(fired: tuple[Signal, ...]) -> tuple[Signal, ...]:
    """One signal per key (the strongest); use cases together capped at USE_CASE_CAP."""
    keys = {s.key for s in fired}
    use_case_total = sum(s.weight for s in fired if s.kind == "use_case")
    if len(keys) == len(fired) and use_case_total <= sv.USE_CASE_CAP:
        return fired
    best: dict[str, Signal] = {}
    for signal in fired:
        have = best.get(signal.key)
        if have is None or abs(signal.weight) > abs(have.weight):
            best[signal.key] = signal
    out: list[Signal] = []
    budget = sv.USE_CASE_CAP
    for signal in best.values():
        if signal.kind == "use_case":
            if budget <= 0:
                continue
            weight = round(min(signal.weight, budget), 4)
            budget -= weight
            if weight != signal.weight:
                signal = signal._replace(weight=weight)
        out.append(signal)
    return tuple(out)


def make_part(signals: Iterable[Signal]) -> Part:
    """A part from fired signals (deduplicated by key, use cases capped)."""
    fired = _dedupe(tuple(signals))
    enterprise: list[str] = []
    for s in fired:
        if s.kind == "enterprise" and s.label and s.label not in enterprise:
            enterprise.append(s.label)
    return Part(
        signals=fired,
        z=sum(s.weight for s in fired),
        keys=frozenset(s.key for s in fired),
        use_case_weight=sum(s.weight for s in fired if s.kind == "use_case"),
        pros=tuple((-s.weight, s.reason) for s in fired if s.weight > 0),
        cons=tuple((s.weight, s.reason) for s in fired if s.weight < 0),
        use_cases=tuple(s.label for s in fired if s.kind == "use_case"),
        enterprise=tuple(enterprise),
        contributions=tuple((s.key, s.weight) for s in fired),
        disqualifiers=tuple(s.key for s in fired if s.weight < 0),
    )


def merge_parts(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """Parts as they are when their signals are disjoint, else one re-deduplicated part."""
    keys = [p.keys for p in parts if p.keys]
    total = sum(len(k) for k in keys)
    if total == len(frozenset().union(*keys)) and (
        sum(p.use_case_weight for p in parts) <= sv.USE_CASE_CAP
    ):
        return parts
    return (make_part(s for p in parts for s in p.signals),)


class Reading(NamedTuple):
    """What a model read from one item: its parts, facts for business_signals, industries."""

    parts: tuple[Part, ...]
    facts: dict[str, Any]
    industries: tuple[str, ...]


# --- shared readers ---------------------------------------------------------------------


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _whole(n: float | None) -> float | int | None:
    return int(n) if n is not None and n.is_integer() else n


def _fmt_int(n: float) -> str:
    return f"{int(n):,}"


def _fmt_money(amount: float) -> str:
    if amount >= 1e9:
        return f"${amount / 1e9:.1f}B"
    if amount >= 1e6:
        return f"${amount / 1e6:.0f}M"
    return f"${_fmt_int(amount)}"


@lru_cache(maxsize=65536)
def size_signal(employees: float | None) -> Signal | None:
    """The company-size signal for a head count (None when unknown or neutral)."""
    if employees is None:
        return None
    for floor, key, label, reason, weight in sv.SIZE_BANDS:
        if employees >= floor:
            if not key:
                return None
            return Signal(key, _size_kind(key), label, reason.format(n=_fmt_int(employees)), weight)
    return None


def _size_kind(key: str) -> sv.Kind:
    return "disqualifier" if key == "too_small" else "enterprise"


@lru_cache(maxsize=65536)
def revenue_signal(revenue: float | None) -> Signal | None:
    """The revenue signal (None when unknown or below every band)."""
    if revenue is None:
        return None
    for floor, label, weight in sv.REVENUE_BANDS:
        if revenue >= floor:
            reason = f"large revenue ({_fmt_money(revenue)})"
            return Signal("large_revenue", "enterprise", label, reason, weight)
    return None


@lru_cache(maxsize=16384)
def seniority(title: str | None) -> str | None:
    """The seniority level a title states (``c_level``, ``vp``, ... ``student``), or None."""
    if not title:
        return None
    text = title.lower()
    for level, pattern in sv.SENIORITY_RES:
        if pattern.search(text):
            return level
    return None


def _label_safe(text: str) -> str:
    """List items never contain commas (lists are ", "-joined downstream)."""
    return " ".join(text.replace(",", " ").split())


# --- business_context -------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _account_part(
    domain: str | None,
    company: str | None,
    industry: str | None,
    employees: float | None,
    revenue: float | None,
    description: str | None,
) -> tuple[Part, tuple[str, ...]]:
    """What the account says about itself, plus its industry labels."""
    domain_words = (domain or "").replace("-", " ").replace(".", " ")
    text = " ".join(p for p in ((company or ""), domain_words, (description or "")) if p)
    text = text.lower()
    fired: list[Signal] = []
    industries = _industries(industry, text)
    fired.extend(_industry_signal(industries))
    fired.extend(_use_case_signals(text))
    for signal in (size_signal(employees), revenue_signal(revenue)):
        if signal:
            fired.append(signal)
    if (employees is None or employees < 1000) and (m := sv.ENTERPRISE_RE.search(text)):
        fired.append(sv.ENTERPRISE_TEXT.fire(m.group(0)))
    if m := sv.MULTI_REGION_RE.search(text):
        fired.append(sv.MULTI_REGION.fire(m.group(0)))
    if (industry or "").lower() != "government" and sv.AGENCY_RE.search(text):
        fired.append(sv.AGENCY.fire())
    if m := sv.SOLE_PROPRIETOR_RE.search(text):
        fired.append(sv.SOLE_PROPRIETOR.fire(m.group(0)))
    return make_part(fired), industries


def _industries(picklist: str | None, text: str) -> tuple[str, ...]:
    """Industry labels: the picklist's first (unless blank or "Other"), then text matches."""
    labels: list[str] = []
    value = (picklist or "").strip()
    if value and value.lower() != "other":
        key = sv.PICKLIST_INDUSTRY.get(value.lower())
        labels.append(sv.INDUSTRIES[key].label if key else _label_safe(value))
    for m in sv.INDUSTRY_RE.finditer(text):
        label = sv.INDUSTRIES[m.lastgroup or ""].label
        if label not in labels:
            labels.append(label)
        if len(labels) >= 3:
            break
    return tuple(labels)


_BY_LABEL: dict[str, sv.Vocab] = {v.label: v for v in sv.INDUSTRIES.values()}


def _industry_signal(industries: tuple[str, ...]) -> list[Signal]:
    """The primary industry (the picklist's, else the first mentioned) moves the score."""
    if not industries:
        return []
    primary = industries[0]
    vocab = _BY_LABEL.get(primary)
    if vocab is not None:
        return [vocab.fire()] if vocab.weight else []
    weight = sv.OTHER_INDUSTRY_WEIGHTS.get(primary.lower(), 0.0)
    if not weight:
        return []
    return [Signal("other_industry", "industry", primary, f"{primary} industry", weight)]


def _use_case_signals(text: str) -> list[Signal]:
    # No "(matched word)" detail here: a word like "saas" would make the taxonomy tag an
    # industry the model did not use.
    found = dict.fromkeys(m.lastgroup or "" for m in sv.USE_CASE_RE.finditer(text))
    return [sv.USE_CASES[key].fire() for key in found]


@lru_cache(maxsize=16384)
def title_part(title: str | None) -> Part:
    """Seniority (executive sponsor, student, ...) and use cases a title states."""
    if not title:
        return EMPTY
    level = seniority(title)
    fired = [sv.SENIORITY_SIGNALS[level]] if level in sv.SENIORITY_SIGNALS else []
    fired.extend(_use_case_signals(title.lower()))
    return make_part(fired)


@lru_cache(maxsize=16384)
def email_part(email_host: str | None, has_domain: bool) -> Part:
    """A personal (free-mail) email, or no company domain at all."""
    if email_host and is_free_mail(email_host):
        weight = -0.25 if has_domain else -0.5
        reason = f"personal email domain ({email_host})"
        return make_part([Signal("personal_email", "disqualifier", "", reason, weight)])
    if not has_domain:
        return make_part([Signal("no_domain", "disqualifier", "", "no company domain", -0.3)])
    return EMPTY


def _email_host(email: Any) -> str | None:
    if not isinstance(email, str) or "@" not in email:
        return None
    return email_domain(email)


EMPTY = make_part(())
SOURCE_PARTS: dict[str, Part] = {
    source: make_part([signal]) for source, signal in sv.LEAD_SOURCE_SIGNALS.items()
}


def read_business_context(item: Item) -> Reading:
    """Every signal the business-context model reads from one item."""
    domain = normalize_host(item.get("domain")) or normalize_host(item.get("website"))
    employees, revenue = _num(item.get("employees")), _num(item.get("annual_revenue"))
    account, industries = _account_part(
        domain,
        item.get("company_name"),
        item.get("industry"),
        employees,
        revenue,
        item.get("description"),
    )
    title = item.get("title")
    source = item.get("lead_source")
    host = _email_host(item.get("email"))
    contact = _contact_part(title, host if is_free_mail(host) else None, domain is not None, source)
    facts = {
        "domain": domain,
        "employees": _whole(employees),
        "annual_revenue": revenue,
        "seniority": seniority(title),
        "lead_source": source,
    }
    return Reading(merge_parts((account, contact)), facts, industries)


@lru_cache(maxsize=65536)
def _contact_part(
    title: str | None, free_host: str | None, has_domain: bool, source: str | None
) -> Part:
    """What the contact says about itself (title, personal email, lead source), as one part:
    these repeat across contacts far more than accounts do."""
    parts = (
        title_part(title),
        email_part(free_host, has_domain),
        SOURCE_PARTS.get(source.strip().lower(), EMPTY) if source else EMPTY,
    )
    return make_part(s for p in parts for s in p.signals)


# --- demographic ------------------------------------------------------------------------

_DEMOGRAPHIC_SIZE: tuple[tuple[int, float], ...] = (
    (10_000, 1.4),
    (1_000, 1.1),
    (200, 0.5),
    (50, 0.0),
    (10, -0.5),
    (0, -1.0),
)
_DEMOGRAPHIC_REVENUE: tuple[tuple[float, float], ...] = ((1e9, 0.6), (1e8, 0.35))
_DEMOGRAPHIC_SENIORITY: dict[str, float] = {
    "c_level": 0.7,
    "vp": 0.55,
    "director": 0.35,
    "manager": 0.1,
    "junior": -0.3,
    "student": -0.8,
}


@lru_cache(maxsize=65536)
def firmographic_part(employees: float | None, revenue: float | None) -> Part:
    """The baseline's size and revenue signals."""
    fired: list[Signal] = []
    if employees is None:
        fired.append(Signal("unknown_size", "seniority", "", "unknown company size", -0.3))
    else:
        weight = next(w for floor, w in _DEMOGRAPHIC_SIZE if employees >= floor)
        size = size_signal(employees)
        if size is not None and weight:
            fired.append(size._replace(weight=weight))
    if revenue is not None:
        weight = next((w for floor, w in _DEMOGRAPHIC_REVENUE if revenue >= floor), 0.0)
        if weight:
            reason = f"large revenue ({_fmt_money(revenue)})"
            fired.append(Signal("large_revenue", "enterprise", "Large revenue", reason, weight))
        elif revenue < 1e6:
            reason = f"low revenue ({_fmt_money(revenue)})"
            fired.append(Signal("low_revenue", "disqualifier", "", reason, -0.3))
    return make_part(fired)


SENIORITY_PARTS: dict[str | None, Part] = {
    level: make_part([sv.SENIORITY_SIGNALS[level]._replace(weight=weight)])
    for level, weight in _DEMOGRAPHIC_SENIORITY.items()
}


def demographic_key(item: Item) -> Hashable:
    """All the baseline reads (about half the contacts of an org share one with another)."""
    return (
        _num(item.get("employees")),
        _num(item.get("annual_revenue")),
        seniority(item.get("title")),
    )


def read_demographic(item: Item) -> Reading:
    """Size, revenue and title seniority only."""
    employees, revenue = _num(item.get("employees")), _num(item.get("annual_revenue"))
    level = seniority(item.get("title"))
    parts = (firmographic_part(employees, revenue), SENIORITY_PARTS.get(level, EMPTY))
    facts = {"employees": _whole(employees), "annual_revenue": revenue, "seniority": level}
    return Reading(parts, facts, ())


# --- scoring and explaining -------------------------------------------------------------


def confidence(score: float, *, evidence: int, has_context: bool) -> str:
    """HIGH / CONFIDENT / UNCERTAIN / LOW from the margin to the threshold and the evidence."""
    margin = abs(score - QUALIFY_AT)
    if margin >= 0.3 and evidence >= 3 and has_context:
        return "HIGH"
    if margin >= 0.2 and evidence >= 2 and has_context:
        return "CONFIDENT"
    if margin >= 0.08 or evidence >= 2:
        return "UNCERTAIN"
    return "LOW"


def reasoning(parts: tuple[Part, ...], *, score: float, qualified: bool, level: str) -> str:
    """Text naming the signals that moved the score, strongest first, for and against."""
    pros = sorted([p for part in parts for p in part.pros])
    cons = sorted([c for part in parts for c in part.cons])
    verdict = "Qualified" if qualified else "Not qualified"
    text = f"{verdict} ({score:.1%}, {level} confidence)."
    if pros:
        text += f" For: {'; '.join([reason for _, reason in pros])}."
    if cons:
        text += f" Against: {'; '.join([reason for _, reason in cons])}."
    if not pros and not cons:
        text += " Little was known about the company."
    return text


@dataclass(frozen=True, slots=True)
class ReferenceModel:
    """A named, versioned model: a reader of signals, a bias, and the shared explainer."""

    name: str
    version: str
    bias: float
    read: Callable[[Item], Reading]
    description: str
    #: For models whose inputs repeat a lot: the key of everything they read. Results are
    #: then shared between equal inputs (treat results as read-only).
    memo_key: Callable[[Item], Hashable] | None = None
    _memo: dict[Hashable, Result] = field(default_factory=dict, repr=False, compare=False)

    def qualify(self, item: Item) -> Result:
        """Score one item; the result follows the contract's response shape."""
        if self.memo_key is None:
            return self._qualify(item)
        key = self.memo_key(item)
        result = self._memo.get(key)
        if result is None:
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            result = self._memo[key] = self._qualify(item)
        return result

    def _qualify(self, item: Item) -> Result:
        parts, facts, industries = self.read(item)
        z = self.bias + sum([p.z for p in parts])
        score = round(1.0 / (1.0 + math.exp(-z)), 4)
        qualified = score >= QUALIFY_AT
        has_context = bool(facts.get("domain") or facts["employees"] is not None)
        evidence = sum([len(p.signals) for p in parts])
        level = confidence(score, evidence=evidence, has_context=has_context)
        facts["bias"] = self.bias
        facts["logit"] = round(z, 4)
        facts["contributions"] = {k: w for p in parts for k, w in p.contributions}
        facts["disqualifiers"] = [k for p in parts for k in p.disqualifiers]
        return {
            "score": score,
            "is_qualified": qualified,
            "confidence": level,
            "industries": list(industries),
            "use_cases": [u for p in parts for u in p.use_cases],
            "enterprise_indicators": [e for p in parts for e in p.enterprise],
            "reasoning": reasoning(parts, score=score, qualified=qualified, level=level),
            "business_signals": facts,
            "model": self.name,
            "model_version": self.version,
        }


BUSINESS_CONTEXT = ReferenceModel(
    name="business_context",
    version="1.0",
    bias=-1.0,
    read=read_business_context,
    description="Industries, use cases, enterprise indicators and disqualifiers.",
)
DEMOGRAPHIC = ReferenceModel(
    name="demographic",
    version="1.0",
    bias=-1.1,
    read=read_demographic,
    description="Baseline: company size, revenue and title seniority only.",
    memo_key=demographic_key,
)
MODELS: dict[str, ReferenceModel] = {m.name: m for m in (BUSINESS_CONTEXT, DEMOGRAPHIC)}
DEFAULT_MODEL = BUSINESS_CONTEXT.name
