"""The demo Salesforce org: a deterministic generator of a Salesforce Data Export folder.

``generate_org(out_dir, contacts=N, seed=S, anchor=D)`` writes one CSV per object, named by
API name (``User.csv``, ``Account.csv``, ``Contact.csv``, ``Lead.csv``,
``OpportunityStage.csv``, ``Opportunity.csv``, ``OpportunityHistory.csv``,
``OpportunityContactRole.csv``, and the field history ``AccountHistory.csv``,
``ContactHistory.csv``, ``OpportunityFieldHistory.csv``), in the Data Export format: API
field names as header, every value double-quoted, booleans ``"0"``/``"1"``, datetimes
``"YYYY-MM-DD HH:MM:SS"`` (UTC), dates ``"YYYY-MM-DD"``, empty string for null, UTF-8, LF
line endings, multi-line values. Columns are every field of ``extract.salesforce.objects``
plus ``Loss_Reason__c`` on Opportunity and a few junk columns real exports carry (a loader
must ignore them).
``OpportunityStage.csv`` is written although real exports lack it, because the demo server
serves it over the REST API.

Everything is dated relative to ``anchor`` and drawn from numpy generators seeded by
``seed``, so the same ``(contacts, seed, anchor)`` gives byte-identical files. Every
timestamp falls before the anchor day's midnight (UTC): anything done "now" on the anchor
day (``mutate_org(at=now)``, an incremental load) is later than all of the generated org.

How the label is made learnable without being stated: each contact gets a hidden fit =
industry effect + use-case effects (the use cases its account's Description names, in the
signal taxonomy's words) + a small log-size effect + title seniority - disqualifiers
(free-mail address, student title, tiny company, agency/reseller) + noise. Whether an AE
opens an opportunity for the contact, and whether it progresses beyond Prospecting, are
drawn from that fit; size is deliberately weak, so a model reading industry, use case,
size and seniority beats one reading size, revenue and seniority alone. The AE's reasoning
is written into ``Opportunity.Description``, ``NextStep`` and ``Loss_Reason__c`` with the
taxonomy's words. ``Account.Type`` becomes "Customer - Direct" after a won deal (a leaky
field the model must not read).

Records are edited after they were created, as in real orgs, some edits tracked in field
history (with values, or without for long text), some not: see ``extract.demo.history``.
Accounts rewritten after their deal was won flatter a model that reads the current values;
the values contacts saw when they arrived are the old ones.

``mutate_org`` changes a generated org in place (new, updated and deleted contacts, all
stamped ``at``) to test incremental loads.

CLI: ``python -m extract.demo.generate --out DIR --contacts N [--seed S] [--anchor DATE]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from extract.salesforce.objects import OBJECTS

if TYPE_CHECKING:  # imported where used: extract.demo.history builds on this module
    from extract.demo import history

DAY = 86_400
#: Contacts are created over this many days before the anchor (a 30-day window holds ~25%).
CONTACT_DAYS = 120
#: The id real exports use for "no account".
NO_ACCOUNT = "000000000000000AAA"
OBJECT_FILES: tuple[str, ...] = (
    "User",
    "Account",
    "Contact",
    "Lead",
    "OpportunityStage",
    "Opportunity",
    "OpportunityHistory",
    "OpportunityContactRole",
    "AccountHistory",
    "ContactHistory",
    "OpportunityFieldHistory",
)

# -- vocabulary ---------------------------------------------------------------------------------

#: Salesforce's default ladder: (name, SortOrder, probability %, IsClosed, IsWon, forecast).
STAGES: tuple[tuple[str, int, int, bool, bool, str], ...] = (
    ("Prospecting", 1, 10, False, False, "Pipeline"),
    ("Qualification", 2, 10, False, False, "Pipeline"),
    ("Needs Analysis", 3, 20, False, False, "Pipeline"),
    ("Value Proposition", 4, 50, False, False, "Pipeline"),
    ("Id. Decision Makers", 5, 60, False, False, "Pipeline"),
    ("Perception Analysis", 6, 70, False, False, "Pipeline"),
    ("Proposal/Price Quote", 7, 75, False, False, "Pipeline"),
    ("Negotiation/Review", 8, 90, False, False, "Commit"),
    ("Closed Won", 9, 100, True, True, "Closed"),
    ("Closed Lost", 10, 0, True, False, "Omitted"),
)
_WON, _LOST = 8, 9
#: Stage names some history rows carry that are not on the ladder (renamed or removed stages).
UNKNOWN_STAGES = ("Legacy Discovery", "Stage Zeta")

# (Industry picklist value, weight, fit effect, description phrase, name words)
_INDUSTRIES: tuple[tuple[str, int, float, str, tuple[str, ...]], ...] = (
    ("Technology", 10, 0.9, "software company", ("Software", "Systems", "Technologies", "Labs")),
    ("Telecommunications", 4, 0.9, "telecommunications carrier", ("Telecom", "Networks")),
    ("Communications", 3, 0.6, "communications provider", ("Communications", "Connect")),
    ("Electronics", 3, 0.4, "electronics maker", ("Electronics", "Devices", "Semiconductor")),
    ("Banking", 4, 0.5, "regional bank", ("Bank", "Bancorp", "Savings")),
    ("Finance", 5, 0.5, "financial services firm", ("Capital", "Financial", "Payments")),
    ("Insurance", 4, 0.4, "insurance company", ("Insurance", "Mutual", "Assurance")),
    ("Healthcare", 7, 0.4, "healthcare provider", ("Health", "Medical", "Clinics", "Care")),
    ("Biotechnology", 3, 0.3, "biotech company", ("Bio", "Therapeutics", "Genomics")),
    ("Retail", 6, 0.2, "retail chain", ("Retail", "Stores", "Outfitters", "Market")),
    ("Apparel", 2, -0.1, "apparel brand", ("Apparel", "Clothing", "Wear")),
    ("Consulting", 5, -0.1, "consulting firm", ("Consulting", "Advisors", "Partners")),
    ("Manufacturing", 7, 0.0, "manufacturer", ("Manufacturing", "Industries", "Fabrication")),
    ("Machinery", 2, -0.2, "machinery maker", ("Machinery", "Equipment", "Tools")),
    ("Engineering", 3, 0.0, "engineering firm", ("Engineering", "Design", "Structures")),
    ("Chemicals", 2, -0.2, "chemicals producer", ("Chemicals", "Materials", "Polymers")),
    ("Energy", 3, 0.1, "energy company", ("Energy", "Power", "Solar")),
    ("Utilities", 2, 0.1, "utility", ("Utilities", "Water", "Electric")),
    ("Transportation", 3, 0.1, "transportation company", ("Logistics", "Transport", "Freight")),
    ("Shipping", 2, 0.0, "shipping company", ("Shipping", "Maritime", "Cargo")),
    ("Construction", 3, -0.4, "construction company", ("Construction", "Builders")),
    ("Education", 5, -0.6, "university", ("University", "College", "Academy")),
    ("Government", 3, -0.3, "public sector body", ("County", "City Services", "Authority")),
    ("Not For Profit", 3, -0.8, "non-profit organisation", ("Foundation", "Trust", "Alliance")),
    ("Agriculture", 2, -0.6, "farming cooperative", ("Farms", "Agri", "Growers")),
    ("Hospitality", 3, -0.3, "hotel group", ("Hotels", "Resorts", "Hospitality")),
    ("Food & Beverage", 3, -0.3, "food and beverage company", ("Foods", "Brewing", "Kitchens")),
    ("Entertainment", 2, -0.2, "entertainment company", ("Entertainment", "Studios", "Games")),
    ("Media", 3, 0.0, "media company", ("Media", "Publishing", "Broadcasting")),
    ("Recreation", 1, -0.5, "recreation business", ("Outdoors", "Fitness", "Sports")),
    ("Environmental", 1, -0.4, "environmental services firm", ("Environmental", "Recycling")),
    ("Other", 3, -0.3, "company", ("Group", "Holdings", "Enterprises")),
)
_INDUSTRY_NAMES = [row[0] for row in _INDUSTRIES]
_EDUCATION = _INDUSTRY_NAMES.index("Education")

# Use cases: (key, fit effect, Description sentences, AE note phrases). The words come from
# the signal taxonomy (dbt_project/seeds/signal_taxonomy.csv) so both sides can be tagged.
_USE_CASES: tuple[tuple[str, float, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "api_integration",
        0.8,
        (
            "Evaluating APIs to integrate order data with their ERP.",
            "Their developers want webhooks and an SDK to connect billing and CRM.",
            "Building integrations between the customer portal and back-office systems.",
            "Needs a REST API to sync records with partners.",
        ),
        (
            "Strong API integration use case",
            "Clear integration need: webhooks into their ERP",
            "Developers already prototyping against our API",
        ),
    ),
    (
        "voice_communication",
        0.8,
        (
            "Runs a large contact center and wants to modernise telephony.",
            "Sends appointment reminders by SMS and voice.",
            "Replacing a legacy call center IVR with programmable voice.",
            "Customer support runs on messaging and voice channels.",
        ),
        (
            "Contact center migration is the driver",
            "Needs SMS and voice notifications at volume",
            "Telephony replacement project for their support team",
        ),
    ),
    (
        "saas_platform",
        0.5,
        (
            "Operates a multi-tenant SaaS platform for mid-market customers.",
            "Building a customer-facing platform on top of third-party services.",
            "Moving their product to a SaaS model.",
        ),
        (
            "Platform play: they want to embed us in their SaaS product",
            "Multi-tenant platform rollout planned",
        ),
    ),
    (
        "data_analytics",
        0.35,
        (
            "Wants dashboards and reporting across all sites.",
            "Consolidating analytics into a data warehouse.",
            "Reporting to the board is manual today.",
        ),
        ("Analytics and reporting use case", "Dashboards for the operations team"),
    ),
    (
        "automation",
        0.45,
        (
            "Looking to automate onboarding workflows.",
            "Orchestrating back-office workflows is a focus this year.",
            "Automating manual order processing.",
        ),
        ("Workflow automation use case", "Wants to automate manual approvals"),
    ),
    (
        "security_compliance",
        0.45,
        (
            "SOC 2 and HIPAA compliance are hard requirements.",
            "Security review and GDPR compliance drive vendor selection.",
            "Strict data security rules for customer records.",
        ),
        ("Security and compliance requirements we meet (SOC 2)", "Needs HIPAA compliance"),
    ),
)
_UC_EFFECT = np.array([row[1] for row in _USE_CASES])
_UC_BASE = np.array([0.16, 0.10, 0.10, 0.16, 0.16, 0.10])
# Use cases an industry is more likely to have: industry -> {use case index: probability}.
_UC_BY_INDUSTRY: dict[str, dict[int, float]] = {
    "Technology": {0: 0.5, 2: 0.4, 3: 0.25, 5: 0.2},
    "Telecommunications": {1: 0.6, 0: 0.3},
    "Communications": {1: 0.5, 0: 0.25},
    "Electronics": {0: 0.3, 4: 0.25},
    "Banking": {5: 0.45, 3: 0.3, 1: 0.2},
    "Finance": {5: 0.45, 3: 0.3, 0: 0.25},
    "Insurance": {5: 0.4, 1: 0.25},
    "Healthcare": {5: 0.45, 1: 0.25},
    "Biotechnology": {5: 0.35, 3: 0.25},
    "Retail": {3: 0.35, 0: 0.3, 1: 0.15},
    "Apparel": {3: 0.25, 0: 0.2},
    "Manufacturing": {4: 0.4, 3: 0.2},
    "Machinery": {4: 0.35},
    "Chemicals": {4: 0.25},
    "Engineering": {4: 0.25},
    "Transportation": {4: 0.35, 0: 0.3, 1: 0.15},
    "Shipping": {4: 0.35, 0: 0.25},
}
_QUIET_INDUSTRIES = ("Not For Profit", "Agriculture", "Recreation", "Environmental", "Construction")

_SIZE_SENTENCES: tuple[tuple[int, tuple[str, ...]], ...] = (
    # (minimum employees, sentences); "" = say nothing about size
    (0, ("Small business with a few employees.", "Sole proprietor.", "Tiny company.")),
    (10, ("Small team.", "", "")),
    (50, ("", "", "Privately held.", "Family owned since 1987.")),
    (1000, ("Mid-market company, growing fast.", "Operates in several countries.", "")),
    (
        5000,
        ("Large organization with offices in multiple regions.", "Enterprise, 1000+ employees."),
    ),
    (20000, ("Fortune 500 enterprise with a global footprint.", "Global footprint, multi-region.")),
)
_AGENCY_SENTENCES = (
    "Digital agency serving local clients.",
    "Reseller of software to small businesses.",
    "Freelance collective building websites.",
)
_LONG_PARAGRAPH = (
    "Company history: the firm was founded by two friends and has grown steadily through "
    "word of mouth. It values long-term relationships with customers and suppliers, "
    "reinvests in its people, and publishes an annual report on its community work. Its "
    "leadership meets customers in person every quarter and keeps detailed notes on every "
    "account, which the previous owner of this record pasted here in full."
)

# (Country as typed, weight, country-code top-level domain, cities)
_COUNTRIES: tuple[tuple[str, int, str, tuple[str, ...]], ...] = (
    ("United States", 35, "com", ("San Francisco", "New York", "Austin", "Chicago")),
    ("USA", 5, "com", ("Boston", "Seattle", "Denver")),
    ("US", 4, "com", ("Atlanta", "Miami")),
    ("United Kingdom", 9, "co.uk", ("London", "Manchester", "Leeds")),
    ("Germany", 7, "de", ("Berlin", "München", "Köln")),
    ("France", 5, "fr", ("Paris", "Lyon", "Saint-Étienne")),
    ("Canada", 5, "ca", ("Toronto", "Montréal", "Vancouver")),
    ("Australia", 4, "com.au", ("Sydney", "Melbourne")),
    ("Netherlands", 3, "nl", ("Amsterdam", "Utrecht")),
    ("Spain", 3, "es", ("Madrid", "Barcelona", "A Coruña")),
    ("Poland", 2, "pl", ("Warszawa", "Kraków", "Łódź")),
    ("Japan", 3, "co.jp", ("Tokyo", "大阪")),
    ("India", 4, "in", ("Bengaluru", "Mumbai", "Pune")),
    ("Brazil", 3, "com.br", ("São Paulo", "Rio de Janeiro")),
    ("Mexico", 2, "mx", ("Ciudad de México", "Monterrey")),
    ("", 6, "com", ("",)),
)
_GENERIC_TLDS = (("com", 80), ("io", 8), ("net", 6), ("co", 6))

_STEM_A = (
    "North South East West Blue Red Green Silver Golden Iron Stone River Lake Pine Oak Maple "
    "Cedar Summit Peak Bright Clear Swift True Prime Star Sun Moon Sky Ever High Grand Bay "
    "Harbor Atlas Apex Nova Vertex Terra Aqua Fire Wolf Eagle Falcon Hawk Fox Bear Lion "
    "Crystal Quantum Pixel Vector Delta Sigma Omega Polar Coral Amber Ember Granite Willow "
    "Copper Cobalt"
).split()
_STEM_B = (
    "wind field stone bridge gate way point line wood brook crest ridge view light works "
    "forge path wave port side land rock mark tree spring well haven dale moor shore vale "
    "leaf hill ford stream peak lane fall glen mill rise wick"
).split()
_LEGAL = ((" Inc.", 12), (" LLC", 8), (" Ltd", 6), (" GmbH", 3), (" Corp.", 5), (" Co.", 3))
#: A few real-export oddities: non-ASCII names, ampersands, apostrophes. (name, domain)
_ODD_ACCOUNTS = (
    ("Müller & Söhne GmbH", "mueller-soehne.de"),
    ("Société Générale de Logistique", "sgl-logistique.fr"),
    ("株式会社山田製作所", "yamada-seisakusho.co.jp"),
    ("O'Brien & Sons Ltd", "obrienandsons.co.uk"),
    ("Łódź Software Sp. z o.o.", "lodzsoftware.pl"),
    ("São Paulo Telecom S.A.", "sptelecom.com.br"),
    ('The "Best" Widgets Co.', "bestwidgets.com"),
)
_ACCOUNT_TYPES = (
    ("Prospect", 78),
    ("", 10),
    ("Customer - Channel", 3),
    ("Channel Partner / Reseller", 3),
    ("Technology Partner", 2),
    ("Installation Partner", 2),
    ("Other", 2),
)

# Name cultures: (weight, first names, last names); "山田|yamada" gives an email slug.
_CULTURES: tuple[tuple[int, str, str], ...] = (
    (
        70,
        "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David "
        "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Nancy "
        "Daniel Lisa Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven "
        "Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian "
        "Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura "
        "Jeffrey Cynthia Ryan Kathleen Jacob Amy Gary Angela Nicholas Shirley Eric Anna "
        "Jonathan Brenda Stephen Pamela Larry Emma Justin Nicole Scott Helen Brandon Samantha "
        "Wei Aisha Omar",
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
        "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright "
        "Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell "
        "Mitchell Carter Roberts O'Brien O'Neil McDonald Kim Chen Wang Cohen Murphy Kelly "
        "Sullivan Bennett Brooks Price Reed Cook Morgan Bell Cooper Richardson Cox Howard "
        "Ward Peterson Gray Ramos James Watson",
    ),
    (
        8,
        "José María Ángela Jesús Lucía Sofía Andrés Inés Raúl Martín Carmen Javier",
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Muñoz Núñez Ibáñez",
    ),
    (
        6,
        "Jürgen Björn Søren Jörg Käthe Günter Åsa Maximilian Lena Anke Lars Ingrid",
        "Müller Schröder Groß Weiß Jäger Østergaard Lindström Åberg Schmidt Becker Hansen",
    ),
    (
        5,
        "François Zoë Chloë Hélène Léa Jérôme Amélie Benoît Cécile Noël Camille",
        "Lefèvre Dubois Moreau Girard Bérenger Fournier Faure Rousseau Lemaître Mercier",
    ),
    (
        4,
        "Łukasz Paweł Michał Małgorzata Agnieszka Krzysztof Zofia Wojciech Grzegorz Katarzyna",
        "Kowalski Nowak Wiśniewski Wójcik Kamiński Lewandowski Zieliński Dąbrowski Woźniak",
    ),
    (
        3,
        "太郎|taro 花子|hanako 健|ken 由美|yumi 翔太|shota Hiroshi Yuki Kenji Akiko",
        "山田|yamada 佐藤|sato 鈴木|suzuki 高橋|takahashi 田中|tanaka Tanaka Watanabe Ito",
    ),
    (
        4,
        "Priya Rahul Ananya Vikram Deepika Arjun Sneha Rohit Kavya Aditya",
        "Sharma Gupta Iyer Reddy Nair Mehta Joshi Kapoor Rao Banerjee Patel Shah Singh",
    ),
)

# Titles by group: (group, seniority, titles). Seniority feeds the hidden fit.
_TITLE_GROUPS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    (
        "c_level",
        3.0,
        ("CEO", "CFO", "CTO", "CIO", "COO", "Chief Digital Officer", "Co-Founder & CEO"),
    ),
    (
        "vp",
        2.5,
        ("SVP, Operations", "VP of Engineering", "VP, Sales", "Vice President, IT", "EVP"),
    ),
    (
        "director",
        2.0,
        (
            "Director, Warehouse Mgmt",
            "Director of IT",
            "Head of Product",
            "Director, Contact Center Operations",
            "Engineering Director",
            "Head of Data",
            "Director of Procurement",
        ),
    ),
    (
        "manager",
        1.0,
        ("IT Manager", "Operations Manager", "Product Manager", "Marketing Manager", "Manager"),
    ),
    (
        "individual",
        0.0,
        (
            "Software Engineer",
            "Senior Software Engineer",
            "Data Analyst",
            "Business Analyst",
            "Solutions Architect",
            "Developer",
            "Administrative Assistant",
            "Sales Representative",
            "Consultant",
        ),
    ),
    (
        "academic",
        1.0,
        ("Dean of Administration", "Professor of Computer Science", "Registrar", "Teacher"),
    ),
    ("student", 0.0, ("Student", "Intern", "Graduate Student", "PhD Candidate")),
    ("owner", 1.0, ("Owner", "Owner/Operator", "Founder")),
    ("blank", 0.0, ("",)),
)
_STUDENT_GROUP = 6
# Title-group weights per profile: small company, large company, education, no account.
_TITLE_PROFILES = np.array(
    [
        [18, 3, 5, 12, 26, 1, 4, 20, 11],
        [3, 8, 19, 26, 34, 1, 3, 0.2, 8],
        [2, 2, 12, 8, 18, 25, 25, 0.2, 6],
        [5, 2, 5, 14, 35, 2, 15, 10, 12],
    ]
)
_LEAD_SOURCES = (
    ("Web", 30, 0.0),
    ("Phone Inquiry", 8, 0.1),
    ("Partner Referral", 8, 0.25),
    ("Purchased List", 8, -0.3),
    ("External Referral", 6, 0.15),
    ("Partner", 5, 0.15),
    ("Public Relations", 3, 0.0),
    ("Trade Show", 8, 0.0),
    ("Word of mouth", 6, 0.1),
    ("Other", 6, 0.0),
    ("", 12, 0.0),
)
_FREE_MAIL = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com")
_INVALID_EMAILS = ("n/a", "none", "unknown", "-", "x@y")
_STREETS = (
    "Main St",
    "Oak Ave",
    "Market St",
    "Mission St",
    "Broadway",
    "High Street",
    "Park Ave",
    "Hauptstraße",
    "Rue de Rivoli",
    "Calle Mayor",
)

# AE notes on opportunities, in the taxonomy's words.
_EARLY_LOSS: tuple[tuple[str, str], ...] = (
    ("Student project, not a buyer.", "Student"),
    ("Signed up with a personal gmail address; could not verify the company.", "Unqualified"),
    ("Too small for our platform.", "Too Small"),
    ("Agency reselling to their clients, not an end customer.", "Unqualified"),
    ("No budget this year.", "No Budget"),
    ("Went with another vendor (competitor).", "Lost to Competitor"),
    ("No response after demo.", "No Response"),
    ("Not a priority until next fiscal year.", "Bad Timing"),
    ("Price too high for their team.", "Price"),
)
_OPEN_EARLY = (
    "Intro call booked.",
    "Inbound request; discovery call pending.",
    "Initial outreach, waiting to hear back.",
    "Met at a trade show, following up.",
)
_OPEN_EARLY_NEXT = ("Discovery call", "Follow up by email", "Book intro meeting", "")
_GENERIC_FIT = (
    "Good fit on requirements after discovery",
    "Evaluating us against their current tools",
    "Pain is clear and urgent",
)
_WON_NOTES = ("Signed a two-year agreement.", "Contract signed, kickoff scheduled.", "Won. PO in.")
_LATE_LOSS: tuple[tuple[str, str], ...] = (
    ("Lost after the pilot: went with another vendor (competitor).", "Lost to Competitor"),
    ("Budget freeze after procurement review.", "No Budget"),
    ("Went dark after the proposal.", "No Response"),
    ("Incumbent renewed at a discount.", "Lost to Competitor"),
    ("Deprioritised: not a priority until next fiscal year.", "Bad Timing"),
)
_PROGRESS_NEXT = (
    "Technical deep dive with their engineers",
    "Send proposal",
    "Security review with IT",
    "Negotiate MSA redlines",
    "Schedule exec alignment call",
    "Pilot kickoff",
)
#: Bumped whenever the generated files change shape (objects, fields): a cached demo org
#: made by another version is generated again.
GENERATOR_VERSION = 4

_OPP_PRODUCTS = ("New Business", "Pilot", "Expansion", "Annual Subscription", "Proof of Concept")
_OPP_TYPES = (
    ("New Customer", 70),
    ("Existing Customer - Upgrade", 12),
    ("Existing Customer - Replacement", 5),
    ("", 13),
)
_PRIMARY_ROLES = (("Decision Maker", 40), ("Economic Buyer", 30), ("Executive Sponsor", 10))
_OTHER_ROLES = ("Technical Buyer", "Influencer", "Evaluator", "Business User", "Other")

#: Junk columns real exports carry that nothing loads: (object, after field, column).
_JUNK: dict[str, tuple[tuple[str, str], ...]] = {
    "User": (("Name", "Username"), ("Email", "Alias"), ("IsActive", "TimeZoneSidKey")),
    "Account": (("Name", "Phone"), ("Type", "BillingStreet"), ("BillingCountry", "BillingCity")),
    "Contact": (
        ("Name", "Phone"),
        ("Email", "Fax"),
        ("Title", "MailingStreet"),
        ("MailingCountry", "MailingCity"),
    ),
    "Lead": (("Company", "Phone"), ("Status", "Rating")),
    "OpportunityStage": (("MasterLabel", "ApiName"), ("ForecastCategoryName", "Description")),
    "Opportunity": (
        ("Probability", "ForecastCategory"),
        ("NextStep", "Loss_Reason__c"),
        ("Type", "HasOpenActivity"),
    ),
    "OpportunityHistory": (("Probability", "ExpectedRevenue"),),
    "OpportunityContactRole": (),
}


def columns_of(object_name: str, *, multi_currency: bool = False) -> list[str]:
    """The header of ``<object_name>.csv``: every contract field, junk columns interleaved
    (the multi-currency fields only for a multi-currency org)."""
    junk = dict(_JUNK.get(object_name, ()))
    obj = OBJECTS[object_name]
    out: list[str] = []
    for name in obj.fields:
        if name in obj.multi_currency_fields and not multi_currency:
            continue
        out.append(name)
        if name in junk:
            out.append(junk[name])
    return out


# -- vectorised helpers -------------------------------------------------------------------------


def _rng(seed: int, stream: str) -> np.random.Generator:
    """An independent generator per stream, so adding draws in one place moves nothing else."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _weighted(rng: np.random.Generator, weights: Sequence[float], n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum())


def _strings(values: Sequence[str]) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def _take(values: Sequence[str] | pa.Array, idx: np.ndarray) -> pa.Array:
    vocab = values if isinstance(values, pa.Array) else _strings(values)
    return pc.take(vocab, pa.array(np.asarray(idx, dtype=np.int64)))


def _cat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise string concatenation (scalars broadcast)."""
    return pc.binary_join_element_wise(*parts, "")


def _where(mask: np.ndarray, yes: pa.Array | str, no: pa.Array | str) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), yes, no)


def _ts(seconds: np.ndarray) -> pa.Array:
    """UTC epoch seconds -> ``YYYY-MM-DD HH:MM:SS``."""
    return pa.array(np.asarray(seconds, dtype="int64").astype("datetime64[s]")).cast(pa.string())


def _day(seconds: np.ndarray) -> pa.Array:
    """UTC epoch seconds -> ``YYYY-MM-DD``."""
    days = np.asarray(seconds, dtype="int64") // DAY
    return pa.array(days.astype("datetime64[D]")).cast(pa.string())


def _flag(mask: np.ndarray) -> pa.Array:
    return _take(("0", "1"), np.asarray(mask, dtype=np.int64))


def _number(values: np.ndarray, *, blank: np.ndarray | None = None) -> pa.Array:
    """Integers as text; ``blank`` rows become empty strings (null)."""
    text = pa.array(np.asarray(values, dtype=np.int64)).cast(pa.string())
    return text if blank is None else _where(blank, "", text)


def _padded(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(_number(values), width=width, padding="0")


def _const(value: str, n: int) -> pa.Array:
    return _take((value,), np.zeros(n, dtype=np.int64))


@dataclass(frozen=True)
class _Groups:
    """Word lists flattened, so one vectorised draw picks a word from a per-row list."""

    flat: list[str]
    offsets: np.ndarray
    sizes: np.ndarray

    @classmethod
    def of(cls, groups: Sequence[Sequence[str]]) -> _Groups:
        sizes = np.array([len(g) for g in groups])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        return cls([w for g in groups for w in g], offsets, sizes)

    def draw(self, rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
        """Flat indices: a uniform pick within each row's group."""
        u = rng.random(len(group))
        return self.offsets[group] + (u * self.sizes[group]).astype(np.int64)

    def take(self, idx: np.ndarray) -> pa.Array:
        return _take(self.flat, idx)


def _slug(text: str) -> str:
    """ASCII letters and digits of a name, lowercased: what goes into an email address."""
    if "|" in text:
        return text.split("|", 1)[1]
    special = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae"}
    text = "".join(special.get(ch, ch) for ch in text)
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _display(text: str) -> str:
    return text.split("|", 1)[0]


# -- Salesforce ids -----------------------------------------------------------------------------

_B62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
_B62_VALUE = np.zeros(256, dtype=np.int64)
_B62_VALUE[_B62] = np.arange(62)
_CHECKSUM = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", np.uint8)
_KEY_PREFIX = {
    "User": "005",
    "Account": "001",
    "Contact": "003",
    "Lead": "00Q",
    "Opportunity": "006",
    "OpportunityHistory": "008",
    "OpportunityContactRole": "00K",
    "OpportunityStage": "01J",
    # Field history rows share one key prefix (see extract.demo.history.ID_BASE).
    "AccountHistory": "017",
    "ContactHistory": "017",
    "OpportunityFieldHistory": "017",
    "CurrencyType": "02c",
    "DatedConversionRate": "04w",
}
_POD = "8d0"  # two instance characters and the reserved one
_FIRST_COUNTER = 7 * 62**5 + 123_456  # ids look like 0018d0000700W7EAAU, not 0018d0000000001


def make_ids(object_name: str, counters: np.ndarray) -> pa.Array:
    """18-character Salesforce ids: key prefix, pod, base62 counter, case-safe checksum."""
    counters = np.asarray(counters, dtype=np.int64)
    buf = np.empty((len(counters), 18), dtype=np.uint8)
    buf[:, :6] = np.frombuffer((_KEY_PREFIX[object_name] + _POD).encode(), np.uint8)
    rest = counters + _FIRST_COUNTER
    for pos in range(14, 5, -1):
        buf[:, pos] = _B62[rest % 62]
        rest //= 62
    # The 3-character suffix makes ids case-insensitively unique, as Salesforce's 18-char ids.
    upper = ((buf[:, :15] >= ord("A")) & (buf[:, :15] <= ord("Z"))).astype(np.int64)
    bits = 1 << np.arange(5)
    for chunk in range(3):
        buf[:, 15 + chunk] = _CHECKSUM[upper[:, chunk * 5 : chunk * 5 + 5] @ bits]
    return pa.array(buf.reshape(-1).view("S18")).cast(pa.string())


def id_counters(ids: pa.Array) -> np.ndarray:
    """The counters :func:`make_ids` encoded in ``ids`` (inverse of it)."""
    raw = np.frombuffer("".join(ids.to_pylist()).encode("ascii"), np.uint8).reshape(-1, 18)
    value = np.zeros(len(raw), dtype=np.int64)
    for pos in range(6, 15):
        value = value * 62 + _B62_VALUE[raw[:, pos]]
    return value - _FIRST_COUNTER


# -- timestamps ---------------------------------------------------------------------------------


def _last_second(anchor: date) -> int:
    """Epoch second just before the anchor day's midnight (UTC): nothing is later."""
    return int(datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC).timestamp()) - 1


def _audit(
    rng: np.random.Generator,
    created: np.ndarray,
    *,
    end: int,
    touched: float = 0.3,
    mass_update: float = 0.12,
    nightly: float = 0.1,
) -> tuple[np.ndarray, np.ndarray]:
    """LastModifiedDate and SystemModstamp for rows created at ``created``.

    A data-loader mass update two days before the anchor and a nightly system job give many
    rows the very same second, as in real orgs (ties matter to incremental cursors).
    """
    n = len(created)
    last = created.copy()
    edit = rng.random(n) < touched
    last[edit] += (rng.random(edit.sum()) * (end - created[edit])).astype(np.int64)
    mass_at = end + 1 - 2 * DAY + 2 * 3600 + 15 * 60  # 02:15:00 two days before the anchor
    mass = (rng.random(n) < mass_update) & (last < mass_at)
    last[mass] = mass_at
    stamp = last.copy()
    night = last - last % DAY + DAY + 3 * 3600  # the next 03:00:00
    job = (rng.random(n) < nightly) & (night <= end)
    stamp[job] = night[job]
    return last, stamp


# -- users --------------------------------------------------------------------------------------


@dataclass
class _Users:
    columns: dict[str, pa.Array]
    active_aes: np.ndarray  # indices of active Account Executives
    all_aes: np.ndarray
    ids: pa.Array


def _users(rng: np.random.Generator, *, contacts: int, end: int) -> _Users:
    n_ae = max(22, contacts // 2500)
    roles = (
        [("Account Executive", "Sales", True)] * (n_ae - n_ae // 3)
        + [("Senior Account Executive", "Sales", True)] * (n_ae // 3)
        + [("Account Executive", "Sales", False)] * max(2, n_ae // 10)
        + [("Sales Development Representative", "Sales", True)] * max(3, n_ae // 6)
        + [("Sales Manager", "Sales", True)] * max(2, n_ae // 8)
        + [("Salesforce Administrator", "IT", True), ("Integration User", "", True)]
    )
    n = len(roles)
    firsts = [_display(w) for w in _CULTURES[0][1].split()]
    lasts = [_display(w) for w in _CULTURES[0][2].split()]
    combos = rng.choice(len(firsts) * len(lasts), size=n, replace=False)
    first = [firsts[c // len(lasts)] for c in combos]
    last = [lasts[c % len(lasts)] for c in combos]
    first[-1], last[-1] = "Integration", "User"
    email = [f"{_slug(f)}.{_slug(x)}@orbitcall.example" for f, x in zip(first, last, strict=True)]
    created = end - rng.integers(400 * DAY, 1500 * DAY, n)
    modified, stamp = _audit(rng, created, end=end)
    ids = make_ids("User", np.arange(n))
    columns = {
        "Id": ids,
        "Name": _strings([f"{f} {x}" for f, x in zip(first, last, strict=True)]),
        "Username": _strings([e + ".demo" for e in email]),
        "FirstName": _strings(first),
        "LastName": _strings(last),
        "Email": _strings(email),
        "Alias": _strings([(f[:1] + x[:4]).lower() for f, x in zip(first, last, strict=True)]),
        "Title": _strings([r[0] for r in roles]),
        "Department": _strings([r[1] for r in roles]),
        "IsActive": _flag(np.array([r[2] for r in roles])),
        "TimeZoneSidKey": _take(
            ("America/Los_Angeles", "America/New_York", "Europe/London"), rng.integers(0, 3, n)
        ),
        "CreatedDate": _ts(created),
        "LastModifiedDate": _ts(modified),
        "SystemModstamp": _ts(stamp),
    }
    is_ae = np.array(["Account Executive" in r[0] for r in roles])
    active = np.array([r[2] for r in roles])
    return _Users(columns, np.flatnonzero(is_ae & active), np.flatnonzero(is_ae), ids)


# -- accounts -----------------------------------------------------------------------------------


@dataclass
class _Accounts:
    """Account traits (one row per account); text columns are built from them."""

    industry: np.ndarray  # true industry (index into _INDUSTRIES)
    industry_blank: np.ndarray
    employees: np.ndarray
    employees_blank: np.ndarray
    revenue: np.ndarray
    revenue_blank: np.ndarray
    use_cases: np.ndarray  # (n, 6) bool
    agency: np.ndarray
    country: np.ndarray
    name: pa.Array
    domain: pa.Array
    description: pa.Array
    website: pa.Array
    fit: np.ndarray  # account part of the hidden fit

    def take(self, idx: np.ndarray) -> _Accounts:
        """The accounts at ``idx``, in that order."""
        picked = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            picked[f.name] = value[idx] if isinstance(value, np.ndarray) else _take(value, idx)
        return _Accounts(**picked)

    def __len__(self) -> int:
        return len(self.industry)


def _account_traits(rng: np.random.Generator, n: int) -> _Accounts:
    industry = _weighted(rng, [row[1] for row in _INDUSTRIES], n)
    # Company size is heavily skewed: most accounts are small, a few are huge.
    employees = np.clip(np.round(10 ** rng.normal(1.8, 0.95, n)), 1, 200_000).astype(np.int64)
    revenue = employees * 150_000.0 * rng.lognormal(0.0, 0.5, n)
    revenue = np.round(revenue, -3)
    use_cases = rng.random((n, len(_USE_CASES))) < _use_case_probabilities(industry)
    agency = rng.random(n) < np.where(
        np.isin(industry, [_INDUSTRY_NAMES.index(x) for x in ("Consulting", "Media")]), 0.2, 0.03
    )
    country = _weighted(rng, [row[1] for row in _COUNTRIES], n)
    name, domain = _account_names(rng, industry, country)
    description = _account_descriptions(rng, name, industry, employees, use_cases, agency)
    fit = (
        np.array([row[2] for row in _INDUSTRIES])[industry]
        + use_cases @ _UC_EFFECT
        + 0.2 * (np.log10(employees) - 2.0)
        - 0.6 * (employees < 10)
        - 0.7 * agency
    )
    return _Accounts(
        industry=industry,
        industry_blank=rng.random(n) < 0.07,
        employees=employees,
        employees_blank=rng.random(n) < 0.08,
        revenue=revenue,
        revenue_blank=rng.random(n) < 0.2,
        use_cases=use_cases,
        agency=agency,
        country=country,
        name=name,
        domain=domain,
        description=description,
        website=_websites(rng, domain),
        fit=fit,
    )


def _use_case_probabilities(industry: np.ndarray) -> np.ndarray:
    table = np.tile(_UC_BASE, (len(_INDUSTRIES), 1))
    for name, boosts in _UC_BY_INDUSTRY.items():
        for uc, p in boosts.items():
            table[_INDUSTRY_NAMES.index(name), uc] = p
    for name in _QUIET_INDUSTRIES:
        table[_INDUSTRY_NAMES.index(name)] *= 0.5
    return table[industry]


def _account_names(
    rng: np.random.Generator, industry: np.ndarray, country: np.ndarray
) -> tuple[pa.Array, pa.Array]:
    n = len(industry)
    stem_a = rng.integers(0, len(_STEM_A), n)
    stem_b = rng.integers(0, len(_STEM_B), n)
    words = _Groups.of([row[4] for row in _INDUSTRIES])
    word = words.draw(rng, industry)
    legal = _weighted(rng, [w for _, w in _LEGAL] + [63], n)  # last = no legal suffix
    stem = _cat(_take(_STEM_A, stem_a), _take(_STEM_B, stem_b))
    name = _cat(stem, " ", words.take(word), _take([s for s, _ in _LEGAL] + [""], legal))
    word_slug = _take([_slug(w) for w in words.flat], word)
    stem_slug = pc.utf8_lower(stem)
    style = rng.random(n)
    host = _where(style < 0.55, stem_slug, _cat(stem_slug, _where(style < 0.9, "", "-"), word_slug))
    tld = _take([row[2] for row in _COUNTRIES], country)
    generic = _take([t for t, _ in _GENERIC_TLDS], _weighted(rng, [w for _, w in _GENERIC_TLDS], n))
    tld = _where(rng.random(n) < 0.5, tld, generic)
    for name_, special, share in (("Education", "edu", 0.6), ("Not For Profit", "org", 0.6)):
        tld = _where(
            (industry == _INDUSTRY_NAMES.index(name_)) & (rng.random(n) < share), special, tld
        )
    tld = _where(
        (industry == _INDUSTRY_NAMES.index("Government")) & (rng.random(n) < 0.4), "gov", tld
    )
    domain = _cat(host, ".", tld)
    # A handful of accounts with the names real exports trip over.
    odd = rng.random(n) < 0.01
    odd_idx = rng.integers(0, len(_ODD_ACCOUNTS), n)
    name = _where(odd, _take([a for a, _ in _ODD_ACCOUNTS], odd_idx), name)
    domain = _where(odd, _take([d for _, d in _ODD_ACCOUNTS], odd_idx), domain)
    return name, domain


def _websites(rng: np.random.Generator, domain: pa.Array) -> pa.Array:
    n = len(domain)
    forms = (("https://www.", ""), ("http://www.", ""), ("www.", ""), ("", ""))
    form = rng.integers(0, len(forms), n)
    prefix = _take([f for f, _ in forms], form)
    path = _take(("", "", "", "/", "/en-us", "/home.html"), rng.integers(0, 6, n))
    website = _cat(prefix, domain, path)
    return _where(rng.random(n) < 0.1, "", website)


def _account_descriptions(
    rng: np.random.Generator,
    name: pa.Array,
    industry: np.ndarray,
    employees: np.ndarray,
    use_cases: np.ndarray,
    agency: np.ndarray,
) -> pa.Array:
    n = len(industry)
    phrase = _take([row[3] for row in _INDUSTRIES], industry)
    article = _take(["an " if row[3][0] in "aeio" else "a " for row in _INDUSTRIES], industry)
    parts: list[pa.Array | str] = [name, " is ", article, phrase, ". "]
    bands = np.searchsorted([lo for lo, _ in _SIZE_SENTENCES], employees, side="right") - 1
    sizes = _Groups.of([[s + " " if s else "" for s in row[1]] for row in _SIZE_SENTENCES])
    parts.append(sizes.take(sizes.draw(rng, bands)))
    agency_text = _take([s + " " for s in _AGENCY_SENTENCES], rng.integers(0, 3, n))
    parts.append(_where(agency, agency_text, ""))
    for uc, row in enumerate(_USE_CASES):
        sentence = _take([s + " " for s in row[2]], rng.integers(0, len(row[2]), n))
        parts.append(_where(use_cases[:, uc], sentence, ""))
    text = pc.utf8_rtrim_whitespace(_cat(*parts))
    # Real descriptions: some multi-line, some blank, a few pasted walls of text (>10k chars).
    text = _where(rng.random(n) < 0.1, pc.replace_substring(text, ". ", ".\n"), text)
    text = _where(rng.random(n) < 0.2, "", text)
    long_rows = np.flatnonzero(rng.random(n) < 0.0005)
    if n >= 50:
        long_rows = np.union1d(long_rows, [n // 3, (2 * n) // 3])
    if len(long_rows):
        wall = "\n\n".join([_LONG_PARAGRAPH] * 26)
        long_text = _cat(_take(text, long_rows), "\n\n", wall)
        mask = np.zeros(n, dtype=bool)
        mask[long_rows] = True
        # Rows that stay short point at a trailing empty string, not at a 10k-char wall.
        scatter = np.full(n, len(long_rows), dtype=np.int64)
        scatter[long_rows] = np.arange(len(long_rows))
        walls = pa.concat_arrays([long_text, _strings([""])])
        text = _where(mask, _take(walls, scatter), text)
    return text


def _account_columns(
    rng: np.random.Generator,
    acc: _Accounts,
    *,
    ids: pa.Array,
    owners: pa.Array,
    created: np.ndarray,
    modified: np.ndarray,
    stamp: np.ndarray,
    account_type: pa.Array,
    deleted: np.ndarray,
) -> dict[str, pa.Array]:
    n = len(acc)
    cities = _Groups.of([row[3] for row in _COUNTRIES])
    street = _cat(
        _number(rng.integers(1, 9999, n)),
        " ",
        _take(_STREETS, rng.integers(0, len(_STREETS), n)),
        _where(rng.random(n) < 0.15, _cat("\nSuite ", _number(rng.integers(100, 999, n))), ""),
    )
    return {
        "Id": ids,
        "Name": acc.name,
        "Phone": _phones(rng, n),
        "Website": acc.website,
        "Industry": _where(acc.industry_blank, "", _take(_INDUSTRY_NAMES, acc.industry)),
        "Type": account_type,
        "BillingStreet": _where(rng.random(n) < 0.25, "", street),
        "NumberOfEmployees": _number(acc.employees, blank=acc.employees_blank),
        "AnnualRevenue": _number(acc.revenue, blank=acc.revenue_blank),
        "Description": acc.description,
        "BillingCountry": _take([row[0] for row in _COUNTRIES], acc.country),
        "BillingCity": cities.take(cities.draw(rng, acc.country)),
        "OwnerId": owners,
        "IsDeleted": _flag(deleted),
        "CreatedDate": _ts(created),
        "LastModifiedDate": _ts(modified),
        "SystemModstamp": _ts(stamp),
    }


def _phones(rng: np.random.Generator, n: int) -> pa.Array:
    area = _number(rng.integers(201, 989, n))
    line = _padded(rng.integers(0, 10_000, n), 4)
    us = _cat("(", area, ") 555-", line)
    intl = _cat("+44 20 7946 ", line)
    phone = _where(rng.random(n) < 0.8, us, intl)
    return _where(rng.random(n) < 0.15, "", phone)


# -- people (contacts and leads) ----------------------------------------------------------------


@dataclass
class _People:
    first: pa.Array
    last: pa.Array
    name: pa.Array
    email: pa.Array
    title: pa.Array
    seniority: np.ndarray
    student: np.ndarray
    free_mail: np.ndarray
    lead_source: pa.Array
    source_effect: np.ndarray

    @property
    def fit(self) -> np.ndarray:
        """The person's part of the hidden fit."""
        return (
            0.35 * self.seniority - 2.0 * self.student - 1.0 * self.free_mail + self.source_effect
        )


def _people(rng: np.random.Generator, n: int, *, domains: pa.Array, profile: np.ndarray) -> _People:
    """Names, titles and emails; ``domains`` is "" where the person has no company domain."""
    culture = _weighted(rng, [c[0] for c in _CULTURES], n)
    firsts = _Groups.of([c[1].split() for c in _CULTURES])
    lasts = _Groups.of([c[2].split() for c in _CULTURES])
    fi, li = firsts.draw(rng, culture), lasts.draw(rng, culture)
    first = _take([_display(w) for w in firsts.flat], fi)
    first = _where(rng.random(n) < 0.02, "", first)  # LastName is the only required name
    last = _take([_display(w) for w in lasts.flat], li)
    name = _where(pc.equal(first, ""), last, _cat(first, " ", last))
    f_slug = _where(pc.equal(first, ""), "", _take([_slug(w) for w in firsts.flat], fi))
    l_slug = _take([_slug(w) for w in lasts.flat], li)
    group, title = _titles(rng, profile)
    seniority = np.array([g[1] for g in _TITLE_GROUPS])[group]
    email, free_mail = _emails(rng, f_slug, l_slug, domains)
    source = _weighted(rng, [s[1] for s in _LEAD_SOURCES], n)
    return _People(
        first=first,
        last=last,
        name=name,
        email=email,
        title=title,
        seniority=seniority,
        student=group == _STUDENT_GROUP,
        free_mail=free_mail,
        lead_source=_take([s[0] for s in _LEAD_SOURCES], source),
        source_effect=np.array([s[2] for s in _LEAD_SOURCES])[source],
    )


def _titles(rng: np.random.Generator, profile: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    cdf = np.cumsum(_TITLE_PROFILES, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(len(profile))
    group = np.empty(len(profile), dtype=np.int64)
    for p in range(len(cdf)):
        rows = profile == p
        group[rows] = np.minimum(np.searchsorted(cdf[p], u[rows], side="right"), len(cdf[p]) - 1)
    titles = _Groups.of([g[2] for g in _TITLE_GROUPS])
    return group, titles.take(titles.draw(rng, group))


def _emails(
    rng: np.random.Generator, f_slug: pa.Array, l_slug: pa.Array, domains: pa.Array
) -> tuple[pa.Array, np.ndarray]:
    n = len(f_slug)
    dotted = _cat(_where(pc.equal(f_slug, ""), "", _cat(f_slug, ".")), l_slug)
    initial = pc.utf8_slice_codeunits(f_slug, 0, 1)
    local = pc.choose(
        pa.array(_weighted(rng, (55, 25, 10, 10), n).astype(np.int8)),
        dotted,
        _cat(initial, l_slug),
        _where(pc.equal(f_slug, ""), l_slug, f_slug),
        _cat(f_slug, "_", l_slug),
    )
    has_domain = np.asarray(pc.not_equal(domains, ""))
    # kind: 0 company, 1 free-mail, 2 none, 3 invalid
    kind = np.where(
        has_domain, _weighted(rng, (78, 12, 7, 3), n), _weighted(rng, (0, 60, 30, 10), n)
    )
    digits = _where(rng.random(n) < 0.4, _number(rng.integers(1, 99, n)), "")
    free = _cat(dotted, digits, "@", _take(_FREE_MAIL, rng.integers(0, len(_FREE_MAIL), n)))
    invalid = _where(
        rng.random(n) < 0.4,
        _cat(dotted, "@"),
        _take(_INVALID_EMAILS, rng.integers(0, len(_INVALID_EMAILS), n)),
    )
    email = pc.choose(
        pa.array(kind.astype(np.int8)), _cat(local, "@", domains), free, _const("", n), invalid
    )
    return email, kind == 1


def _title_profile(acc: _Accounts | None, acc_idx: np.ndarray) -> np.ndarray:
    """0 small company, 1 large company, 2 education, 3 no account."""
    if acc is None or len(acc) == 0:
        return np.full(len(acc_idx), 3)
    safe = np.maximum(acc_idx, 0)
    profile = np.where(acc.employees[safe] < 50, 0, 1)
    profile = np.where(acc.industry[safe] == _EDUCATION, 2, profile)
    return np.where(acc_idx < 0, 3, profile)


# -- contacts -----------------------------------------------------------------------------------


@dataclass
class _Contacts:
    columns: dict[str, pa.Array]
    people: _People
    account: np.ndarray  # account index or -1
    created: np.ndarray
    fit: np.ndarray
    ids: pa.Array


def _contact_columns(
    rng: np.random.Generator,
    people: _People,
    *,
    ids: pa.Array,
    account_ids: pa.Array,
    countries: pa.Array,
    owners: pa.Array,
    created: np.ndarray,
    modified: np.ndarray,
    stamp: np.ndarray,
    deleted: np.ndarray,
) -> dict[str, pa.Array]:
    n = len(created)
    street = _cat(
        _number(rng.integers(1, 9999, n)),
        " ",
        _take(_STREETS, rng.integers(0, len(_STREETS), n)),
        _where(rng.random(n) < 0.2, _cat("\nFloor ", _number(rng.integers(2, 40, n))), ""),
    )
    return {
        "Id": ids,
        "AccountId": account_ids,
        "FirstName": people.first,
        "LastName": people.last,
        "Name": people.name,
        "Phone": _phones(rng, n),
        "Email": people.email,
        "Fax": _where(rng.random(n) < 0.03, _phones(rng, n), ""),
        "Title": people.title,
        "MailingStreet": _where(rng.random(n) < 0.35, "", street),
        "LeadSource": people.lead_source,
        "MailingCountry": countries,
        "MailingCity": _const("", n),
        "OwnerId": owners,
        "IsDeleted": _flag(deleted),
        "CreatedDate": _ts(created),
        "LastModifiedDate": _ts(modified),
        "SystemModstamp": _ts(stamp),
    }


def _account_links(rng: np.random.Generator, acc_idx: np.ndarray, acc_ids: pa.Array) -> pa.Array:
    """AccountId per contact: the account's id, or (no account) empty or the placeholder."""
    none = acc_idx < 0
    linked = _take(acc_ids, np.maximum(acc_idx, 0))
    missing = _where(rng.random(len(acc_idx)) < 0.3, NO_ACCOUNT, "")
    return _where(none, missing, linked)


def _deleted_stamp(
    rng: np.random.Generator, deleted: np.ndarray, modified: np.ndarray, stamp: np.ndarray, end: int
) -> np.ndarray:
    """Deletion moves SystemModstamp (not LastModifiedDate) to when the row was deleted."""
    out = stamp.copy()
    k = deleted.sum()
    out[deleted] = modified[deleted] + (rng.random(k) * (end - modified[deleted])).astype(np.int64)
    return np.maximum(out, stamp)


# -- opportunities ------------------------------------------------------------------------------


@dataclass
class _Opportunities:
    columns: dict[str, pa.Array]
    ids: pa.Array
    account: np.ndarray
    source: np.ndarray  # the contact the AE opened it for
    created: np.ndarray
    owner: pa.Array
    via_lead: np.ndarray  # opened by converting the source contact's lead
    won_at: np.ndarray  # when it was won, or -1
    paths: tuple[np.ndarray, np.ndarray, np.ndarray]  # stages, times, valid (n, 9)
    amount: pa.Array
    close: pa.Array
    deleted: np.ndarray


def _pick_sources(
    rng: np.random.Generator, trigger: np.ndarray, acc_idx: np.ndarray, *, cap: int = 3
) -> np.ndarray:
    """Contacts that get an opportunity: the triggered ones, at most ``cap`` per account."""
    cand = np.flatnonzero(trigger)
    order = np.lexsort((rng.random(len(cand)), acc_idx[cand]))
    cand = cand[order]
    acc = acc_idx[cand]
    if len(cand) == 0:
        return cand
    starts = np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]])
    rank = np.arange(len(cand)) - np.repeat(starts, np.diff(np.r_[starts, len(cand)]))
    return np.sort(cand[rank < cap])


def _stage_paths(
    rng: np.random.Generator, created: np.ndarray, progress: np.ndarray, *, end: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage changes per opportunity: (stages, times, valid), each (n, 9).

    Column 0 is the stage it was created in, columns 1-7 the open stages above Prospecting
    it passed through (in ladder order, some skipped), column 8 the closing stage. Changes
    after the anchor are cut off, so the current stage is the last valid column.
    """
    n = len(created)
    top = rng.choice(7, size=n, p=[0.25, 0.2, 0.14, 0.1, 0.08, 0.13, 0.10]) + 1
    cols = np.arange(1, 8)
    passed = (rng.random((n, 7)) < 0.55) & (cols < top[:, None]) | (cols == top[:, None])
    straight_win = progress & (rng.random(n) < 0.04)  # Prospecting -> Closed Won
    passed[~progress | straight_win] = False
    late_start = progress & ~straight_win & (rng.random(n) < 0.03)  # created in Qualification
    passed[late_start, 0] = False
    u = rng.random(n)
    closing = np.where(
        progress,
        np.where(u < 0.3, _WON, np.where(u < 0.65, _LOST, -1)),
        np.where(u < 0.65, _LOST, -1),
    )
    closing[straight_win] = _WON
    stages = np.full((n, 9), -1, dtype=np.int64)
    stages[:, 0] = np.where(late_start, 1, 0)
    stages[:, 1:8] = np.where(passed, cols, -1)
    stages[:, 8] = closing
    valid = stages >= 0
    gaps = rng.exponential(6 * DAY, (n, 9)) + 1800
    gaps[:, 8] = rng.exponential(np.where(progress, 20, 6) * DAY) + 1800
    gaps[:, 0] = 0
    times = created[:, None] + np.cumsum(np.where(valid, gaps, 0), axis=1).astype(np.int64)
    valid &= times <= end
    return stages, times, valid


def _current(stages: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Current stage code and the column it sits in."""
    last = valid.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    return stages[np.arange(len(stages)), last], last


def _opportunities(
    rng: np.random.Generator,
    *,
    contacts: _Contacts,
    acc: _Accounts,
    acc_ids: pa.Array,
    acc_owner: np.ndarray,
    acc_created: np.ndarray,
    users: _Users,
    end: int,
) -> _Opportunities:
    has_acc = contacts.account >= 0
    # Whether an AE opens an opportunity for a contact, and whether it then moves past
    # Prospecting, both follow the contact's hidden fit; the intercepts put ~1/3 of mature
    # contacts at "progressed". AEs open deals per account rather than per person: the more
    # contacts an account has, the less likely each gets its own opportunity (else big
    # accounts would win on contact count alone, and size would dominate the label).
    per_account = np.bincount(contacts.account[has_acc], minlength=len(acc))
    crowd = np.log(per_account[np.maximum(contacts.account, 0)].clip(1))
    chance = _sigmoid(-0.9 + 0.9 * contacts.fit - 1.0 * crowd)
    trigger = has_acc & (rng.random(len(has_acc)) < chance)
    source = _pick_sources(rng, trigger, contacts.account)
    n = len(source)
    account = contacts.account[source]
    via_lead = rng.random(n) < 0.25
    lag = np.minimum(rng.exponential(7 * DAY, n), 85 * DAY) + 3600
    lag = np.where(rng.random(n) < 0.05, -rng.uniform(DAY, 60 * DAY, n), lag)
    lag = np.where(via_lead, rng.integers(30, 3600, n), lag)
    created = np.maximum(contacts.created[source] + lag.astype(np.int64), acc_created[account] + 60)
    progress = rng.random(n) < _sigmoid(-0.5 + 1.4 * contacts.fit[source])
    keep = created <= end
    order = np.argsort(created[keep], kind="stable")
    source, account, created = source[keep][order], account[keep][order], created[keep][order]
    via_lead, progress = via_lead[keep][order], progress[keep][order]
    n = len(source)

    stages, times, valid = _stage_paths(rng, created, progress, end=end)
    current, last_col = _current(stages, valid)
    last_change = times[np.arange(n), last_col]
    ids = make_ids("Opportunity", np.arange(n))
    owner_idx = np.where(
        rng.random(n) < 0.8,
        acc_owner[account],
        users.active_aes[rng.integers(0, len(users.active_aes), n)],
    )
    owner = _take(users.ids, owner_idx)
    employees = acc.employees[account]
    amount_value = np.clip(
        np.round(1500 * employees**0.45 * rng.lognormal(0, 0.6, n), -2), 500, 5_000_000
    )
    amount = _number(amount_value, blank=rng.random(n) < 0.04)
    closed = np.isin(current, [_WON, _LOST])
    close_at = np.where(closed, last_change, created + rng.integers(20, 150, n) * DAY)
    early_close = rng.random(n) < 0.015  # real exports: closed "before" it was created
    close_at = np.where(early_close, created - rng.integers(1, 40, n) * DAY, close_at)
    close = _day(close_at)
    modified, stamp = _audit(rng, last_change, end=end, touched=0.15, mass_update=0.05)
    deleted = rng.random(n) < 0.005
    stamp = _deleted_stamp(rng, deleted, modified, stamp, end)
    stage_names = [s[0] for s in STAGES]
    notes = _opportunity_notes(
        rng,
        stages=stages,
        valid=valid,
        current=current,
        contacts=contacts,
        source=source,
        acc=acc,
        account=account,
    )
    won_at = np.where(current == _WON, last_change, -1)
    columns = {
        "Id": ids,
        "AccountId": _take(acc_ids, account),
        "Name": _cat(
            _take(acc.name, account),
            " - ",
            _take(_OPP_PRODUCTS, rng.integers(0, len(_OPP_PRODUCTS), n)),
        ),
        "StageName": _take(stage_names, current),
        "StageSortOrder": _take([str(s[1]) for s in STAGES], current),
        "Amount": amount,
        "Probability": _take([str(s[2]) for s in STAGES], current),
        "ForecastCategory": _take([s[5] for s in STAGES], current),
        "CloseDate": close,
        "IsClosed": _take(["1" if s[3] else "0" for s in STAGES], current),
        "IsWon": _take(["1" if s[4] else "0" for s in STAGES], current),
        "Type": _take([t for t, _ in _OPP_TYPES], _weighted(rng, [w for _, w in _OPP_TYPES], n)),
        "HasOpenActivity": _flag(~closed & (rng.random(n) < 0.4)),
        "LeadSource": _take(contacts.people.lead_source, source),
        "Description": notes[0],
        "NextStep": notes[1],
        "Loss_Reason__c": notes[2],
        # Newer orgs fill ContactId when a deal is opened from a contact: about half here.
        "ContactId": _where(rng.random(n) < 0.5, _take(contacts.ids, source), ""),
        "LastStageChangeDate": _ts(last_change),
        "OwnerId": owner,
        "IsDeleted": _flag(deleted),
        "CreatedDate": _ts(created),
        "LastModifiedDate": _ts(modified),
        "SystemModstamp": _ts(stamp),
    }
    return _Opportunities(
        columns=columns,
        ids=ids,
        account=account,
        source=source,
        created=created,
        owner=owner,
        via_lead=via_lead,
        won_at=won_at,
        paths=(stages, times, valid),
        amount=amount,
        close=close,
        deleted=deleted,
    )


def _opportunity_notes(
    rng: np.random.Generator,
    *,
    stages: np.ndarray,
    valid: np.ndarray,
    current: np.ndarray,
    contacts: _Contacts,
    source: np.ndarray,
    acc: _Accounts,
    account: np.ndarray,
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(Description, NextStep, Loss_Reason__c): the AE's reasoning, in the taxonomy's words."""
    n = len(current)
    progressed = (valid & (stages >= 1) & (stages != _LOST)).any(axis=1)
    # 0 open in Prospecting, 1 lost from Prospecting, 2 open beyond it, 3 won, 4 lost later
    outcome = np.where(
        progressed,
        np.where(current == _WON, 3, np.where(current == _LOST, 4, 2)),
        np.where(current == _LOST, 1, 0),
    )
    people = contacts.people
    student, free = people.student[source], people.free_mail[source]
    tiny, agency = acc.employees[account] < 10, acc.agency[account]
    # Early losses cite the real disqualifier most of the time, a generic reason otherwise.
    reason = rng.integers(4, len(_EARLY_LOSS), n)
    honest = rng.random(n) < 0.8
    for code, flag in ((3, agency), (2, tiny), (1, free), (0, student)):
        reason = np.where(honest & flag, code, reason)
    early_desc = _take([d for d, _ in _EARLY_LOSS], reason)
    early_loss = _take([r for _, r in _EARLY_LOSS], reason)

    positive = _positive_notes(rng, contacts=contacts, source=source, acc=acc, account=account)
    late = rng.integers(0, len(_LATE_LOSS), n)
    won = _take(_WON_NOTES, rng.integers(0, len(_WON_NOTES), n))
    description = pc.choose(
        pa.array(outcome.astype(np.int8)),
        _take(_OPEN_EARLY, rng.integers(0, len(_OPEN_EARLY), n)),
        early_desc,
        positive,
        _cat(positive, " ", won),
        _cat(positive, " ", _take([d for d, _ in _LATE_LOSS], late)),
    )
    next_step = pc.choose(
        pa.array(outcome.astype(np.int8)),
        _take(_OPEN_EARLY_NEXT, rng.integers(0, len(_OPEN_EARLY_NEXT), n)),
        _const("", n),
        _take(_PROGRESS_NEXT, rng.integers(0, len(_PROGRESS_NEXT), n)),
        _const("", n),
        _const("", n),
    )
    loss = _where(outcome == 1, early_loss, _where(outcome == 4, _take(_LATE_LOSS_CODES, late), ""))
    loss = _where(rng.random(n) < 0.3, "", loss)  # the picklist is often skipped
    silent = rng.random(n) < 0.08  # AEs who write nothing at all
    description = _html_mess(rng, _where(silent, "", description))
    return description, _where(silent, "", next_step), _where(silent, "", loss)


_LATE_LOSS_CODES = tuple(code for _, code in _LATE_LOSS)


def _positive_notes(
    rng: np.random.Generator,
    *,
    contacts: _Contacts,
    source: np.ndarray,
    acc: _Accounts,
    account: np.ndarray,
) -> pa.Array:
    n = len(source)
    flags = acc.use_cases[account]
    # The first use case the account has (in a random order), else a generic fit phrase.
    rank = np.where(flags, rng.random(flags.shape), 2.0)
    uc = np.argmin(rank, axis=1)
    has_uc = flags.any(axis=1)
    uc_notes = _Groups.of([row[3] for row in _USE_CASES])
    lead = _where(
        has_uc,
        uc_notes.take(uc_notes.draw(rng, uc)),
        _take(_GENERIC_FIT, rng.integers(0, len(_GENERIC_FIT), n)),
    )
    budget = _where(rng.random(n) < 0.4, "; budget confirmed", "")
    senior = contacts.people.seniority[source] >= 2
    sponsor = _where(
        senior & (rng.random(n) < 0.7),
        _cat("; executive sponsor is the ", _take(contacts.people.title, source)),
        _where(rng.random(n) < 0.15, "; decision maker engaged", ""),
    )
    regions = _where(
        (acc.employees[account] >= 5000) & (rng.random(n) < 0.5), "; multi-region rollout", ""
    )
    return _cat(lead, budget, sponsor, regions, ".")


def _html_mess(rng: np.random.Generator, text: pa.Array) -> pa.Array:
    """Notes pasted from email: some HTML, entities, and a script tag or two."""
    n = len(text)
    written = np.asarray(pc.not_equal(text, ""))
    text = _where(written & (rng.random(n) < 0.06), pc.replace_substring(text, "; ", "<br>"), text)
    text = _where(written & (rng.random(n) < 0.1), _cat("<p>", text, "</p>"), text)
    call_notes = _cat(text, "\n<p>Call notes: IT &amp; procurement joined.</p>")
    text = _where(written & (rng.random(n) < 0.04), call_notes, text)
    # At least one note carries a script tag, so every org tests the report's escaping.
    scripted = rng.random(n) < 0.0005
    if n:
        scripted[rng.integers(0, n, max(1, n // 3000))] = True
    return _where(scripted, _cat(text, "<script>alert(1)</script>"), text)


def _history(
    rng: np.random.Generator, opps: _Opportunities, *, end: int
) -> tuple[dict[str, pa.Array], np.ndarray, np.ndarray]:
    """OpportunityHistory rows: one per stage change; some opportunities have none.

    Returns the columns, which opportunities have history rows naming ladder stages only,
    and each opportunity's newest history row time (-1: none).
    """
    stages, times, valid = opps.paths
    n = len(stages)
    last = valid.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    recent = (last >= 1) & (times[np.arange(n), last] > end - 10 * DAY)
    # ~5% of opportunities have no history, more of those whose stage changed in the last
    # ten days: a backtest a week back then meets deals whose stage moved after its AS_OF.
    missing = rng.random(n) < np.where(recent, 0.12, 0.05)
    valid = valid & ~missing[:, None]
    on_ladder = ~missing
    rows_opp, rows_col = np.nonzero(valid)
    row_stage = [s[0] for s in STAGES]
    stage_name = _take(row_stage, stages[rows_opp, rows_col])
    probability = _take([str(s[2]) for s in STAGES], stages[rows_opp, rows_col])
    row_time = times[rows_opp, rows_col]
    # Renamed or removed stages: a few histories carry a name that is not on the ladder.
    count = valid.sum(axis=1)
    k = max(2, n // 4000)
    extra_opp, extra_time = [], []
    middle = rng.permutation(np.flatnonzero(count >= 2))[:k]
    if len(middle):
        second = np.argmax(valid[middle, 1:], axis=1) + 1
        extra_opp.append(middle)
        extra_time.append((times[middle, 0] + times[middle, second]) // 2)
    tail = np.flatnonzero((count == 1) & (stages[:, 0] == 0) & (times[:, 0] + DAY <= end))
    tail = rng.permutation(tail)[:k]
    if len(tail):
        extra_opp.append(tail)
        extra_time.append(times[tail, 0] + DAY)
    if extra_opp:
        e_opp, e_time = np.concatenate(extra_opp), np.concatenate(extra_time)
        on_ladder[e_opp] = False
        e_names = _take(UNKNOWN_STAGES, np.arange(len(e_opp)) % 2)
        rows_opp = np.concatenate([rows_opp, e_opp])
        row_time = np.concatenate([row_time, e_time])
        stage_name = pa.concat_arrays([stage_name, e_names])
        probability = pa.concat_arrays([probability, _const("", len(e_opp))])
    order = np.lexsort((rows_opp, row_time))
    rows_opp, row_time = rows_opp[order], row_time[order]
    m = len(rows_opp)
    amount = _take(opps.amount, rows_opp)
    columns = {
        "Id": make_ids("OpportunityHistory", np.arange(m)),
        "OpportunityId": _take(opps.ids, rows_opp),
        "StageName": _take(stage_name, order),
        "Amount": amount,
        "Probability": _take(probability, order),
        "ExpectedRevenue": _const("", m),
        "CloseDate": _take(opps.close, rows_opp),
        "CreatedById": _take(opps.owner, rows_opp),
        "CreatedDate": _ts(row_time),
        "SystemModstamp": _ts(row_time),
        "IsDeleted": _flag(opps.deleted[rows_opp]),
    }
    last_at = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_at, rows_opp, row_time)
    return columns, on_ladder, last_at


def _contact_roles(
    rng: np.random.Generator,
    opps: _Opportunities,
    contacts: _Contacts,
    *,
    end: int,
) -> dict[str, pa.Array]:
    """Contact roles on ~40% of opportunities; the rest rely on the account fallback."""
    n = len(opps.ids)
    with_roles = np.flatnonzero(rng.random(n) < 0.4)
    primary = opps.source[with_roles]
    # Extra people from the same account: index contacts by account to draw from it.
    by_acc = np.argsort(contacts.account, kind="stable")
    acc_sorted = contacts.account[by_acc]
    extras = rng.poisson(0.8, len(with_roles))
    e_opp = np.repeat(with_roles, extras)
    e_acc = opps.account[e_opp]
    lo = np.searchsorted(acc_sorted, e_acc, side="left")
    hi = np.searchsorted(acc_sorted, e_acc, side="right")
    e_contact = by_acc[lo + (rng.random(len(e_opp)) * (hi - lo)).astype(np.int64)]
    opp_idx = np.concatenate([with_roles, e_opp])
    contact_idx = np.concatenate([primary, e_contact])
    is_primary = np.r_[np.ones(len(with_roles), bool), np.zeros(len(e_opp), bool)]
    # One role per (opportunity, contact): drop extras that drew the primary again.
    _, first = np.unique(opp_idx * (len(contacts.created) + 1) + contact_idx, return_index=True)
    first = np.sort(first)
    opp_idx, contact_idx, is_primary = opp_idx[first], contact_idx[first], is_primary[first]
    # The primary role comes first; the others join later (and never without it).
    primary_at = np.full(n, np.iinfo(np.int64).max)
    primary_at[with_roles] = np.maximum(opps.created[with_roles], contacts.created[primary])
    primary_at[with_roles] += rng.integers(60, 2 * DAY, len(with_roles))
    created = np.maximum(primary_at[opp_idx], contacts.created[contact_idx])
    created = np.where(is_primary, created, created + rng.integers(60, 5 * DAY, len(created)))
    keep = created <= end
    opp_idx, contact_idx, is_primary, created = (
        opp_idx[keep],
        contact_idx[keep],
        is_primary[keep],
        created[keep],
    )
    order = np.argsort(created, kind="stable")
    opp_idx, contact_idx, is_primary, created = (
        opp_idx[order],
        contact_idx[order],
        is_primary[order],
        created[order],
    )
    m = len(created)
    role = np.where(
        is_primary,
        _weighted(rng, [w for _, w in _PRIMARY_ROLES], m),
        len(_PRIMARY_ROLES) + rng.integers(0, len(_OTHER_ROLES), m),
    )
    modified, stamp = _audit(rng, created, end=end, touched=0.05, mass_update=0.0)
    return {
        "Id": make_ids("OpportunityContactRole", np.arange(m)),
        "OpportunityId": _take(opps.ids, opp_idx),
        "ContactId": _take(contacts.ids, contact_idx),
        "Role": _take([r for r, _ in _PRIMARY_ROLES] + list(_OTHER_ROLES), role),
        "IsPrimary": _flag(is_primary),
        "CreatedDate": _ts(created),
        "LastModifiedDate": _ts(modified),
        "SystemModstamp": _ts(stamp),
        "IsDeleted": _flag(opps.deleted[opp_idx]),
    }


# -- leads --------------------------------------------------------------------------------------


def _leads(
    rng: np.random.Generator,
    *,
    contacts: _Contacts,
    acc: _Accounts,
    acc_ids: pa.Array,
    opps: _Opportunities,
    users: _Users,
    end: int,
) -> dict[str, pa.Array]:
    """Converted leads (pointing at their contact, account and maybe opportunity) and open ones."""
    n_contacts = len(contacts.created)
    # Converted: every lead-converted opportunity's contact, plus a share of other contacts.
    conv_opp = np.full(n_contacts, -1)
    lead_opps = np.flatnonzero(opps.via_lead)
    conv_opp[opps.source[lead_opps]] = lead_opps
    converted = (conv_opp >= 0) | ((contacts.account >= 0) & (rng.random(n_contacts) < 0.25))
    conv = np.flatnonzero(converted)
    c_created = contacts.created[conv]
    lead_created = c_created - rng.integers(3600, 45 * DAY, len(conv))
    people = contacts.people
    c_acc = contacts.account[conv]
    c_opp = conv_opp[conv]
    converted_cols = {
        "FirstName": _take(people.first, conv),
        "LastName": _take(people.last, conv),
        "Company": _take(acc.name, c_acc),
        "Email": _take(people.email, conv),
        "Title": _take(people.title, conv),
        "Industry": _where(
            acc.industry_blank[c_acc], "", _take(_INDUSTRY_NAMES, acc.industry[c_acc])
        ),
        "LeadSource": _take(people.lead_source, conv),
        "Status": _const("Closed - Converted", len(conv)),
        "IsConverted": _const("1", len(conv)),
        "ConvertedDate": _day(c_created),
        "ConvertedAccountId": _take(acc_ids, c_acc),
        "ConvertedContactId": _take(contacts.ids, conv),
        "ConvertedOpportunityId": _where(c_opp >= 0, _take(opps.ids, np.maximum(c_opp, 0)), ""),
        "OwnerId": _take(contacts.columns["OwnerId"], conv),
    }
    # Open leads: people at companies that are not accounts (yet).
    n_open = max(5, round(0.25 * n_contacts))
    companies = _account_traits(rng, n_open)
    open_people = _people(
        rng,
        n_open,
        domains=_where(rng.random(n_open) < 0.85, companies.domain, ""),
        profile=_title_profile(companies, np.arange(n_open)),
    )
    open_created = end - (rng.random(n_open) * 200 * DAY).astype(np.int64)
    status = ("Open - Not Contacted", "Working - Contacted", "Closed - Not Converted")
    open_cols = {
        "FirstName": open_people.first,
        "LastName": open_people.last,
        "Company": companies.name,
        "Email": open_people.email,
        "Title": open_people.title,
        "Industry": _where(
            rng.random(n_open) < 0.3, "", _take(_INDUSTRY_NAMES, companies.industry)
        ),
        "LeadSource": open_people.lead_source,
        "Status": _take(status, _weighted(rng, (40, 35, 25), n_open)),
        "IsConverted": _const("0", n_open),
        "ConvertedDate": _const("", n_open),
        "ConvertedAccountId": _const("", n_open),
        "ConvertedContactId": _const("", n_open),
        "ConvertedOpportunityId": _const("", n_open),
        "OwnerId": _take(users.ids, users.all_aes[rng.integers(0, len(users.all_aes), n_open)]),
    }
    created = np.concatenate([lead_created, open_created])
    order = np.argsort(created, kind="stable")
    created = created[order]
    m = len(created)
    converted_at = np.concatenate([c_created, np.full(n_open, -1)])[order]
    modified, stamp = _audit(rng, created, end=end, touched=0.3)
    modified = np.maximum(modified, converted_at)
    stamp = np.maximum(stamp, modified)
    deleted = np.concatenate([np.zeros(len(conv), bool), rng.random(n_open) < 0.015])[order]
    stamp = _deleted_stamp(rng, deleted, modified, stamp, end)
    columns = {
        key: _take(pa.concat_arrays([converted_cols[key], open_cols[key]]), order)
        for key in converted_cols
    }
    columns.update(
        Id=make_ids("Lead", np.arange(m)),
        Phone=_phones(rng, m),
        Rating=_take(("", "Hot", "Warm", "Cold"), rng.integers(0, 4, m)),
        IsDeleted=_flag(deleted),
        CreatedDate=_ts(created),
        LastModifiedDate=_ts(modified),
        SystemModstamp=_ts(stamp),
    )
    return columns


def _stage_columns(end: int) -> dict[str, pa.Array]:
    created = np.full(len(STAGES), end + 1 - 3 * 365 * DAY + 9 * 3600)
    return {
        "Id": make_ids("OpportunityStage", np.arange(len(STAGES))),
        "MasterLabel": _strings([s[0] for s in STAGES]),
        "ApiName": _strings([s[0] for s in STAGES]),
        "SortOrder": _strings([str(s[1]) for s in STAGES]),
        "IsActive": _const("1", len(STAGES)),
        "IsClosed": _strings(["1" if s[3] else "0" for s in STAGES]),
        "IsWon": _strings(["1" if s[4] else "0" for s in STAGES]),
        "DefaultProbability": _strings([str(s[2]) for s in STAGES]),
        "ForecastCategoryName": _strings([s[5] for s in STAGES]),
        "Description": _const("", len(STAGES)),
        "CreatedDate": _ts(created),
        "LastModifiedDate": _ts(created),
        "SystemModstamp": _ts(created),
    }


# -- files --------------------------------------------------------------------------------------

_WRITE = pacsv.WriteOptions(include_header=True, quoting_style="all_valid", batch_size=8192)


def _write_object(
    out_dir: Path, object_name: str, columns: dict[str, pa.Array], *, multi_currency: bool = False
) -> int:
    """Write ``<object_name>.csv`` (all values quoted) and return its row count."""
    header = columns_of(object_name, multi_currency=multi_currency)
    missing = set(header) - set(columns)
    unexpected = set(columns) - set(header)
    if missing or unexpected:
        raise ValueError(
            f"{object_name}: missing {sorted(missing)}, unexpected {sorted(unexpected)}"
        )
    table = pa.table({name: pc.fill_null(columns[name], "") for name in header})
    path = out_dir / f"{object_name}.csv"
    tmp = path.with_suffix(".csv.tmp")
    pacsv.write_csv(table, tmp, write_options=_WRITE)
    os.replace(tmp, path)
    return table.num_rows


def _read_object(org_dir: Path, object_name: str) -> pa.Table:
    """Read a file this module wrote back as text columns (empty strings stay empty)."""
    path = org_dir / f"{object_name}.csv"
    with open(path, encoding="utf-8") as fh:
        header_line = fh.readline()
    names = [h.strip().strip('"') for h in header_line.split(",")]
    return pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
        ),
    )


# -- the org ------------------------------------------------------------------------------------


def generate_org(
    out_dir: Path,
    *,
    contacts: int,
    seed: int = 42,
    anchor: date | None = None,
    currencies: Sequence[str] = (),
) -> dict[str, int]:
    """Write a demo org of about ``contacts`` contacts to ``out_dir``; return rows per object.

    Row counts include deleted rows. The same ``(contacts, seed, anchor)`` gives
    byte-identical files; ``anchor`` defaults to today (UTC) and every timestamp falls
    before its midnight. With ``currencies`` (e.g. ``("USD", "EUR", "GBP")``, the first
    the corporate one) the org is multi-currency: see :func:`add_currencies`.
    """
    if contacts < 1:
        raise ValueError("contacts must be at least 1")
    anchor = anchor or datetime.now(UTC).date()
    end = _last_second(anchor)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}

    users = _users(_rng(seed, "users"), contacts=contacts, end=end)
    counts["User"] = _write_object(out_dir, "User", users.columns)

    rng = _rng(seed, "accounts")
    acc, acc_idx, c_created = _accounts_for(rng, contacts=contacts, end=end)
    acc_created = _account_created(rng, acc_idx, c_created, n_acc=len(acc), end=end)
    order = np.argsort(acc_created, kind="stable")  # ids grow with CreatedDate, as in Salesforce
    acc, acc_created = acc.take(order), acc_created[order]
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    acc_idx = np.where(acc_idx >= 0, rank[np.maximum(acc_idx, 0)], -1)
    acc_ids = make_ids("Account", np.arange(len(acc)))
    # Most accounts belong to an active AE; some still to AEs who have left.
    acc_owner = np.where(
        rng.random(len(acc)) < 0.92,
        users.active_aes[rng.integers(0, len(users.active_aes), len(acc))],
        users.all_aes[rng.integers(0, len(users.all_aes), len(acc))],
    )

    ctc = _contacts(
        _rng(seed, "contacts"),
        acc=acc,
        acc_idx=acc_idx,
        created=c_created,
        acc_ids=acc_ids,
        acc_owner=acc_owner,
        users=users,
        end=end,
    )
    opps = _opportunities(
        _rng(seed, "opportunities"),
        contacts=ctc,
        acc=acc,
        acc_ids=acc_ids,
        acc_owner=acc_owner,
        acc_created=acc_created,
        users=users,
        end=end,
    )
    stages, _, valid = opps.paths
    progressed = (valid & (stages >= 1) & (stages != _LOST)).any(axis=1) & ~opps.deleted
    counts["Contact"], counts["ContactHistory"] = _final_contacts(
        _rng(seed, "contact-edits"), out_dir, ctc, opps=opps, progressed=progressed, end=end
    )
    accounts, account_history = _final_accounts(
        _rng(seed, "account-columns"),
        acc,
        ids=acc_ids,
        owners=_take(users.ids, acc_owner),
        created=acc_created,
        opps=opps,
        contacts=ctc,
        progressed=progressed,
        edits_rng=_rng(seed, "account-edits"),
        end=end,
    )
    counts["Account"] = _write_object(out_dir, "Account", accounts)
    counts["AccountHistory"] = _write_object(out_dir, "AccountHistory", account_history)
    counts["Lead"] = _write_object(
        out_dir,
        "Lead",
        _leads(
            _rng(seed, "leads"),
            contacts=ctc,
            acc=acc,
            acc_ids=acc_ids,
            opps=opps,
            users=users,
            end=end,
        ),
    )
    counts["OpportunityStage"] = _write_object(out_dir, "OpportunityStage", _stage_columns(end))
    history, on_ladder, last_history = _history(_rng(seed, "history"), opps, end=end)
    field_history = _final_opportunities(
        _rng(seed, "opportunity-edits"),
        opps,
        on_ladder=on_ladder,
        last_history=last_history,
        end=end,
    )
    counts["Opportunity"] = _write_object(out_dir, "Opportunity", opps.columns)
    counts["OpportunityHistory"] = _write_object(out_dir, "OpportunityHistory", history)
    counts["OpportunityFieldHistory"] = _write_object(
        out_dir, "OpportunityFieldHistory", field_history
    )
    roles = _contact_roles(_rng(seed, "roles"), opps, ctc, end=end)
    counts["OpportunityContactRole"] = _write_object(out_dir, "OpportunityContactRole", roles)
    if currencies:
        counts.update(add_currencies(out_dir, currencies, seed=seed, anchor=anchor))
    return {name: counts[name] for name in (*OBJECT_FILES, *CURRENCY_FILES) if name in counts}


# -- a multi-currency org -----------------------------------------------------------------------

CURRENCY_FILES: tuple[str, ...] = ("CurrencyType", "DatedConversionRate")

#: Units of each currency per US dollar, roughly (a year ago, recent). Other codes get a
#: made-up rate derived from the code, so any list works.
_RATES_PER_USD: dict[str, tuple[float, float]] = {
    "USD": (1.0, 1.0),
    "EUR": (0.93, 0.86),
    "GBP": (0.80, 0.75),
    "CAD": (1.36, 1.39),
    "JPY": (148.0, 155.0),
    "MXN": (17.2, 18.4),
    "COP": (3_950.0, 4_100.0),
    "PEN": (3.75, 3.55),
}


def _rates_per_usd(code: str) -> tuple[float, float]:
    if code in _RATES_PER_USD:
        return _RATES_PER_USD[code]
    base = 0.5 + (zlib.crc32(code.encode()) % 1000) / 100.0
    return base, round(base * 1.05, 4)


def parse_currencies(value: str | None) -> tuple[str, ...]:
    """``"USD,EUR,GBP"`` -> ``("USD", "EUR", "GBP")`` (upper-cased, order kept, no repeats);
    the first is the corporate currency."""
    out: list[str] = []
    for part in (value or "").split(","):
        code = part.strip().upper()
        if not code:
            continue
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"CURRENCIES: {part.strip()!r} is not a 3-letter ISO currency code")
        if code not in out:
            out.append(code)
    return tuple(out)


def add_currencies(
    out_dir: Path, currencies: Sequence[str], *, seed: int, anchor: date
) -> dict[str, int]:
    """Make a generated org multi-currency, as Salesforce does with advanced currency
    management on: ``CurrencyType.csv`` (the first currency corporate, rate 1; the others'
    current rate to it), ``DatedConversionRate.csv`` (two ranges per currency: an older
    rate until 60 days before the anchor, the current one after), and
    ``Opportunity.CurrencyIsoCode`` with ``Amount`` in that currency: the generated amount
    (in the corporate currency) times the dated rate of its close date, so converting back
    gives the generated amount again (to the cent)."""
    codes = parse_currencies(",".join(currencies))
    corporate = codes[0]
    per_usd = {code: _rates_per_usd(code) for code in codes}
    # rate[code] = units of code per corporate unit, (older, current)
    rate = {
        code: (old / per_usd[corporate][0], new / per_usd[corporate][1])
        for code, (old, new) in per_usd.items()
    }
    switch = date.fromordinal(anchor.toordinal() - 60).isoformat()
    stamp = f"{date.fromordinal(anchor.toordinal() - 400).isoformat()} 09:00:00"
    audit = {"CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp}
    n = len(codes)
    types = {
        "Id": make_ids("CurrencyType", np.arange(n)),
        "IsoCode": _strings(codes),
        "ConversionRate": _strings([f"{rate[c][1]:.6f}" for c in codes]),
        "DecimalPlaces": _const("2", n),
        "IsActive": _const("1", n),
        "IsCorporate": _strings(["1" if c == corporate else "0" for c in codes]),
        **{k: _const(v, n) for k, v in audit.items()},
    }
    ranges = [(c, "1900-01-01", switch, rate[c][0]) for c in codes] + [
        (c, switch, "9999-12-31", rate[c][1]) for c in codes
    ]
    dated = {
        "Id": make_ids("DatedConversionRate", np.arange(len(ranges))),
        "IsoCode": _strings([r[0] for r in ranges]),
        "StartDate": _strings([r[1] for r in ranges]),
        "NextStartDate": _strings([r[2] for r in ranges]),
        "ConversionRate": _strings([f"{r[3]:.6f}" for r in ranges]),
        **{k: _const(v, len(ranges)) for k, v in audit.items()},
    }
    counts = {
        "CurrencyType": _write_object(out_dir, "CurrencyType", types),
        "DatedConversionRate": _write_object(out_dir, "DatedConversionRate", dated),
    }
    opps = _read_object(out_dir, "Opportunity")
    rng = _rng(seed, "currencies")
    # Half the deals in the corporate currency, the rest spread over the others.
    weights = [0.5] + [0.5 / (n - 1)] * (n - 1) if n > 1 else [1.0]
    which = _weighted(rng, weights, opps.num_rows)
    close = np.array(opps["CloseDate"].to_pylist(), dtype=object)
    recent = np.array([bool(d) and d >= switch for d in close])
    factor = np.array([rate[c][1] for c in codes])[which]
    factor = np.where(recent, factor, np.array([rate[c][0] for c in codes])[which])
    amounts = opps["Amount"].to_pylist()
    local = [
        f"{round(float(a) * f, 2):.2f}" if a else "" for a, f in zip(amounts, factor, strict=True)
    ]
    columns = {name: opps[name] for name in opps.column_names}
    columns["Amount"] = _strings(local)
    columns["CurrencyIsoCode"] = _take(codes, which)
    counts["Opportunity"] = _write_object(out_dir, "Opportunity", columns, multi_currency=True)
    return counts


def _accounts_for(
    rng: np.random.Generator, *, contacts: int, end: int
) -> tuple[_Accounts, np.ndarray, np.ndarray]:
    """Account traits, each contact's account index (-1: none) and contact CreatedDates."""
    n_acc = max(8, round(contacts / 3.2))
    acc = _account_traits(rng, n_acc)
    # Sorted creation times, so contact ids grow with CreatedDate.
    created = np.sort(end - (rng.random(contacts) * CONTACT_DAYS * DAY).astype(np.int64))
    has_acc = rng.random(contacts) >= 0.06
    # Bigger companies have more contacts in the CRM.
    weight = acc.employees**0.2
    acc_idx = np.full(contacts, -1)
    acc_idx[has_acc] = rng.choice(n_acc, size=int(has_acc.sum()), p=weight / weight.sum())
    return acc, acc_idx, created


def _account_created(
    rng: np.random.Generator, acc_idx: np.ndarray, c_created: np.ndarray, *, n_acc: int, end: int
) -> np.ndarray:
    first = np.full(n_acc, end, dtype=np.int64)
    np.minimum.at(first, acc_idx[acc_idx >= 0], c_created[acc_idx >= 0])
    lead_in = np.where(
        rng.random(n_acc) < 0.35,
        rng.integers(0, 600, n_acc),
        rng.integers(DAY, 900 * DAY, n_acc),
    )
    return first - lead_in


def _contacts(
    rng: np.random.Generator,
    *,
    acc: _Accounts,
    acc_idx: np.ndarray,
    created: np.ndarray,
    acc_ids: pa.Array,
    acc_owner: np.ndarray,
    users: _Users,
    end: int,
) -> _Contacts:
    n = len(created)
    safe = np.maximum(acc_idx, 0)
    domains = _where(acc_idx < 0, "", _take(acc.domain, safe))
    people = _people(rng, n, domains=domains, profile=_title_profile(acc, acc_idx))
    fit = np.where(acc_idx >= 0, acc.fit[safe], -2.0) + people.fit + rng.normal(0, 1.0, n)
    countries = _where(
        (acc_idx < 0) | (rng.random(n) < 0.05),
        _take([row[0] for row in _COUNTRIES], _weighted(rng, [r[1] for r in _COUNTRIES], n)),
        _take([row[0] for row in _COUNTRIES], acc.country[safe]),
    )
    owner_idx = np.where(
        acc_idx >= 0, acc_owner[safe], users.active_aes[rng.integers(0, len(users.active_aes), n)]
    )
    owners = _take(users.ids, owner_idx)
    ids = make_ids("Contact", np.arange(n))
    modified, stamp = _audit(rng, created, end=end)
    deleted = rng.random(n) < 0.012
    stamp = _deleted_stamp(rng, deleted, modified, stamp, end)
    columns = _contact_columns(
        rng,
        people,
        ids=ids,
        account_ids=_account_links(rng, acc_idx, acc_ids),
        countries=countries,
        owners=owners,
        created=created,
        modified=modified,
        stamp=stamp,
        deleted=deleted,
    )
    return _Contacts(columns, people, acc_idx, created, fit, ids)


def _final_contacts(
    rng: np.random.Generator,
    out_dir: Path,
    ctc: _Contacts,
    *,
    opps: _Opportunities,
    progressed: np.ndarray,
    end: int,
) -> tuple[int, int]:
    """Write Contact.csv (titles and lead sources edited since) and ContactHistory.csv."""
    from extract.demo import history

    promoted = np.zeros(len(ctc.created), dtype=bool)
    promoted[opps.source[progressed]] = True
    cols = ctc.columns
    deleted = np.asarray(pc.equal(cols["IsDeleted"], "1"))
    edits = history.contact_edits(
        rng,
        title=cols["Title"],
        lead_source=cols["LeadSource"],
        owners=cols["OwnerId"],
        created=ctc.created,
        deleted=deleted,
        promoted=promoted,
        end=end,
    )
    modified = np.maximum(history.seconds(cols["LastModifiedDate"]), edits.last_edit)
    stamp = np.maximum(history.seconds(cols["SystemModstamp"]), modified)
    cols.update(
        Title=edits.title,
        LeadSource=edits.lead_source,
        LastModifiedDate=_ts(modified),
        SystemModstamp=_ts(stamp),
    )
    rows = edits.changes.columns("ContactHistory", ctc.ids, deleted)
    return _write_object(out_dir, "Contact", cols), _write_object(out_dir, "ContactHistory", rows)


def _final_opportunities(
    rng: np.random.Generator,
    opps: _Opportunities,
    *,
    on_ladder: np.ndarray,
    last_history: np.ndarray,
    end: int,
) -> dict[str, pa.Array]:
    """OpportunityFieldHistory rows; LastStageChangeDate and audit fields agree with them."""
    from extract.demo import history

    cols = opps.columns
    changes = history.opportunity_changes(
        rng,
        paths=opps.paths,
        next_step=cols["NextStep"],
        description=cols["Description"],
        owners=opps.owner,
        created=opps.created,
        with_history=on_ladder,
        end=end,
    )
    # Where history exists, the stage last changed when its newest row was written.
    stage_change = history.seconds(cols["LastStageChangeDate"])
    stage_change = np.where(last_history >= 0, last_history, stage_change)
    modified = history.seconds(cols["LastModifiedDate"])
    modified = np.maximum(np.maximum(modified, stage_change), changes.last_at(len(modified)))
    stamp = np.maximum(history.seconds(cols["SystemModstamp"]), modified)
    cols.update(
        LastStageChangeDate=_ts(stage_change),
        LastModifiedDate=_ts(modified),
        SystemModstamp=_ts(stamp),
    )
    return changes.columns("OpportunityFieldHistory", opps.ids, opps.deleted)


def _final_accounts(
    rng: np.random.Generator,
    acc: _Accounts,
    *,
    ids: pa.Array,
    owners: pa.Array,
    created: np.ndarray,
    opps: _Opportunities,
    contacts: _Contacts,
    progressed: np.ndarray,
    edits_rng: np.random.Generator,
    end: int,
) -> tuple[dict[str, pa.Array], dict[str, pa.Array]]:
    """Account rows as they look at the anchor, and their AccountHistory rows.

    A won deal turns Type into a customer; some accounts were edited after their contacts
    arrived (see ``extract.demo.history``): the rows hold the new values.
    """
    from extract.demo import history

    n = len(acc)
    linked = contacts.account >= 0
    has_contacts = np.bincount(contacts.account[linked], minlength=n) > 0
    first_contact = np.full(n, end, dtype=np.int64)
    np.minimum.at(first_contact, contacts.account[linked], contacts.created[linked])
    acc_progressed = np.bincount(opps.account[progressed], minlength=n) > 0
    modified, stamp = _audit(rng, created, end=end)
    won_at = np.full(n, -1, dtype=np.int64)
    won = opps.won_at >= 0
    np.maximum.at(won_at, opps.account[won], opps.won_at[won])
    is_customer = won_at >= 0
    modified = np.where(is_customer, np.maximum(modified, won_at), modified)
    stamp = np.maximum(stamp, modified)
    types = _take([t for t, _ in _ACCOUNT_TYPES], _weighted(rng, [w for _, w in _ACCOUNT_TYPES], n))
    before = _where(acc.agency & (rng.random(n) < 0.3), "Channel Partner / Reseller", types)
    types = _where(is_customer, "Customer - Direct", before)
    deleted = ~has_contacts & (rng.random(n) < 0.1)  # only empty accounts were deleted
    edits = history.account_edits(
        edits_rng,
        acc,
        created=created,
        first_contact=first_contact,
        deleted=deleted,
        won_at=won_at,
        progressed=acc_progressed,
        types_before=before,
        types_after=types,
        owners=owners,
        end=end,
    )
    modified = np.maximum(modified, edits.last_edit)
    stamp = np.maximum(stamp, modified)
    stamp = _deleted_stamp(rng, deleted, modified, stamp, end)
    columns = _account_columns(
        rng,
        edits.current,
        ids=ids,
        owners=owners,
        created=created,
        modified=modified,
        stamp=stamp,
        account_type=types,
        deleted=deleted,
    )
    return columns, edits.changes.columns("AccountHistory", ids, deleted)


# -- mutations ----------------------------------------------------------------------------------


def mutate_org(
    org_dir: Path, *, seed: int, at: datetime, new: int, updated: int, deleted: int
) -> dict[str, set[str]]:
    """Change a generated org in place, as if time passed until ``at``; return contact ids.

    Appends ``new`` contacts (about half at existing accounts, the rest at new accounts),
    changes the Title of ``updated`` existing contacts (LastModifiedDate and SystemModstamp
    = ``at``) and soft-deletes ``deleted`` others (IsDeleted "1", SystemModstamp = ``at``).
    Title is tracked by then, so each title change appends a ContactHistory row, and each
    new account an AccountHistory ``created`` row (CreatedDate = ``at``).
    ``at`` (naive means UTC) must not be earlier than any SystemModstamp already in
    Contact.csv or Account.csv, as in a real org. Returns ``{"new", "updated", "deleted"}``.
    """
    from extract.demo import history

    if min(new, updated, deleted) < 0:
        raise ValueError("new, updated and deleted must not be negative")
    org_dir = Path(org_dir)
    at_s = _epoch(at)
    rng = _rng(seed, f"mutate-{at_s}")
    contacts = _read_object(org_dir, "Contact")
    accounts = _read_object(org_dir, "Account")
    latest = max(
        pc.max(contacts["SystemModstamp"]).as_py() or "",
        pc.max(accounts["SystemModstamp"]).as_py() or "",
    )
    stamp = _ts(np.array([at_s]))[0].as_py()
    if stamp < latest:
        raise ValueError(f"at={stamp} is earlier than the org's latest SystemModstamp {latest}")

    alive = np.flatnonzero(np.asarray(pc.equal(contacts["IsDeleted"], "0")))
    if updated + deleted > len(alive):
        raise ValueError(f"only {len(alive)} live contacts to update or delete")
    chosen = rng.permutation(alive)[: updated + deleted]
    upd, dele = np.sort(chosen[:updated]), np.sort(chosen[updated:])
    old_titles = contacts["Title"].combine_chunks()
    contacts = _mutated_contacts(rng, contacts, upd=upd, dele=dele, stamp=stamp)
    n_accounts = accounts.num_rows
    accounts, new_contacts = _new_contacts(
        rng, contacts=contacts, accounts=accounts, n=new, at_s=at_s
    )
    titles = history.Changes()
    titles.add(
        upd,
        "Title",
        "Text",
        np.full(len(upd), at_s),
        _take(contacts["OwnerId"].combine_chunks(), upd),
        _take(old_titles, upd),
        _take(contacts["Title"].combine_chunks(), upd),
    )
    created = history.Changes()
    fresh = np.arange(n_accounts, accounts.num_rows)
    created.add(
        fresh, "created", "Text", np.full(len(fresh), at_s), _take(accounts["OwnerId"], fresh)
    )
    for name, changes, parents in (
        ("ContactHistory", titles, contacts["Id"]),
        ("AccountHistory", created, accounts["Id"]),
    ):
        _append_history(org_dir, name, changes, parents.combine_chunks())
    ids = contacts["Id"]
    all_contacts = pa.concat_tables([contacts, new_contacts.select(contacts.column_names)])
    _write_object(
        org_dir, "Account", {c: accounts[c].combine_chunks() for c in accounts.column_names}
    )
    _write_object(
        org_dir, "Contact", {c: all_contacts[c].combine_chunks() for c in all_contacts.column_names}
    )
    return {
        "new": set(new_contacts["Id"].to_pylist()),
        "updated": set(pc.take(ids, pa.array(upd, pa.int64())).to_pylist()),
        "deleted": set(pc.take(ids, pa.array(dele, pa.int64())).to_pylist()),
    }


def _append_history(
    org_dir: Path, object_name: str, changes: history.Changes, parent_ids: pa.Array
) -> None:
    """Append rows to a field-history file (created if the org has none yet)."""
    from extract.demo import history

    path = org_dir / f"{object_name}.csv"
    old = _read_object(org_dir, object_name) if path.exists() else None
    first = history.next_counter(old["Id"].combine_chunks(), object_name) if old else 0
    rows = pa.table(
        changes.columns(object_name, parent_ids, np.zeros(len(parent_ids), bool), first=first)
    )
    table = pa.concat_tables([old.select(rows.column_names), rows]) if old else rows
    _write_object(org_dir, object_name, {c: table[c].combine_chunks() for c in table.column_names})


def _epoch(at: datetime) -> int:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return int(at.timestamp())


def _mutated_contacts(
    rng: np.random.Generator, table: pa.Table, *, upd: np.ndarray, dele: np.ndarray, stamp: str
) -> pa.Table:
    n = table.num_rows
    upd_mask = np.zeros(n, bool)
    upd_mask[upd] = True
    del_mask = np.zeros(n, bool)
    del_mask[dele] = True
    # A new title from the same vocabulary, never the one the contact already has.
    pool = [t for g in _TITLE_GROUPS for t in g[2] if t]
    old = table["Title"].combine_chunks()
    pick = _take(pool, rng.integers(0, len(pool), n))
    other = _take(pool, rng.integers(0, len(pool), n))
    alternative = _where(np.asarray(pc.equal(pick, old)), _cat(other, " (acting)"), pick)
    alternative = _where(np.asarray(pc.equal(alternative, old)), _cat(old, " II"), alternative)
    changes = {
        "Title": _where(upd_mask, alternative, old),
        "LastModifiedDate": _where(upd_mask, stamp, table["LastModifiedDate"].combine_chunks()),
        "SystemModstamp": _where(
            upd_mask | del_mask, stamp, table["SystemModstamp"].combine_chunks()
        ),
        "IsDeleted": _where(del_mask, "1", table["IsDeleted"].combine_chunks()),
    }
    for name, column in changes.items():
        table = table.set_column(table.column_names.index(name), name, column)
    return table


def _new_contacts(
    rng: np.random.Generator, *, contacts: pa.Table, accounts: pa.Table, n: int, at_s: int
) -> tuple[pa.Table, pa.Table]:
    """(accounts with any new ones appended, the new contact rows)."""
    live_acc = np.flatnonzero(np.asarray(pc.equal(accounts["IsDeleted"], "0")))
    joins_existing = (rng.random(n) < 0.5) & (len(live_acc) > 0)
    n_new_acc = int((~joins_existing).sum())
    traits = _account_traits(rng, n_new_acc)
    next_acc = (
        int(id_counters(accounts["Id"].combine_chunks()).max()) + 1 if accounts.num_rows else 0
    )
    new_acc_ids = make_ids("Account", next_acc + np.arange(n_new_acc))
    owners = accounts["OwnerId"].combine_chunks()
    at = np.full(n_new_acc, at_s)
    acc_cols = _account_columns(
        rng,
        traits,
        ids=new_acc_ids,
        owners=_take(owners, rng.integers(0, max(1, len(owners)), n_new_acc)),
        created=at,
        modified=at,
        stamp=at,
        account_type=_const("Prospect", n_new_acc),
        deleted=np.zeros(n_new_acc, bool),
    )
    new_accounts = pa.table({c: acc_cols[c] for c in accounts.column_names})
    all_accounts = pa.concat_tables([accounts, new_accounts])

    # Which account row each new contact belongs to (existing live ones, or its new one).
    existing_rows = live_acc[rng.integers(0, max(1, len(live_acc)), n)] if len(live_acc) else 0
    acc_row = np.where(joins_existing, existing_rows, 0)
    acc_row[~joins_existing] = accounts.num_rows + np.arange(n_new_acc)
    websites = all_accounts["Website"].combine_chunks()
    domains = _domain_of(_take(websites, acc_row))
    employees = pc.cast(
        _where(
            np.asarray(pc.equal(all_accounts["NumberOfEmployees"], "")),
            "100",
            all_accounts["NumberOfEmployees"].combine_chunks(),
        ),
        pa.int64(),
    ).to_numpy()[acc_row]
    profile = np.where(employees < 50, 0, 1)
    people = _people(rng, n, domains=domains, profile=profile)
    next_contact = int(id_counters(contacts["Id"].combine_chunks()).max()) + 1
    ids = make_ids("Contact", next_contact + np.arange(n))
    at_n = np.full(n, at_s)
    columns = _contact_columns(
        rng,
        people,
        ids=ids,
        account_ids=_take(all_accounts["Id"].combine_chunks(), acc_row),
        countries=_take(all_accounts["BillingCountry"].combine_chunks(), acc_row),
        owners=_take(all_accounts["OwnerId"].combine_chunks(), acc_row),
        created=at_n,
        modified=at_n,
        stamp=at_n,
        deleted=np.zeros(n, bool),
    )
    return all_accounts, pa.table(columns)


def _domain_of(websites: pa.Array) -> pa.Array:
    """``https://www.acme.com/en-us`` -> ``acme.com``; empty stays empty."""
    host = pc.replace_substring_regex(websites, r"^(https?://)?(www\.)?", "")
    return pc.replace_substring_regex(host, r"/.*$", "")


# -- CLI ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Generate a demo org folder from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m extract.demo.generate", description="Write a deterministic demo org."
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the CSVs to")
    parser.add_argument("--contacts", type=int, required=True, help="about this many contacts")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--anchor", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.contacts < 1:
        parser.error("--contacts must be at least 1")
    try:
        counts = generate_org(args.out, contacts=args.contacts, seed=args.seed, anchor=args.anchor)
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc}", file=sys.stderr)
        return 2
    summary = ", ".join(f"{name}={rows:,}" for name, rows in counts.items())
    print(f"demo org in {args.out}: {summary} ({time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
