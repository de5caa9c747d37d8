"""Data quality, shown (issue #10): required columns checked at extract, a future
SystemModstamp that does not freeze incremental loads, and ``marts.data_quality`` (with its
report section and terminal line) counting what a small hand-made org holds, by hand.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.org_fixtures import write_org

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-20"


def env_for(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "BACKTEST_"))}
    env.update(BACKTEST_DB=str(db), DBT_SEND_ANONYMOUS_USAGE_STATS="false", MAKEFLAGS="")
    return env


def extract(org: Path, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "extract", "--org", str(org)],
        cwd=ROOT,
        env=env_for(db),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def at(day: int, second: int = 0) -> str:
    return f"2026-11-{day:02d} 10:00:{second:02d}"


def audit(created: str, modified: str | None = None) -> dict[str, str]:
    modified = modified or created
    return {"CreatedDate": created, "LastModifiedDate": modified, "SystemModstamp": modified}


def contact(n: int, **fields: str) -> dict[str, str]:
    row = {
        "Id": f"003{n:015d}",
        "AccountId": f"001{1:015d}",
        "LastName": f"Ng {n}",
        "Name": f"Zoë Ng {n}",
        "Email": f"zoe{n}@acme.com",
        "Title": "CFO",
        "IsDeleted": "0",
        **audit(at(1)),
    }
    row.update(fields)
    return row


# --- required columns -----------------------------------------------------------------------


def test_a_contact_file_without_created_date_is_refused_naming_file_column_and_why(
    tmp_path: Path,
) -> None:
    org = write_org(tmp_path / "org", {"Contact": [contact(1)]})
    path = org / "Contact.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        names = [n for n in rows[0] if n != "CreatedDate"]
        writer = csv.DictWriter(fh, names, quoting=csv.QUOTE_ALL, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    db = tmp_path / "wh.duckdb"
    done = extract(org, db)
    assert done.returncode == 2, done.stderr
    message = done.stderr
    assert f"{path} has no CreatedDate column" in message
    assert "the backtest window is the contacts created in it" in message
    assert "Re-export Contact with this field included" in message
    with duckdb.connect(str(db), read_only=True) as con:  # nothing of that run was loaded
        tables = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw_salesforce'"
            " and table_name = 'contact'"
        ).fetchone()
    assert tables == (0,)


# --- a future SystemModstamp ----------------------------------------------------------------


def test_a_future_modstamp_is_loaded_and_does_not_freeze_later_loads(tmp_path: Path) -> None:
    """Contact 2 is stamped 2030. Before the fix the cursor moved to 2030 and the later edit
    of contact 1 ("0 new or changed rows") never loaded."""
    folder = tmp_path / "org"
    first = [contact(1), contact(2, **audit(at(1), "2030-01-01 00:00:00"))]
    write_org(folder, {"Contact": first})
    db = tmp_path / "wh.duckdb"
    done = extract(folder, db)
    assert done.returncode == 0, done.stderr
    first_log = done.stderr
    time.sleep(1.1)  # the edit below happens after the first extract started
    edited_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    time.sleep(1.1)
    edited = contact(1, Title="CEO", LastModifiedDate=edited_at, SystemModstamp=edited_at)
    write_org(folder, {"Contact": [edited, first[1]]})
    done = extract(folder, db)
    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        titles = con.execute(
            "select id, title, system_modstamp from raw_salesforce.contact order by id"
        ).fetchall()
    assert [(t[0][-1], t[1]) for t in titles] == [("1", "CEO"), ("2", "CFO")]
    assert titles[1][2] == datetime(2030, 1, 1, tzinfo=UTC)  # the future stamp is kept
    assert "Contact: a SystemModstamp after this extract started" in first_log


# --- marts.data_quality ------------------------------------------------------------------------


def odd_org(folder: Path) -> Path:
    """Contacts: 1 normal (its account has a 40,000-character description), 2 created in
    1899, 3 created in 2199 and stamped 2030, 4 twice in the file, 5 without account and
    email. Opportunities: 1 fine (USD), 2 without stage, 3 at "Stage Zeta" (not on the
    ladder), 4 in EUR, which has no rate (CurrencyType knows only USD)."""
    accounts = [
        {"Id": f"001{i:015d}", "Name": f"Acme {i}", "IsDeleted": "0", **audit(at(1))}
        for i in (1, 2, 3)
    ]
    accounts[1]["Description"] = "API platform. " * 2900  # 40,600 characters
    contacts = [
        contact(1, AccountId=accounts[1]["Id"]),
        contact(2, **audit("1899-12-31 10:00:00", at(1))),
        contact(3, **audit("2199-01-01 00:00:00", "2030-01-01 00:00:00")),
        contact(4, **audit(at(2))),
        contact(4, **audit(at(2), at(3))),
        contact(5, AccountId="", Email=""),
    ]
    ladder = [("Prospecting", 1, "0", "0"), ("Qualification", 2, "0", "0")]
    ladder += [("Closed Won", 3, "1", "1"), ("Closed Lost", 4, "1", "0")]
    stages = [
        {
            "Id": f"01J{i:015d}",
            "MasterLabel": name,
            "SortOrder": str(order),
            "IsActive": "1",
            "IsClosed": closed,
            "IsWon": won,
            **audit(at(1)),
        }
        for i, (name, order, closed, won) in enumerate(ladder)
    ]
    opportunities = [
        {
            "Id": f"006{i:015d}",
            "AccountId": accounts[0]["Id"],
            "Name": f"Deal {i}",
            "StageName": stage,
            "Amount": "1000",
            "CurrencyIsoCode": currency,
            "CloseDate": "2026-12-01",
            "IsDeleted": "0",
            **audit(at(4)),
        }
        for i, (stage, currency) in enumerate(
            [("Prospecting", "USD"), ("", "USD"), ("Stage Zeta", "USD"), ("Prospecting", "EUR")],
            start=1,
        )
    ]
    currencies = [
        {
            "Id": f"02c{1:015d}",
            "IsoCode": "USD",
            "ConversionRate": "1",
            "IsActive": "1",
            "IsCorporate": "1",
            **audit(at(1)),
        }
    ]
    return write_org(
        folder,
        {
            "Account": accounts,
            "Contact": contacts,
            "OpportunityStage": stages,
            "Opportunity": opportunities,
            "CurrencyType": currencies,
        },
    )


#: (object, check) -> (affected, total), worked out by hand from odd_org.
EXPECTED = {
    ("Account", "dates_out_of_range"): (0, 3),
    ("Account", "duplicate_ids_in_load"): (0, 3),
    ("Account", "modstamp_in_future"): (0, 3),
    ("Contact", "dates_out_of_range"): (2, 6),
    ("Contact", "duplicate_ids_in_load"): (1, 6),
    ("Contact", "modstamp_in_future"): (1, 6),
    ("Contact", "without_account"): (1, 5),
    ("Contact", "without_email"): (1, 5),
    ("Opportunity", "dates_out_of_range"): (0, 4),
    ("Opportunity", "duplicate_ids_in_load"): (0, 4),
    ("Opportunity", "modstamp_in_future"): (0, 4),
    ("Opportunity", "without_stage"): (1, 4),
    ("Opportunity", "unknown_stage"): (1, 4),
    ("Opportunity", "amount_without_rate"): (1, 4),
    ("Qualification", "inputs_truncated"): (2, 6),  # contact 1, both models
    # contact 4 was edited a day after it arrived and the org keeps no ContactHistory: its
    # title, email and lead source may have changed since (both models)
    ("Qualification", "inputs_not_point_in_time"): (2, 6),
}
#: Objects this org has no file for: every record check finds nothing in no rows.
EMPTY = ("Lead", "OpportunityHistory", "OpportunityContactRole")


@pytest.fixture(scope="module")
def backtest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    work = tmp_path_factory.mktemp("quality")
    org = odd_org(work / "org")
    db = work / "wh.duckdb"
    done = subprocess.run(
        ["make", "--no-print-directory", "backtest", f"DB={db}", f"ORG={org}", f"AS_OF={AS_OF}"],
        cwd=ROOT,
        env=env_for(db),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return db, done.stdout


def test_data_quality_counts_match_the_hand_made_org(backtest: tuple[Path, str]) -> None:
    db, _ = backtest
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select object_name, check_name, affected_rows, total_rows from marts.data_quality"
        ).fetchall()
    found = {(o, c): (a, t) for o, c, a, t in rows}
    for name in EMPTY:
        for check in ("dates_out_of_range", "duplicate_ids_in_load", "modstamp_in_future"):
            assert found.pop((name, check)) == (0, 0), (name, check)
    assert found == EXPECTED


def test_the_terminal_summary_and_the_report_show_what_was_found(
    backtest: tuple[Path, str],
) -> None:
    db, out = backtest
    (line,) = [x for x in out.splitlines() if "Data quality" in x]
    assert line == (
        "   🧹 Data quality: Contact dates out of range 2, Qualification inputs not point in "
        "time 2, Qualification inputs truncated 2, Contact duplicate ids in load 1 and 6 more "
        "(see marts.data_quality)"
    )
    page = (db.parent / "report" / "index.html").read_text(encoding="utf-8")
    section = page.split('id="quality"', 1)[1].split("</section>", 1)[0]
    assert "Rows dated before 1970 or after 2100" in section
    assert "Amounts in a currency without a rate to the corporate currency" in section
    assert "select * from marts.data_quality;" in section
