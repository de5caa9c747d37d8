"""Synthetic raw Salesforce tables for the benchmark and the tests.

``create_raw_tables`` creates ``raw_salesforce.<table>`` with the columns and types of
``extract.salesforce.objects`` (the extract stage's table contract), so the scoring step is
exercised on exactly the shape the extract stage writes. ``synthetic_org`` fills contact and
account with a deterministic, realistic-looking org: picklist industries and lead sources,
free-mail and invalid emails, contacts without an account, deleted rows and rows duplicated
across loads.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

_DUCK_TYPES = {
    "id": "varchar",
    "string": "varchar",
    "bool": "boolean",
    "int": "bigint",
    "double": "double",
    "date": "date",
    "datetime": "timestamp",
}

INDUSTRIES = (
    "Technology Telecommunications Banking Finance Insurance Healthcare Biotechnology Retail "
    "Apparel Manufacturing Machinery Education Government Media Energy Consulting "
    "Transportation Hospitality Construction Utilities Other"
).split()
LEAD_SOURCES = (
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Purchased List",
    "External Referral",
    "Partner",
    "Public Relations",
    "Trade Show",
    "Word of mouth",
    "Other",
    None,
)
TITLES = (
    "CEO",
    "CTO",
    "CFO",
    "VP Engineering",
    "SVP, Operations",
    "Head of Platform",
    "Director, Warehouse Mgmt",
    "Director of IT",
    "Dean of Administration",
    "Engineering Manager",
    "Product Manager",
    "Software Engineer",
    "Data Analyst",
    "Marketing Coordinator",
    "Office Assistant",
    "Student",
    "Intern",
    "Owner",
    "Founder",
    "Account Executive",
    None,
)
FREE_MAIL = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com")
FIRST = "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth Chen Aisha".split()
LAST = "Smith Johnson Williams Brown Jones Garcia Miller Davis Müller Nakamura Okafor".split()
WORDS = "acme globex initech umbrella hooli vandelay stark wayne tyrell cyberdyne".split()
SUFFIXES = ("Inc", "Corp", "Labs", "Systems", "Group", "Partners", "Studio", "Agency")
PHRASES = (
    "API integrations and webhooks for developers",
    "a SaaS platform for operations teams",
    "voice and SMS messaging for contact centers",
    "analytics dashboards and reporting",
    "workflow automation for finance",
    "security and compliance tooling (SOC 2, HIPAA)",
    "a digital marketing agency",
    "a reseller of office hardware",
    "a family-run bakery",
    "global logistics with offices in 12 countries",
    "an enterprise data warehouse",
    "retail stores and e-commerce",
    "a sole proprietor consultancy",
    "",
)


def column_type(field_type: str) -> str:
    """The DuckDB type of an ``objects.py`` field type."""
    return _DUCK_TYPES[field_type]


def raw_columns(object_name: str) -> dict[str, str]:
    """Column -> DuckDB type of ``raw_salesforce.<table>`` for a Salesforce object."""
    from extract.salesforce.objects import OBJECTS, column_name

    obj = OBJECTS[object_name]
    return {column_name(api): column_type(kind) for api, kind in obj.all_fields().items()}


def create_raw_tables(con: Any, objects: Iterable[str] = ("Account", "Contact")) -> None:
    """Create empty ``raw_salesforce`` tables for the given objects (contract columns)."""
    from extract.salesforce.objects import OBJECTS

    con.execute("create schema if not exists raw_salesforce")
    for name in objects:
        cols = ", ".join(f"{c} {t}" for c, t in raw_columns(name).items())
        con.execute(f"create or replace table raw_salesforce.{OBJECTS[name].table} ({cols})")


def insert_rows(con: Any, object_name: str, rows: list[dict[str, Any]]) -> None:
    """Insert dict rows (missing columns null) into ``raw_salesforce.<table>``."""
    from extract.salesforce.objects import OBJECTS

    if not rows:
        return
    columns = raw_columns(object_name)
    table = pa.table({c: [r.get(c) for r in rows] for c in columns})
    con.register("scoring_synthetic_rows", table)
    try:
        con.execute(
            f"insert into raw_salesforce.{OBJECTS[object_name].table} by name "
            "select * from scoring_synthetic_rows"
        )
    finally:
        con.unregister("scoring_synthetic_rows")


def _accounts(n: int, rng: random.Random, now: dt.datetime) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        word = rng.choice(WORDS)
        suffix = rng.choice(SUFFIXES)
        slug = f"{word}-{i}"
        employees = int(rng.lognormvariate(4.5, 2.0)) if rng.random() > 0.1 else None
        revenue = employees * rng.uniform(5e4, 4e5) if employees and rng.random() > 0.3 else None
        domain = rng.choice((f"{slug}.com", f"{slug}.io", f"{slug}.co.uk"))
        website = rng.choice((f"https://www.{domain}", domain, f"http://{domain}/about", None))
        description = ". ".join(p for p in rng.sample(PHRASES, 2) if p)
        rows.append(
            {
                "_domain": domain,
                "id": f"001{i:015d}",
                "name": f"{word.title()} {i} {suffix}",
                "website": website,
                "industry": rng.choice(INDUSTRIES) if rng.random() > 0.15 else None,
                "type": rng.choice(("Prospect", "Customer - Direct", None)),
                "number_of_employees": employees,
                "annual_revenue": revenue,
                "description": f"{word.title()} {suffix} provides {description}."
                if description
                else None,
                "billing_country": rng.choice(("US", "GB", "DE", "JP", None)),
                "is_deleted": rng.random() < 0.01,
                "created_date": now - dt.timedelta(days=400),
                "last_modified_date": now - dt.timedelta(days=1),
                "system_modstamp": now - dt.timedelta(days=1),
            }
        )
    return rows


def _email(first: str, last: str, account: dict[str, Any] | None, rng: random.Random) -> Any:
    roll = rng.random()
    local = f"{first}.{last}".lower()
    if roll < 0.15 or account is None:
        return f"{local}@{rng.choice(FREE_MAIL)}"
    if roll < 0.18:
        return rng.choice(("not-an-email", f"{local}@", "n/a"))
    if roll < 0.21:
        return None
    return f"{local}@{rng.choice(('', '', '', 'mail.', 'EU.'))}{account['_domain']}"


def synthetic_org(
    con: Any,
    *,
    contacts: int,
    as_of: dt.date,
    days: int = 30,
    accounts: int | None = None,
    seed: int = 7,
    outside_window: float = 0.05,
) -> int:
    """Fill ``raw_salesforce.account`` and ``.contact`` with a synthetic org.

    ``contacts`` rows are created inside the window ``(as_of - days, as_of]`` (plus a
    fraction ``outside_window`` outside it, a few deleted ones and a few duplicated by an
    older load). Returns the number of contacts the window should contain.
    """
    rng = random.Random(seed)
    now = dt.datetime.combine(as_of, dt.time(12))
    create_raw_tables(con)
    account_rows = _accounts(accounts or max(contacts // 5, 1), rng, now)
    insert_rows(con, "Account", account_rows)
    window_start = dt.datetime.combine(as_of - dt.timedelta(days=days - 1), dt.time())
    span = days * 86400 - 1
    rows: list[dict[str, Any]] = []
    expected = 0
    extra = int(contacts * outside_window)
    for i in range(contacts + extra):
        account = rng.choice(account_rows) if rng.random() > 0.05 else None
        first, last = rng.choice(FIRST), rng.choice(LAST)
        inside = i < contacts
        offset = rng.randint(0, span) if inside else -rng.randint(1, 200) * 86400
        created = window_start + dt.timedelta(seconds=offset)
        deleted = inside and rng.random() < 0.005
        expected += inside and not deleted
        rows.append(
            {
                "id": f"003{i:015d}",
                "account_id": account["id"] if account else None,
                "first_name": first,
                "last_name": last,
                "name": f"{first} {last}",
                "email": _email(first, last, account, rng),
                "title": rng.choice(TITLES),
                "lead_source": rng.choice(LEAD_SOURCES),
                "mailing_country": rng.choice(("US", "GB", None)),
                "is_deleted": deleted,
                "created_date": created,
                "last_modified_date": created,
                "system_modstamp": created + dt.timedelta(minutes=5),
            }
        )
    dupes = [
        {**row, "title": "stale title", "system_modstamp": row["created_date"]}
        for row in rows[: max(contacts // 100, 1)]
    ]
    insert_rows(con, "Contact", rows + dupes)
    return expected
