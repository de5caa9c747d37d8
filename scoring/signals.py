"""The signal vocabulary the reference models read, and the words they write.

Every signal has a ``key`` (the ``signal`` column of ``dbt_project/seeds/signal_taxonomy.csv``
where the taxonomy has one), a ``label`` (what goes into the ``industries`` / ``use_cases`` /
``enterprise_indicators`` lists: never a comma) and a ``reason`` (the phrase the reasoning
text uses, written so that the taxonomy's regex for the same signal matches it; a test
checks this). The models only ever name signals that fired, so dbt tags the model's
reasons in the same vocabulary as the AEs' notes.

Where signals are read from (all knowable when the contact arrived; nothing from
opportunities, not ``Account.Type``):

============  ======================================================================
industry      ``Account.Industry`` picklist, then keywords in company name, domain,
              description
use case      keywords in company name, domain, description and title
enterprise    ``NumberOfEmployees``, ``AnnualRevenue``, description keywords, title
disqualifier  free-mail email domain, student/junior title, tiny company, agency or
              reseller wording, a purchased list
============  ======================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

Kind = Literal["industry", "use_case", "enterprise", "disqualifier", "seniority", "source"]


class Signal(NamedTuple):
    """One fired signal: what it is, how it is listed and named, and its weight.

    A named tuple rather than a dataclass: models build a few per item, and tuple
    construction is several times cheaper.
    """

    key: str
    kind: Kind
    label: str
    reason: str
    weight: float


@dataclass(frozen=True, slots=True)
class Vocab:
    """A signal the text scanners can fire: key, label, reason phrase, weight, pattern."""

    key: str
    kind: Kind
    label: str
    reason: str
    weight: float
    pattern: str

    def fire(self, detail: str | None = None) -> Signal:
        """The fired signal, its reason followed by a short detail in parentheses."""
        reason = f"{self.reason} ({detail})" if detail else self.reason
        return Signal(self.key, self.kind, self.label, reason, self.weight)


# --- industries -------------------------------------------------------------------------

INDUSTRIES: dict[str, Vocab] = {
    v.key: v
    for v in [
        Vocab(
            "technology",
            "industry",
            "Technology",
            "Technology industry",
            0.6,
            r"software|saas|cloud|tech|technologies|developer tools|devops|"
            r"artificial intelligence|machine learning|electronics|semiconductors?",
        ),
        Vocab(
            "telecommunications",
            "industry",
            "Telecommunications",
            "Telecommunications industry",
            0.5,
            r"telecom\w*|wireless carrier|mobile network|isp|broadband",
        ),
        Vocab(
            "finance",
            "industry",
            "Finance",
            "Finance industry",
            0.4,
            r"bank|banking|fintech|financial|payments?|insurance|insurtech|lending|"
            r"asset management|capital markets",
        ),
        Vocab(
            "healthcare",
            "industry",
            "Healthcare",
            "Healthcare industry",
            0.3,
            r"health|healthcare|hospitals?|clinics?|clinical|medical|pharma\w*|biotech\w*",
        ),
        Vocab(
            "retail",
            "industry",
            "Retail",
            "Retail industry",
            0.1,
            r"retail\w*|e-?commerce|online store|apparel|fashion",
        ),
        Vocab(
            "manufacturing",
            "industry",
            "Manufacturing",
            "Manufacturing industry",
            0.1,
            r"manufactur\w*|industrial|factory|factories|machinery",
        ),
        Vocab(
            "education",
            "industry",
            "Education",
            "Education industry",
            -0.4,
            r"universit\w*|college|school|academy|education\w*",
        ),
        Vocab(
            "government",
            "industry",
            "Government",
            "Government industry",
            -0.2,
            r"government|public sector|municipal\w*|federal|ministry",
        ),
    ]
}

#: ``Account.Industry`` picklist values -> industry key; other values are listed as they are.
PICKLIST_INDUSTRY: dict[str, str] = {
    "technology": "technology",
    "electronics": "technology",
    "telecommunications": "telecommunications",
    "communications": "telecommunications",
    "banking": "finance",
    "finance": "finance",
    "insurance": "finance",
    "healthcare": "healthcare",
    "biotechnology": "healthcare",
    "retail": "retail",
    "apparel": "retail",
    "manufacturing": "manufacturing",
    "machinery": "manufacturing",
    "chemicals": "manufacturing",
    "education": "education",
    "government": "government",
}

#: Picklist industries outside the taxonomy that still move the score a little.
OTHER_INDUSTRY_WEIGHTS: dict[str, float] = {"not for profit": -0.4, "consulting": -0.1}

# --- use cases --------------------------------------------------------------------------

USE_CASES: dict[str, Vocab] = {
    v.key: v
    for v in [
        Vocab(
            "api_integration",
            "use_case",
            "API/Integration",
            "API integration use case",
            0.8,
            r"apis?|integrat\w*|webhooks?|sdks?|rest endpoints?",
        ),
        Vocab(
            "voice_communication",
            "use_case",
            "Voice/Communication",
            "voice communication use case",
            0.7,
            r"voice|telephony|voip|ivr|call cent(?:er|re)s?|contact cent(?:er|re)s?|sms|"
            r"messaging|cpaas|unified communications",
        ),
        Vocab(
            "saas_platform",
            "use_case",
            "SaaS/Platform",
            "platform use case",
            0.35,
            r"saas|platforms?|multi-tenant|cloud-based",
        ),
        Vocab(
            "data_analytics",
            "use_case",
            "Data/Analytics",
            "data analytics use case",
            0.4,
            r"analytics|data warehous\w*|reporting|dashboards?|business intelligence|"
            r"big data|data pipelines?",
        ),
        Vocab(
            "automation",
            "use_case",
            "Automation",
            "workflow automation use case",
            0.45,
            r"automat\w*|workflows?|orchestrat\w*|rpa",
        ),
        Vocab(
            "security_compliance",
            "use_case",
            "Security/Compliance",
            "security compliance use case",
            0.35,
            r"security|compliance|soc ?2|hipaa|gdpr|pci|fraud prevention",
        ),
    ]
}

USE_CASE_CAP = 1.2

# --- enterprise indicators and disqualifiers read from text -----------------------------

ENTERPRISE_TEXT = Vocab(
    "enterprise_scale",
    "enterprise",
    "Enterprise scale",
    "enterprise scale",
    0.5,
    r"enterprises?|fortune (?:500|1000)|global 2000|large organi[sz]ations?",
)
MULTI_REGION = Vocab(
    "multi_region",
    "enterprise",
    "Multi-region presence",
    "multi-region presence",
    0.3,
    r"global|worldwide|international|multi-region|multinational|offices in \d+|"
    r"\d+ countries",
)
AGENCY = Vocab(
    "agency_reseller",
    "disqualifier",
    "Agency/reseller",
    "agency or reseller",
    -0.7,
    r"(?:digital|marketing|creative|advertising|design|web|seo|media|recruiting|staffing|"
    r"development|pr) agency|agency(?! of)|resell\w*|freelanc\w*|white[- ]label",
)
SOLE_PROPRIETOR = Vocab(
    "too_small",
    "disqualifier",
    "Too small",
    "too small",
    -0.8,
    r"sole proprietor\w*|one-person|solo founder|side project|hobby",
)

# --- size, revenue, title, source --------------------------------------------------------

#: (minimum employees, key, label, reason template, business_context weight)
SIZE_BANDS: tuple[tuple[int, str, str, str, float], ...] = (
    (10_000, "enterprise_scale", "Enterprise scale", "enterprise scale ({n} employees)", 1.1),
    (1_000, "enterprise_scale", "Enterprise scale", "enterprise scale ({n} employees)", 0.8),
    (200, "mid_market", "Mid-market", "mid-market size ({n} employees)", 0.35),
    (50, "", "", "", 0.0),
    (10, "too_small", "", "small business ({n} employees)", -0.5),
    (0, "too_small", "", "too small ({n} employees)", -1.0),
)

#: (minimum revenue, label, weight); the reason is "large revenue ($2.1B)".
REVENUE_BANDS: tuple[tuple[float, str, float], ...] = (
    (1e9, "Large revenue", 0.5),
    (1e8, "Large revenue", 0.25),
)

SENIORITY_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "student",
        r"students?|interns?|internship|undergrad\w*|phd candidate|"
        r"graduate (?:student|assistant)|research assistant|apprentice",
    ),
    (
        "c_level",
        r"chief|ceo|cto|cfo|coo|cio|ciso|cmo|cro|cpo|c-level|founder|co-founder|"
        r"president|owner|managing director|general manager|partner",
    ),
    ("vp", r"vp|svp|evp|avp|vice president|head of|head"),
    ("director", r"director|directeur|dean"),
    ("manager", r"manager|lead|principal|supervisor|architect"),
    ("junior", r"junior|jr|assistant|trainee|associate|coordinator"),
    (
        "individual",
        r"engineer|developer|analyst|specialist|consultant|administrator|"
        r"scientist|designer|representative|officer|accountant",
    ),
)

SENIORITY_SIGNALS: dict[str, Signal] = {
    "c_level": Signal(
        "executive_sponsor", "enterprise", "C-level title", "C-level decision maker title", 0.5
    ),
    "vp": Signal(
        "executive_sponsor",
        "enterprise",
        "Senior leadership title",
        "senior leadership title (VP or head)",
        0.35,
    ),
    "director": Signal("director_title", "seniority", "", "director-level title", 0.2),
    "manager": Signal("manager_title", "seniority", "", "manager-level title", 0.05),
    "junior": Signal("junior_title", "disqualifier", "", "junior title", -0.3),
    "student": Signal("student", "disqualifier", "", "student title", -1.6),
}

LEAD_SOURCE_SIGNALS: dict[str, Signal] = {
    "partner referral": Signal("referral", "source", "", "referral lead source", 0.25),
    "external referral": Signal("referral", "source", "", "referral lead source", 0.25),
    "partner": Signal("referral", "source", "", "partner lead source", 0.2),
    "word of mouth": Signal("referral", "source", "", "word of mouth lead source", 0.2),
    "trade show": Signal("trade_show", "source", "", "trade show lead source", 0.1),
    "purchased list": Signal(
        "purchased_list", "disqualifier", "", "purchased list lead source", -0.35
    ),
}


def compile_group(vocab: dict[str, Vocab] | list[Vocab]) -> re.Pattern[str]:
    """One alternation with a named group per signal, so a single scan finds them all."""
    items = vocab.values() if isinstance(vocab, dict) else vocab
    parts = [f"(?P<{v.key}>{v.pattern})" for v in items]
    # The lookahead lets the engine skip positions that cannot start a word (~25 % faster).
    return re.compile(r"\b(?=[a-z0-9])(?:" + "|".join(parts) + r")\b")


INDUSTRY_RE = compile_group(INDUSTRIES)
USE_CASE_RE = compile_group(USE_CASES)
ENTERPRISE_RE = re.compile(rf"\b(?:{ENTERPRISE_TEXT.pattern})\b")
MULTI_REGION_RE = re.compile(rf"\b(?:{MULTI_REGION.pattern})\b")
AGENCY_RE = re.compile(rf"\b(?:{AGENCY.pattern})\b")
SOLE_PROPRIETOR_RE = re.compile(rf"\b(?:{SOLE_PROPRIETOR.pattern})\b")
SENIORITY_RES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (level, re.compile(rf"\b(?:{pattern})\b")) for level, pattern in SENIORITY_PATTERNS
)
