"""A hand-made warehouse for building the dbt project without extract or scoring.

Written straight into a DuckDB file with the raw table contract of
``extract/salesforce/objects.py`` (plus dlt's ``_dlt_load_id`` / ``_dlt_id`` columns, the
demo org's ``loss_reason_c`` custom field) and the ``scoring.qualifications`` table:

- :func:`write_label_example` -- the DESIGN.md "Label examples" (opportunities A..G,
  contacts c1..c7) plus a few more contacts, duplicates, deleted rows and an unknown stage,
  scored by two models. Every mart value the pytest asserts is worked out by hand below.

Large orgs come from the demo org generator (``extract.demo.generate``; ``make bench``).
Run ``python -m tests.dbt_fixtures DB [--as-of YYYY-MM-DD]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from extract.salesforce.arrow import arrow_schema
from extract.salesforce.objects import OBJECTS
from plumbing.warehouse import duckdb_types
from scoring.warehouse import COLUMNS as SCORING_COLUMNS

RAW = "raw_salesforce"
EXTRA_FIELDS = {"Opportunity": ["Loss_Reason__c"]}

# The scoring step's own output contract (the dbt source scoring.qualifications).
QUALIFICATION_COLUMNS = SCORING_COLUMNS

#: The label example's backtest date.
LABEL_AS_OF = dt.date(2026, 6, 30)

DEFAULT_LADDER = [
    # (name, sort order, closed, won, probability)
    ("Prospecting", 1, False, False, 10.0),
    ("Qualification", 2, False, False, 10.0),
    ("Needs Analysis", 3, False, False, 20.0),
    ("Value Proposition", 4, False, False, 50.0),
    ("Id. Decision Makers", 5, False, False, 60.0),
    ("Perception Analysis", 6, False, False, 70.0),
    ("Proposal/Price Quote", 7, False, False, 75.0),
    ("Negotiation/Review", 8, False, False, 90.0),
    ("Closed Won", 9, True, True, 100.0),
    ("Closed Lost", 10, True, False, 0.0),
]


def raw_columns(object_name: str) -> dict[str, str]:
    """Raw column name -> DuckDB type of one object's table, as dlt would create it."""
    # The Arrow schema the extract stage loads, read by DuckDB as dlt creates the table.
    columns = duckdb_types(arrow_schema(OBJECTS[object_name], EXTRA_FIELDS.get(object_name, [])))
    columns["_dlt_load_id"] = "varchar"
    columns["_dlt_id"] = "varchar"
    return columns


def create_tables(con: Any, *, with_opportunity_stage: bool = True) -> None:
    """Create every raw table (empty) and ``scoring.qualifications``."""
    con.execute(f"create schema if not exists {RAW}")
    for name, sobject in OBJECTS.items():
        if name == "OpportunityStage" and not with_opportunity_stage:
            continue
        cols = ", ".join(f'"{col}" {kind}' for col, kind in raw_columns(name).items())
        con.execute(f'create or replace table {RAW}."{sobject.table}" ({cols})')
    cols = ", ".join(f"{col} {kind}" for col, kind in QUALIFICATION_COLUMNS.items())
    con.execute("create schema if not exists scoring")
    con.execute(
        f"create or replace table scoring.qualifications ({cols}, "
        "primary key (contact_id, model, model_version, as_of))"
    )


def insert_rows(con: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert dict rows; missing columns are null."""
    if not rows:
        return
    object_name = next(n for n, o in OBJECTS.items() if o.table == table)
    columns = list(raw_columns(object_name))
    placeholders = ", ".join("?" for _ in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    for index, row in enumerate(rows):
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
        values = {"_dlt_load_id": "1700000000.0", "_dlt_id": f"{table}-{index}", **row}
        con.execute(
            f'insert into {RAW}."{table}" ({quoted}) values ({placeholders})',
            [values.get(c) for c in columns],
        )


def insert_qualifications(con: Any, rows: list[dict[str, Any]]) -> None:
    """Insert scoring rows; missing columns are null."""
    columns = list(QUALIFICATION_COLUMNS)
    placeholders = ", ".join("?" for _ in columns)
    for row in rows:
        con.execute(
            f"insert into scoring.qualifications ({', '.join(columns)}) values ({placeholders})",
            [row.get(c) for c in columns],
        )


def _at(as_of: dt.date, days: float, hour: int = 10) -> dt.datetime:
    """A UTC timestamp `days` days before as_of (negative: after), at `hour`:00."""
    base = dt.datetime.combine(as_of, dt.time(hour), tzinfo=dt.UTC)
    return base - dt.timedelta(days=days)


def _audit(created: dt.datetime, modified: dt.datetime | None = None) -> dict[str, Any]:
    modified = modified or created
    return {
        "created_date": created,
        "last_modified_date": modified,
        "system_modstamp": modified,
    }


def write_label_example(
    path: Path | str, *, as_of: dt.date = LABEL_AS_OF, with_opportunity_stage: bool = True
) -> None:
    """The DESIGN.md label example, scored by two models (see the module docstring).

    Opportunities (default ladder, Stage 1 = Prospecting):

    == ====================================================== ========= =====================
    A  Prospecting -> Closed Lost                              c2 role   not beyond Stage 1
    B  Prospecting -> Qualification -> Closed Lost             c1 role   beyond
    C  Prospecting -> Closed Won (created 3 days before)       c6 role,  beyond
                                                               c7 lead
    D  no history, current Needs Analysis                      c3 acct   beyond
    E  no history, current Prospecting                         c8 role   not beyond
    F  Prospecting -> Stage Zeta (unknown)                     c9 role   not beyond, warning
    G  Prospecting; Qualification 1 day after as_of            c10 role  not beyond
    H  Prospecting -> Negotiation/Review, created before c4    (c4 acct) never attributed
    == ====================================================== ========= =====================

    Contacts: c1-c4, c8-c10 created 60 days before as_of, c5/c6 5 days, c7 40 days;
    c11 deleted, c12 created after as_of, c13 outside a 90-day window. Build with
    ``--vars '{as_of: <as_of>, window_days: 90}'``. Without OpportunityStage (as in a Data
    Export) the ladder comes from the opportunities' StageSortOrder, with the same outcomes.
    """
    con = duckdb.connect(str(path))
    try:
        create_tables(con, with_opportunity_stage=with_opportunity_stage)
        _write_label_org(con, as_of, with_opportunity_stage=with_opportunity_stage)
        _write_label_scores(con, as_of)
    finally:
        con.close()


def _write_label_org(con: Any, as_of: dt.date, *, with_opportunity_stage: bool = True) -> None:
    old = _at(as_of, 400)
    insert_rows(
        con,
        "user",
        [
            {"id": "u1", "name": "Alice Adams", "is_active": True, **_audit(old)},
            {"id": "u2", "name": "Bob Brown", "is_active": True, **_audit(old)},
        ],
    )
    stages = [
        {
            "id": f"st{order}",
            "master_label": name,
            "sort_order": order,
            "is_active": True,
            "is_closed": closed,
            "is_won": won,
            "default_probability": prob,
            **_audit(old),
        }
        for name, order, closed, won, prob in DEFAULT_LADDER
    ]
    if with_opportunity_stage:
        insert_rows(con, "opportunity_stage", stages)
    sizes = {"acc1": 5000, "acc2": 20, "acc3": 800, "acc4": 150, "acc6": 12000}
    insert_rows(
        con,
        "account",
        [
            {
                "id": f"acc{i}",
                "name": f"Company {i}",
                "industry": "Technology" if i % 2 else "Healthcare",
                "number_of_employees": sizes.get(f"acc{i}"),
                "owner_id": "u1",
                "is_deleted": False,
                **_audit(old),
            }
            for i in range(1, 14)
        ],
    )
    contacts = [
        ("c1", "acc1", 60),
        ("c2", "acc2", 60),
        ("c3", "acc3", 60),
        ("c4", "acc4", 60),
        ("c5", "acc5", 5),
        ("c6", "acc6", 5),
        ("c7", "acc7", 40),
        ("c8", "acc8", 60),
        ("c9", "acc9", 60),
        ("c10", "acc10", 60),
        ("c11", "acc11", 20),
        ("c12", "acc12", -2),
        ("c13", "acc13", 200),
    ]
    contact_rows = [
        {
            "id": cid,
            "account_id": acc,
            "first_name": "Contact",
            "last_name": cid.upper(),
            "name": f"Contact {cid.upper()}",
            "email": f"{cid}@company{acc[3:]}.com",
            "title": "VP Engineering",
            "lead_source": "Web" if int(cid[1:]) % 2 else "Partner Referral",
            "owner_id": "u2" if cid in ("c3", "c7") else "u1",
            "is_deleted": cid == "c11",
            **_audit(_at(as_of, age), _at(as_of, min(age, 1))),
        }
        for cid, acc, age in contacts
    ]
    # An older version of c1 (an earlier load): the newest SystemModstamp wins.
    contact_rows.append(
        {
            **contact_rows[0],
            "name": "Stale Name",
            "system_modstamp": _at(as_of, 59),
            "_dlt_load_id": "1600000000.0",
        }
    )
    insert_rows(con, "contact", contact_rows)

    def opp(oid, account, created_days, stage, owner="u1", **text):
        order = {n: o for n, o, *_ in DEFAULT_LADDER}.get(stage)
        closed = stage.startswith("Closed")
        return {
            "id": oid,
            "account_id": account,
            "name": f"Deal {oid}",
            "stage_name": stage,
            "stage_sort_order": order,
            "amount": 10000.0 * (1 + "ABCDEFGH".index(oid[-1])),
            "close_date": as_of,
            "is_closed": closed,
            "is_won": stage == "Closed Won",
            "owner_id": owner,
            "is_deleted": False,
            **text,
            **_audit(_at(as_of, created_days), _at(as_of, 0)),
        }

    insert_rows(
        con,
        "opportunity",
        [
            opp(
                "oppA",
                "acc2",
                55,
                "Closed Lost",
                description="<p>Small business, <b>no budget</b> this year.</p>",
                loss_reason_c="No budget",
            ),
            opp(
                "oppB",
                "acc1",
                50,
                "Closed Lost",
                owner="u2",
                description="Enterprise rollout; needs API integrations with their platform.",
                next_step="Security review",
                loss_reason_c="Went with another vendor",
            ),
            opp(
                "oppC",
                "acc2",
                3,
                "Closed Won",
                description="Fortune 500 healthcare group, budget approved for the API platform.",
            ),
            opp("oppD", "acc3", 50, "Needs Analysis"),
            opp("oppE", "acc8", 50, "Prospecting", description="Student &amp; thesis project"),
            opp("oppF", "acc9", 50, "Stage Zeta", next_step="   call\n\n back   "),
            opp("oppG", "acc10", 20, "Qualification", description="Went dark."),
            opp("oppH", "acc4", 70, "Negotiation/Review", description="Enterprise deal"),
        ],
    )
    history = [
        ("oppA", "Prospecting", 55),
        ("oppA", "Closed Lost", 40),
        ("oppB", "Prospecting", 50),
        ("oppB", "Qualification", 45),
        ("oppB", "Closed Lost", 30),
        ("oppC", "Prospecting", 3),
        ("oppC", "Closed Won", 1),
        ("oppF", "Prospecting", 50),
        ("oppF", "Stage Zeta", 40),
        ("oppG", "Prospecting", 20),
        ("oppG", "Qualification", -1),
        ("oppH", "Prospecting", 70),
        ("oppH", "Negotiation/Review", 65),
    ]
    insert_rows(
        con,
        "opportunity_history",
        [
            {
                "id": f"oh{i}",
                "opportunity_id": oid,
                "stage_name": stage,
                "created_date": _at(as_of, days),
                "system_modstamp": _at(as_of, days),
                "is_deleted": False,
            }
            for i, (oid, stage, days) in enumerate(history)
        ],
    )
    roles = [
        ("c1", "oppB", False),
        ("c2", "oppA", False),
        ("c6", "oppC", False),
        ("c8", "oppE", False),
        ("c9", "oppF", False),
        ("c10", "oppG", False),
        # Deleted: would make c4 progressed if it counted.
        ("c4", "oppB", True),
    ]
    insert_rows(
        con,
        "opportunity_contact_role",
        [
            {
                "id": f"ocr{i}",
                "opportunity_id": oid,
                "contact_id": cid,
                "role": "Decision Maker",
                "is_primary": True,
                "is_deleted": deleted,
                **_audit(_at(as_of, 1)),
            }
            for i, (cid, oid, deleted) in enumerate(roles)
        ],
    )
    insert_rows(
        con,
        "lead",
        [
            {
                "id": "lead7",
                "company": "Company 7",
                "is_converted": True,
                "converted_date": as_of - dt.timedelta(days=3),
                "converted_account_id": "acc7",
                "converted_contact_id": "c7",
                "converted_opportunity_id": "oppC",
                "is_deleted": False,
                **_audit(_at(as_of, 45)),
            },
            {"id": "lead9", "company": "Open lead", "is_converted": False, **_audit(old)},
        ],
    )


#: (contact, business_context score, demographic score); decision = score >= 0.5.
LABEL_SCORES = [
    ("c1", 0.90, 0.40),
    ("c2", 0.80, 0.60),
    ("c3", 0.30, 0.70),
    ("c4", 0.20, 0.30),
    ("c5", 0.70, 0.20),
    ("c6", 0.60, 0.50),
    ("c7", 0.40, 0.50),
    ("c8", 0.10, 0.20),
    ("c9", 0.55, 0.30),
    ("c10", 0.45, 0.80),
    ("c11", 0.50, 0.50),
]

#: The outcome every contact gets, per model (c11 is deleted: no outcome).
LABEL_OUTCOMES = {
    "business_context": {
        "c1": "TP",
        "c2": "FP",
        "c3": "FN",
        "c4": "TN",
        "c5": "pending",
        "c6": "TP",
        "c7": "FN",
        "c8": "TN",
        "c9": "FP",
        "c10": "TN",
    },
    "demographic": {
        "c1": "FN",
        "c2": "FP",
        "c3": "TP",
        "c4": "TN",
        "c5": "pending",
        "c6": "TP",
        "c7": "TP",
        "c8": "TN",
        "c9": "TN",
        "c10": "FP",
    },
}


def _write_label_scores(con: Any, as_of: dt.date) -> None:
    scored_at = dt.datetime.combine(as_of, dt.time(23))
    rows = []
    for cid, business, demographic in LABEL_SCORES:
        rows.append(
            {
                "contact_id": cid,
                "model": "business_context",
                "model_version": "1.0",
                "as_of": as_of,
                "scored_at": scored_at,
                "domain": f"{cid}.example.com",
                "domain_source": "email",
                "score": business,
                "is_qualified": business >= 0.5,
                "confidence": "HIGH" if business >= 0.8 else "UNCERTAIN",
                "industries": "Technology" if cid != "c8" else "Education",
                "use_cases": "API/Integration, SaaS/Platform" if cid in ("c1", "c2") else None,
                "enterprise_indicators": "Enterprise scale" if cid == "c1" else None,
                "reasoning": (
                    "Enterprise technology company with API integration needs."
                    if cid == "c1"
                    else "Student or academic project at a school; too small."
                    if cid == "c8"
                    else f"Technology industry; score {business:.2f}."
                ),
                "business_signals": '{"employees": 100}',
                "status": "ok",
            }
        )
        rows.append(
            {
                "contact_id": cid,
                "model": "demographic",
                "model_version": "1.0",
                "as_of": as_of,
                "scored_at": scored_at,
                "domain": f"{cid}.example.com",
                "domain_source": "website",
                "score": demographic,
                "is_qualified": demographic >= 0.5,
                "confidence": "CONFIDENT",
                "reasoning": "Company size and title seniority.",
                "business_signals": "{}",
                "status": "ok",
            }
        )
    # A failed call: counted as a scoring error, never as a contact.
    rows.append(
        {
            "contact_id": "c13",
            "model": "business_context",
            "model_version": "1.0",
            "as_of": as_of,
            "scored_at": scored_at,
            "status": "error",
            "error": "HTTP 503",
        }
    )
    # Another as_of: ignored.
    rows.append({**rows[0], "as_of": as_of - dt.timedelta(days=7), "score": 0.01})
    insert_qualifications(con, rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=LABEL_AS_OF)
    args = parser.parse_args(argv)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    args.db.unlink(missing_ok=True)
    write_label_example(args.db, as_of=args.as_of)


if __name__ == "__main__":
    main()
