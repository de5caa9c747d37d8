"""Mutations of a generated demo org (time passing), to test incremental loads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from extract.demo import history
from extract.demo import vocabulary as vocab
from extract.demo.arrays import (
    _any,
    _cat,
    _const,
    _rng,
    _take,
    _ts,
    _where,
    id_counters,
    make_ids,
)
from extract.demo.export import _read_object, _write_object
from extract.demo.generators import _account_columns, _account_traits, _contact_columns, _people


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
    pool = [t for g in vocab.TITLE_GROUPS for t in g[2] if t]
    old = table["Title"].combine_chunks()
    pick = _any(rng, pool, n)
    other = _any(rng, pool, n)
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
