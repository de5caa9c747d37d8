"""The demo org generator: determinism, Data Export format, integrity, mess, labels, mutations."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import math
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from extract.demo import generate
from extract.demo.generate import (
    NO_ACCOUNT,
    OBJECT_FILES,
    UNKNOWN_STAGES,
    columns_of,
    generate_org,
    id_counters,
    main,
    make_ids,
    mutate_org,
)
from extract.salesforce.objects import OBJECTS

ANCHOR = date(2026, 3, 15)
MIDNIGHT = "2026-03-15 00:00:00"
TAXONOMY = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "signal_taxonomy.csv"
DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")

Rows = list[dict[str, str]]


def read(org: Path, name: str) -> Rows:
    with open(org / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def read_all(org: Path) -> dict[str, Rows]:
    return {name: read(org, name) for name in OBJECT_FILES}


@pytest.fixture(scope="module", params=[1, 2], ids=["one-shard", "two-shards"])
def shards(request: pytest.FixtureRequest) -> int:
    return request.param


@pytest.fixture(scope="module")
def org(shards: int, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2,000-contact org, whole and written in two shards (as a huge org is): every
    check of the org's format, integrity and story holds for both."""
    out = tmp_path_factory.mktemp("org")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generate, "SHARD_CONTACTS", 2000 // shards)
        generate_org(out, contacts=2000, seed=11, anchor=ANCHOR)
    return out


@pytest.fixture(scope="module")
def tables(org: Path) -> dict[str, Rows]:
    return read_all(org)


# -- determinism and counts ---------------------------------------------------------------------


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    first = generate_org(tmp_path / "a", contacts=300, seed=5, anchor=ANCHOR)
    second = generate_org(tmp_path / "b", contacts=300, seed=5, anchor=ANCHOR)
    assert first == second
    for name in OBJECT_FILES:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (
            tmp_path / "b" / f"{name}.csv"
        ).read_bytes(), name


def test_the_org_is_the_one_generated_before(tmp_path: Path) -> None:
    """The files of a small org are pinned: refactoring the generator must not change what
    it writes (the verdicts on the demo org would move). An intended change updates this
    digest, and GENERATOR_VERSION when cached orgs must be made again."""
    generate_org(tmp_path, contacts=300, seed=5, anchor=ANCHOR)
    digest = hashlib.sha256()
    for name in OBJECT_FILES:
        digest.update((tmp_path / f"{name}.csv").read_bytes())
    assert digest.hexdigest() == (
        "6bf9add0883ebd958f880e3ef7923249ecc583ae8867666d361d78bb4e343e01"
    )


def test_another_seed_or_anchor_gives_another_org(tmp_path: Path) -> None:
    generate_org(tmp_path / "a", contacts=300, seed=5, anchor=ANCHOR)
    generate_org(tmp_path / "b", contacts=300, seed=6, anchor=ANCHOR)
    generate_org(tmp_path / "c", contacts=300, seed=5, anchor=ANCHOR + timedelta(days=1))
    contacts = [(tmp_path / d / "Contact.csv").read_bytes() for d in "abc"]
    assert contacts[0] != contacts[1]
    assert contacts[0] != contacts[2]


def test_counts_equal_rows_in_files(org: Path, tmp_path: Path) -> None:
    counts = generate_org(tmp_path, contacts=2000, seed=11, anchor=ANCHOR)
    assert list(counts) == list(OBJECT_FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.csv" for n in OBJECT_FILES)
    for name, rows in counts.items():
        assert len(read(tmp_path, name)) == rows, name
    assert counts["Contact"] == 2000
    assert counts["OpportunityStage"] == 10
    assert counts["User"] >= 20


def test_tiny_org_still_has_every_object(tmp_path: Path) -> None:
    counts = generate_org(tmp_path, contacts=1, seed=1, anchor=ANCHOR)
    assert counts["Contact"] == 1
    assert all(columns_in(tmp_path, name) == columns_of(name) for name in OBJECT_FILES)
    with pytest.raises(ValueError):
        generate_org(tmp_path, contacts=0)


# -- format -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", OBJECT_FILES)
def test_every_value_is_quoted_and_lines_end_in_lf(org: Path, name: str) -> None:
    raw = (org / f"{name}.csv").read_bytes()
    assert b"\r\n" not in raw
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    # Writing the parsed records back fully quoted reproduces the file only if every value
    # (header included) was quoted with embedded quotes doubled.
    again = io.StringIO()
    csv.writer(again, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(records)
    assert again.getvalue() == text


@pytest.mark.parametrize("name", OBJECT_FILES)
def test_header_has_every_contract_field_and_values_match_types(
    tables: dict[str, Rows], org: Path, name: str
) -> None:
    with open(org / f"{name}.csv", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == columns_of(name)
    assert set(OBJECTS[name].fields) - OBJECTS[name].multi_currency_fields <= set(header)
    for row in tables[name]:
        for field, kind in OBJECTS[name].fields.items():
            if field in OBJECTS[name].multi_currency_fields:
                continue  # a single-currency org (test_currencies covers the other kind)
            value = row[field]
            if kind == "bool":
                assert value in ("0", "1"), (field, value)
            elif value == "":
                assert field not in ("Id", "CreatedDate"), field
            elif kind == "datetime":
                assert DATETIME.match(value), (field, value)
            elif kind == "date":
                assert DATE.match(value), (field, value)
            elif kind == "int":
                assert value.isdigit(), (field, value)
            elif kind == "double":
                assert math.isfinite(float(value)), (field, value)
            elif kind == "id":
                assert len(value) == 18, (field, value)


def test_junk_columns_and_custom_loss_reason_are_present(org: Path) -> None:
    assert {"MailingStreet", "Phone", "Fax"} <= set(columns_of("Contact"))
    assert {"Phone", "BillingStreet"} <= set(columns_of("Account"))
    assert {"ForecastCategory", "Loss_Reason__c", "StageSortOrder"} <= set(
        columns_of("Opportunity")
    )
    streets = [r["MailingStreet"] for r in read(org, "Contact")]
    assert any("\n" in s for s in streets), "some multi-line addresses"


def test_ids_are_unique_salesforce_like_and_round_trip(tables: dict[str, Rows]) -> None:
    prefixes = {
        "User": "005",
        "Account": "001",
        "Contact": "003",
        "Lead": "00Q",
        "Opportunity": "006",
        "OpportunityHistory": "008",
        "OpportunityContactRole": "00K",
        "OpportunityStage": "01J",
        "AccountHistory": "017",
        "ContactHistory": "017",
        "OpportunityFieldHistory": "017",
    }
    for name, prefix in prefixes.items():
        ids = [r["Id"] for r in tables[name]]
        assert len(set(ids)) == len(ids), name
        assert all(i.startswith(prefix) and len(i) == 18 and i.isalnum() for i in ids), name
        assert all(i[15:] == case_safe_suffix(i[:15]) for i in ids), name
    assert case_safe_suffix(NO_ACCOUNT[:15]) == NO_ACCOUNT[15:]
    counters = np.array([0, 1, 61, 62, 10**9])
    assert (id_counters(make_ids("Contact", counters)) == counters).all()


def case_safe_suffix(id15: str) -> str:
    """Salesforce's documented 15-to-18 character checksum, written independently."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    out = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]) if ch.isupper())
        out += alphabet[bits]
    return out


def test_audit_fields_are_ordered_and_before_the_anchor(tables: dict[str, Rows]) -> None:
    for name, rows in tables.items():
        for row in rows:
            stamps = [
                row[f] for f in ("CreatedDate", "LastModifiedDate", "SystemModstamp") if f in row
            ]
            assert stamps == sorted(stamps), (name, row["Id"], stamps)
            assert stamps[-1] < MIDNIGHT, (name, row["Id"])


def test_many_rows_share_a_system_modstamp(tables: dict[str, Rows]) -> None:
    for name in ("Contact", "Account", "Lead"):
        stamps = [r["SystemModstamp"] for r in tables[name]]
        top = max(stamps.count(s) for s in set(stamps))
        assert top >= 0.05 * len(stamps), name


def test_contacts_spread_over_120_days(tables: dict[str, Rows]) -> None:
    created = [datetime.fromisoformat(r["CreatedDate"]) for r in tables["Contact"]]
    start = datetime(2026, 3, 15) - timedelta(days=30)
    share = sum(c > start for c in created) / len(created)
    assert 0.2 < share < 0.3
    assert min(created) > datetime(2026, 3, 15) - timedelta(days=121)


# -- content ------------------------------------------------------------------------------------


def test_referential_integrity(tables: dict[str, Rows]) -> None:
    ids = {name: {r["Id"] for r in rows} for name, rows in tables.items()}
    users = ids["User"]
    for contact in tables["Contact"]:
        assert contact["AccountId"] in ids["Account"] | {"", NO_ACCOUNT}
        assert contact["OwnerId"] in users
    for account in tables["Account"]:
        assert account["OwnerId"] in users
    for opp in tables["Opportunity"]:
        assert opp["AccountId"] in ids["Account"]
        assert opp["OwnerId"] in users
    for history in tables["OpportunityHistory"]:
        assert history["OpportunityId"] in ids["Opportunity"]
        assert history["CreatedById"] in users
    for role in tables["OpportunityContactRole"]:
        assert role["OpportunityId"] in ids["Opportunity"]
        assert role["ContactId"] in ids["Contact"]
    for lead in tables["Lead"]:
        assert lead["OwnerId"] in users
        if lead["IsConverted"] == "1":
            assert lead["ConvertedContactId"] in ids["Contact"]
            assert lead["ConvertedAccountId"] in ids["Account"]
            assert lead["ConvertedOpportunityId"] in ids["Opportunity"] | {""}
            assert DATE.match(lead["ConvertedDate"])
        else:
            assert lead["ConvertedContactId"] == lead["ConvertedOpportunityId"] == ""


def test_roles_link_contacts_of_the_opportunity_account(tables: dict[str, Rows]) -> None:
    contact_account = {c["Id"]: c["AccountId"] for c in tables["Contact"]}
    opps = {o["Id"]: o for o in tables["Opportunity"]}
    primaries: dict[str, int] = {}
    for role in tables["OpportunityContactRole"]:
        assert contact_account[role["ContactId"]] == opps[role["OpportunityId"]]["AccountId"]
        primaries[role["OpportunityId"]] = primaries.get(role["OpportunityId"], 0) + (
            role["IsPrimary"] == "1"
        )
    assert all(n == 1 for n in primaries.values())
    share = len(primaries) / len(opps)
    assert 0.3 < share < 0.5, share
    roles = {r["Role"] for r in tables["OpportunityContactRole"]}
    assert {"Decision Maker", "Economic Buyer", "Technical Buyer", "Influencer"} <= roles


def test_opportunities_follow_the_default_ladder(tables: dict[str, Rows]) -> None:
    ladder = {s["MasterLabel"]: s for s in tables["OpportunityStage"]}
    assert [s["MasterLabel"] for s in sorted(ladder.values(), key=lambda s: int(s["SortOrder"]))][
        :2
    ] == ["Prospecting", "Qualification"]
    assert ladder["Closed Won"]["IsWon"] == "1" and ladder["Closed Lost"]["IsClosed"] == "1"
    for opp in tables["Opportunity"]:
        stage = ladder[opp["StageName"]]
        assert opp["StageSortOrder"] == stage["SortOrder"]
        assert opp["IsClosed"] == stage["IsClosed"] and opp["IsWon"] == stage["IsWon"]
        assert opp["Probability"] == stage["DefaultProbability"]
    current = {o["StageName"] for o in tables["Opportunity"]}
    assert {"Prospecting", "Qualification", "Closed Won", "Closed Lost"} <= current


def test_history_is_consistent_with_the_current_stage(tables: dict[str, Rows]) -> None:
    ladder = {s["MasterLabel"] for s in tables["OpportunityStage"]}
    by_opp: dict[str, list[dict[str, str]]] = {}
    for row in tables["OpportunityHistory"]:
        by_opp.setdefault(row["OpportunityId"], []).append(row)
    for opp in tables["Opportunity"]:
        rows = by_opp.get(opp["Id"])
        if not rows:
            continue
        times = [r["CreatedDate"] for r in rows]
        assert times == sorted(times)
        assert rows[0]["CreatedDate"] == opp["CreatedDate"]
        known = [r["StageName"] for r in rows if r["StageName"] in ladder]
        assert known[-1] == opp["StageName"], opp["Id"]


def test_the_mess_is_present(tables: dict[str, Rows]) -> None:
    contacts, opps = tables["Contact"], tables["Opportunity"]
    assert any(c["IsDeleted"] == "1" for c in contacts)
    assert any(lead["IsDeleted"] == "1" for lead in tables["Lead"])
    assert any(c["AccountId"] == "" for c in contacts)
    assert any(c["AccountId"] == NO_ACCOUNT for c in contacts)
    emails = [c["Email"] for c in contacts]
    assert any(
        e.endswith(("@gmail.com", "@yahoo.com", "@hotmail.com", "@outlook.com")) for e in emails
    )
    assert any(e == "" for e in emails)
    assert any(e and not re.match(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", e) for e in emails)
    names = [c["FirstName"] + c["LastName"] for c in contacts]
    assert any(not n.isascii() for n in names)
    assert len({c["Name"] for c in contacts}) < len(contacts), "duplicate names"
    titles = {c["Title"] for c in contacts}
    assert {"Student", "CFO", "SVP, Operations"} & titles
    notes = [o["Description"] for o in opps]
    assert any("<script>alert(1)</script>" in n for n in notes)
    assert any("&amp;" in n or "<p>" in n or "<br>" in n for n in notes)
    assert any(not (o["Description"] or o["NextStep"] or o["Loss_Reason__c"]) for o in opps)
    assert any(o["CloseDate"] < o["CreatedDate"][:10] for o in opps)
    history_stages = {h["StageName"] for h in tables["OpportunityHistory"]}
    assert set(UNKNOWN_STAGES) <= history_stages
    with_history = {h["OpportunityId"] for h in tables["OpportunityHistory"]}
    assert 0.02 < sum(o["Id"] not in with_history for o in opps) / len(opps) < 0.1
    descriptions = [a["Description"] for a in tables["Account"]]
    assert any(len(d) > 10_000 for d in descriptions)
    assert any(d == "" for d in descriptions)
    assert len({a["Industry"] for a in tables["Account"]} - {""}) >= 8
    assert any(a["Industry"] == "" for a in tables["Account"])
    assert any(a["Type"] == "Customer - Direct" for a in tables["Account"])
    websites = [a["Website"] for a in tables["Account"]]
    assert any(w.startswith("https://") for w in websites)
    assert any(w.startswith("http://") for w in websites)
    assert any(w == "" for w in websites)


def test_converted_leads_point_at_opportunities_some_without_roles(
    tables: dict[str, Rows],
) -> None:
    with_roles = {r["OpportunityId"] for r in tables["OpportunityContactRole"]}
    converted = [r for r in tables["Lead"] if r["IsConverted"] == "1"]
    pointed = [r["ConvertedOpportunityId"] for r in converted if r["ConvertedOpportunityId"]]
    assert converted and pointed
    assert any(o not in with_roles for o in pointed)
    assert any(r["IsConverted"] == "0" for r in tables["Lead"])


def test_ae_notes_use_the_taxonomy_words(tables: dict[str, Rows]) -> None:
    patterns = taxonomy()
    tagged = dict.fromkeys(patterns, 0)
    for opp in tables["Opportunity"]:
        text = " ".join((opp["Description"], opp["NextStep"], opp["Loss_Reason__c"]))
        for signal, pattern in patterns.items():
            tagged[signal] += bool(pattern.search(text))
    for signal in ("api_integration", "budget_confirmed", "executive_sponsor", "no_budget"):
        assert tagged[signal] > 0, signal
    for signal in ("competitor", "student", "too_small", "no_response"):
        assert tagged[signal] > 0, signal


# -- labels -------------------------------------------------------------------------------------


def taxonomy() -> dict[str, re.Pattern[str]]:
    with open(TAXONOMY, encoding="utf-8", newline="") as fh:
        return {r["signal"]: re.compile(r["pattern"], re.I) for r in csv.DictReader(fh)}


def outcomes(tables: dict[str, Rows], anchor: date) -> dict[str, str]:
    """Each live contact's outcome, as DESIGN.md defines it (roles, lead, account fallback)."""
    as_of = datetime.combine(anchor, datetime.min.time())
    ladder = {
        s["MasterLabel"]: (int(s["SortOrder"]), s["IsClosed"] == "1", s["IsWon"] == "1")
        for s in tables["OpportunityStage"]
    }

    def beyond_stage_one(stage: str) -> bool:
        if stage not in ladder:
            return False
        order, closed, won = ladder[stage]
        return won or (not closed and order > 1)

    opps = {o["Id"]: o for o in tables["Opportunity"] if o["IsDeleted"] == "0"}
    reached = {i: {o["StageName"]} for i, o in opps.items()}
    for h in tables["OpportunityHistory"]:
        if h["OpportunityId"] in reached and h["IsDeleted"] == "0":
            reached[h["OpportunityId"]].add(h["StageName"])
    progressed = {i: any(beyond_stage_one(s) for s in stages) for i, stages in reached.items()}
    roles: dict[str, list[str]] = {}
    for r in tables["OpportunityContactRole"]:
        if r["IsDeleted"] == "0" and r["OpportunityId"] in opps:
            roles.setdefault(r["ContactId"], []).append(r["OpportunityId"])
    leads: dict[str, list[str]] = {}
    for lead in tables["Lead"]:
        if lead["IsDeleted"] == "0" and lead["ConvertedOpportunityId"] in opps:
            leads.setdefault(lead["ConvertedContactId"], []).append(lead["ConvertedOpportunityId"])
    by_account: dict[str, list[tuple[datetime, str]]] = {}
    for i, o in opps.items():
        by_account.setdefault(o["AccountId"], []).append(
            (datetime.fromisoformat(o["CreatedDate"]), i)
        )
    out = {}
    for c in tables["Contact"]:
        if c["IsDeleted"] == "1":
            continue
        created = datetime.fromisoformat(c["CreatedDate"])
        window = created + timedelta(days=90)
        linked = (
            roles.get(c["Id"])
            or leads.get(c["Id"])
            or [i for t, i in by_account.get(c["AccountId"], []) if created <= t <= window]
        )
        if any(progressed[i] for i in linked):
            out[c["Id"]] = "progressed"
        elif created > as_of - timedelta(days=14):
            out[c["Id"]] = "pending"
        else:
            out[c["Id"]] = "not progressed"
    return out


def test_progression_share_is_plausible(tables: dict[str, Rows]) -> None:
    outcome = outcomes(tables, ANCHOR)
    judged = [o for o in outcome.values() if o != "pending"]
    share = judged.count("progressed") / len(judged)
    assert 0.2 <= share <= 0.45, share
    assert list(outcome.values()).count("pending") > 0


def test_business_context_predicts_progress_better_than_size(tmp_path: Path) -> None:
    generate_org(tmp_path, contacts=3000, seed=3, anchor=ANCHOR)
    tables = read_all(tmp_path)
    outcome = outcomes(tables, ANCHOR)
    accounts = {a["Id"]: a for a in tables["Account"]}
    patterns = taxonomy()
    weight = {"positive": 1.0, "negative": -1.5, "neutral": 0.0}
    with open(TAXONOMY, encoding="utf-8", newline="") as fh:
        polarity = {r["signal"]: weight[r["polarity"]] for r in csv.DictReader(fh)}
    y, demographic, business = [], [], []
    for c in tables["Contact"]:
        if outcome.get(c["Id"], "pending") == "pending":
            continue
        a = accounts.get(c["AccountId"], {})
        size = math.log10(float(a.get("NumberOfEmployees") or 0) + 1)
        revenue = math.log10(float(a.get("AnnualRevenue") or 0) + 1)
        senior = seniority(c["Title"])
        text = " ".join((a.get("Industry", ""), a.get("Description", ""), c["Title"], c["Email"]))
        signals = sum(polarity[s] for s, p in patterns.items() if p.search(text))
        y.append(outcome[c["Id"]] == "progressed")
        demographic.append(size + revenue / 14 + senior)
        business.append(0.5 * size + senior + signals)
    labels = np.array(y)
    assert auc(np.array(business), labels) > auc(np.array(demographic), labels) + 0.03


def seniority(title: str) -> float:
    t = title.lower()
    if re.search(r"\b(ceo|cfo|cto|cio|coo|chief|founder|president|evp|svp|vp)\b", t):
        return 2.0
    if re.search(r"\b(vice president|director|head|dean)\b", t):
        return 1.5
    return 1.0 if "manager" in t else 0.0


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """ROC AUC by the rank formula (ties share their average rank)."""
    _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    average = np.bincount(inverse, weights=ranks) / counts
    ranks = average[inverse]
    pos, neg = positive.sum(), (~positive).sum()
    return float((ranks[positive].sum() - pos * (pos + 1) / 2) / (pos * neg))


# -- field history ------------------------------------------------------------------------------

HISTORY = {
    "AccountHistory": ("Account", "AccountId"),
    "ContactHistory": ("Contact", "ContactId"),
    "OpportunityFieldHistory": ("Opportunity", "OpportunityId"),
}
#: Fields whose history rows carry OldValue and NewValue (long text areas do not).
WITH_VALUES = {
    "AccountHistory": {"Name", "Industry", "NumberOfEmployees", "AnnualRevenue", "Type"},
    "ContactHistory": {"Title", "LeadSource"},
    "OpportunityFieldHistory": {"NextStep", "StageName"},
}
WON_STORY = ("Signed customer after the", "Customer since", "Won in")


def chains(tables: dict[str, Rows], name: str) -> dict[tuple[str, str], Rows]:
    """Each (parent, field)'s value-carrying rows, oldest first (the file order)."""
    key = HISTORY[name][1]
    out: dict[tuple[str, str], Rows] = {}
    for row in tables[name]:
        if row["Field"] in WITH_VALUES[name]:
            out.setdefault((row[key], row["Field"]), []).append(row)
    return out


def replay(rows: Rows, current: str) -> str:
    """Undo the changes newest first from the current value; the value before the first."""
    value = current
    for row in reversed(rows):
        assert row["NewValue"] == value, row
        assert row["OldValue"] != row["NewValue"], row
        value = row["OldValue"]
    return value


def first_contact(tables: dict[str, Rows]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in tables["Contact"]:
        out[c["AccountId"]] = min(out.get(c["AccountId"], MIDNIGHT), c["CreatedDate"])
    return out


def test_field_history_rows_reference_existing_parents(
    tables: dict[str, Rows], shards: int
) -> None:
    users = {u["Id"] for u in tables["User"]}
    ids: list[str] = []
    for name, (parent, key) in HISTORY.items():
        parents = {r["Id"]: r for r in tables[parent]}
        assert tables[name], name
        for row in tables[name]:
            owner = parents[row[key]]
            assert row["CreatedById"] in users
            assert owner["CreatedDate"] <= row["CreatedDate"] < MIDNIGHT, (name, row)
            # Every edit moved the parent's LastModifiedDate (and SystemModstamp).
            assert row["CreatedDate"] <= owner["LastModifiedDate"], (name, row)
            assert row["IsDeleted"] == owner["IsDeleted"]
            assert row["Id"].startswith("017") and row["Id"][15:] == case_safe_suffix(row["Id"])
        # In time order (each shard's rows: the server sorts by SystemModstamp anyway).
        times = [r["CreatedDate"] for r in tables[name]]
        assert sum(b < a for a, b in itertools.pairwise(times)) < shards, name
        ids += [r["Id"] for r in tables[name]]
    assert len(set(ids)) == len(ids)


def test_tracked_changes_replay_backwards_to_the_old_values(tables: dict[str, Rows]) -> None:
    for name, (parent, _) in HISTORY.items():
        current = {r["Id"]: r for r in tables[parent]}
        found = chains(tables, name)
        assert {field for _, field in found} == WITH_VALUES[name], name
        for (pid, field), rows in found.items():
            assert rows[0]["OldValue"] == replay(rows, current[pid][field])
    # Employees are raised, never lowered, in this org.
    for row in tables["AccountHistory"]:
        if row["Field"] == "NumberOfEmployees" and row["OldValue"]:
            assert int(row["NewValue"]) > int(row["OldValue"])


def test_replayed_values_are_what_converted_leads_carried(tables: dict[str, Rows]) -> None:
    # A converted lead copied its account's Name and Industry, and its contact's Title, when
    # the contact arrived: before any later edit. Replaying history must give them back.
    accounts = {a["Id"]: a for a in tables["Account"]}
    contacts = {c["Id"]: c for c in tables["Contact"]}
    account_chains = chains(tables, "AccountHistory")
    contact_chains = chains(tables, "ContactHistory")
    checked = 0
    for lead in tables["Lead"]:
        if lead["IsConverted"] != "1":
            continue
        aid, cid = lead["ConvertedAccountId"], lead["ConvertedContactId"]
        for field, source, rows, record in (
            ("Company", "Name", account_chains.get((aid, "Name")), accounts[aid]),
            ("Industry", "Industry", account_chains.get((aid, "Industry")), accounts[aid]),
            ("Title", "Title", contact_chains.get((cid, "Title")), contacts[cid]),
        ):
            if rows:
                assert lead[field] == replay(rows, record[source]), (lead["Id"], field)
                checked += 1
    assert checked >= 5


def test_long_text_and_created_rows_carry_no_values(tables: dict[str, Rows]) -> None:
    created = {a["Id"]: a["CreatedDate"] for a in tables["Account"]}
    for name in HISTORY:
        for row in tables[name]:
            if row["Field"] in ("Description", "created"):
                assert row["OldValue"] == row["NewValue"] == "", row
    rows = tables["AccountHistory"]
    assert {r["Field"] for r in rows} >= {"created", "Description"}
    assert all(r["CreatedDate"] == created[r["AccountId"]] for r in rows if r["Field"] == "created")
    assert not any(r["Field"] == "Website" for r in rows)  # never tracked
    assert any(r["Field"] == "Description" for r in tables["OpportunityFieldHistory"])


def test_accounts_edited_after_their_contacts_arrived(tables: dict[str, Rows]) -> None:
    first = first_contact(tables)
    accounts = [a for a in tables["Account"] if a["Id"] in first]
    with_values, without_values = set(), set()
    for row in tables["AccountHistory"]:
        if row["AccountId"] in first and row["CreatedDate"] > first[row["AccountId"]]:
            if row["Field"] == "Description":
                without_values.add(row["AccountId"])
            elif row["Field"] not in ("created", "Type"):
                with_values.add(row["AccountId"])
    share = len(with_values | without_values) / len(accounts)
    assert 0.1 < share < 0.3, share
    # Descriptions rewritten after the deal was won flatter a model reading them; some of
    # those edits left a (value-less) history row, others only moved LastModifiedDate.
    story = [a for a in accounts if a["Description"].startswith(WON_STORY)]
    assert len(story) >= 10
    assert all(a["Type"] == "Customer - Direct" for a in story)
    assert all(a["LastModifiedDate"] > first[a["Id"]] for a in story)
    tracked = [a for a in story if a["Id"] in without_values]
    assert 0 < len(tracked) < len(story)


def test_last_stage_change_date_agrees_with_history(tables: dict[str, Rows]) -> None:
    newest: dict[str, str] = {}
    for row in tables["OpportunityHistory"]:
        newest[row["OpportunityId"]] = max(newest.get(row["OpportunityId"], ""), row["CreatedDate"])
    recent = (datetime(2026, 3, 15) - timedelta(days=7)).isoformat(" ")
    moved_lately = 0
    for opp in tables["Opportunity"]:
        change = opp["LastStageChangeDate"]
        assert opp["CreatedDate"] <= change <= opp["LastModifiedDate"], opp["Id"]
        if opp["Id"] in newest:
            assert change == newest[opp["Id"]], opp["Id"]
        elif change > recent and change > opp["CreatedDate"]:
            moved_lately += 1
    # A backtest a week back meets deals without history whose stage moved after its AS_OF.
    assert moved_lately >= 2, moved_lately


def test_stage_name_field_history_follows_opportunity_history(tables: dict[str, Rows]) -> None:
    stages = {
        (r["OpportunityId"], r["CreatedDate"]): r["StageName"] for r in tables["OpportunityHistory"]
    }
    rows = [r for r in tables["OpportunityFieldHistory"] if r["Field"] == "StageName"]
    assert rows
    for row in rows:
        assert stages[row["OpportunityId"], row["CreatedDate"]] == row["NewValue"]


# -- mutations ----------------------------------------------------------------------------------


def test_mutate_org_changes_exactly_what_it_reports(tmp_path: Path) -> None:
    generate_org(tmp_path, contacts=500, seed=2, anchor=ANCHOR)
    before = {r["Id"]: r for r in read(tmp_path, "Contact")}
    accounts_before = {r["Id"]: r for r in read(tmp_path, "Account")}
    at = datetime(2026, 3, 15, 9, 30, 0)
    changed = mutate_org(tmp_path, seed=9, at=at, new=30, updated=20, deleted=10)
    stamp = "2026-03-15 09:30:00"
    after = {r["Id"]: r for r in read(tmp_path, "Contact")}
    accounts_after = {r["Id"]: r for r in read(tmp_path, "Account")}

    assert {k: len(v) for k, v in changed.items()} == {"new": 30, "updated": 20, "deleted": 10}
    assert not changed["new"] & set(before)
    assert not changed["updated"] & changed["deleted"]
    assert set(after) == set(before) | changed["new"]
    for cid in changed["new"]:
        row = after[cid]
        assert row["CreatedDate"] == row["LastModifiedDate"] == row["SystemModstamp"] == stamp
        assert row["AccountId"] in accounts_after and row["IsDeleted"] == "0"
    for cid in changed["updated"]:
        assert after[cid]["Title"] != before[cid]["Title"]
        assert after[cid]["LastModifiedDate"] == after[cid]["SystemModstamp"] == stamp
        assert after[cid]["IsDeleted"] == "0"
    for cid in changed["deleted"]:
        assert before[cid]["IsDeleted"] == "0" and after[cid]["IsDeleted"] == "1"
        assert after[cid]["SystemModstamp"] == stamp
        assert after[cid]["LastModifiedDate"] == before[cid]["LastModifiedDate"]
    untouched = set(before) - changed["updated"] - changed["deleted"]
    assert all(after[cid] == before[cid] for cid in untouched)
    assert all(accounts_after[aid] == row for aid, row in accounts_before.items())
    new_accounts = set(accounts_after) - set(accounts_before)
    assert new_accounts and all(accounts_after[a]["CreatedDate"] == stamp for a in new_accounts)
    assert columns_in(tmp_path, "Contact") == columns_of("Contact")


def test_mutate_org_appends_field_history(tmp_path: Path) -> None:
    generate_org(tmp_path, contacts=500, seed=2, anchor=ANCHOR)
    before = {r["Id"]: r for r in read(tmp_path, "Contact")}
    history_before = {name: read(tmp_path, name) for name in HISTORY}
    accounts_before = {r["Id"] for r in read(tmp_path, "Account")}
    changed = mutate_org(
        tmp_path, seed=9, at=datetime(2026, 3, 15, 9, 30), new=30, updated=20, deleted=10
    )
    after = {r["Id"]: r for r in read(tmp_path, "Contact")}
    new_accounts = {r["Id"] for r in read(tmp_path, "Account")} - accounts_before
    history = {name: read(tmp_path, name) for name in HISTORY}
    for name, rows in history.items():
        assert rows[: len(history_before[name])] == history_before[name], name
    added = history["ContactHistory"][len(history_before["ContactHistory"]) :]
    assert {r["ContactId"] for r in added} == changed["updated"]
    for row in added:
        assert row["Field"] == "Title" and row["CreatedDate"] == "2026-03-15 09:30:00"
        assert row["OldValue"] == before[row["ContactId"]]["Title"]
        assert row["NewValue"] == after[row["ContactId"]]["Title"]
    added = history["AccountHistory"][len(history_before["AccountHistory"]) :]
    assert {r["AccountId"] for r in added} == new_accounts
    assert all(r["Field"] == "created" for r in added)
    assert history["OpportunityFieldHistory"] == history_before["OpportunityFieldHistory"]
    ids = [r["Id"] for rows in history.values() for r in rows]
    assert len(set(ids)) == len(ids)


def columns_in(org: Path, name: str) -> list[str]:
    with open(org / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def test_mutate_org_is_deterministic_and_refuses_the_past(tmp_path: Path) -> None:
    generate_org(tmp_path / "a", contacts=200, seed=2, anchor=ANCHOR)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    at = datetime(2026, 3, 16, 8, 0, 0)
    for folder in ("a", "b"):
        mutate_org(tmp_path / folder, seed=4, at=at, new=5, updated=5, deleted=5)
    for name in ("Contact", "Account", "ContactHistory", "AccountHistory"):
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (
            tmp_path / "b" / f"{name}.csv"
        ).read_bytes()
    with pytest.raises(ValueError, match="earlier"):
        mutate_org(tmp_path / "a", seed=4, at=datetime(2026, 3, 1), new=1, updated=0, deleted=0)
    with pytest.raises(ValueError, match="live contacts"):
        mutate_org(tmp_path / "a", seed=4, at=at, new=0, updated=10_000, deleted=0)


# -- CLI ----------------------------------------------------------------------------------------


def test_cli_writes_the_org_and_prints_one_summary_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--out", str(tmp_path), "--contacts", "200", "--anchor", "2026-03-15"])
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "Contact=200" in lines[0] and lines[0].endswith("s)")
    assert (tmp_path / "OpportunityContactRole.csv").exists()
