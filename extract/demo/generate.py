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

An org is generated in shards of at most ``SHARD_CONTACTS`` contacts, each written as soon
as it is made, so memory does not grow with the org (10,000,000 contacts: 1.4 GiB peak RSS).

``mutate_org`` (``extract.demo.mutate``) changes a generated org in place (new, updated and
deleted contacts, all stamped ``at``) to test incremental loads.

The package, by concern: ``vocabulary.toml`` (every word, picklist value and weight drawn
from, as data; ``vocabulary`` loads it), ``arrays`` (seeded streams, string columns, ids,
timestamps), ``generators`` (one per object), ``history`` (field history), ``currencies``
(a multi-currency org), ``export`` (the CSV files), ``mutate``, and this module, which ties
them together.

CLI: ``python -m extract.demo.generate --out DIR --contacts N [--seed S] [--anchor DATE]``.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from extract.demo import history
from extract.demo import vocabulary as vocab
from extract.demo.arrays import (
    _audit,
    _deleted_stamp,
    _last_second,
    _pick,
    _rng,
    _take,
    _ts,
    _where,
    id_counters,
    make_ids,
)
from extract.demo.currencies import CURRENCY_FILES, Currencies, parse_currencies
from extract.demo.export import ObjectFiles, columns_of
from extract.demo.generators import (
    NO_ACCOUNT,
    _account_columns,
    _contact_roles,
    _Contacts,
    _contacts,
    _history,
    _leads,
    _Opportunities,
    _opportunities,
    _Shard,
    _shard,
    _stage_columns,
    _Users,
    _users,
)
from extract.demo.mutate import mutate_org
from extract.demo.vocabulary import STAGES, UNKNOWN_STAGES

__all__ = [
    "CURRENCY_FILES",
    "GENERATOR_VERSION",
    "NO_ACCOUNT",
    "OBJECT_FILES",
    "STAGES",
    "UNKNOWN_STAGES",
    "Currencies",
    "columns_of",
    "generate_org",
    "id_counters",
    "main",
    "make_ids",
    "mutate_org",
    "parse_currencies",
]

#: Bumped whenever the generated files change shape (objects, fields): a cached demo org
#: made by another version is generated again.
GENERATOR_VERSION = 4
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


# -- the org ------------------------------------------------------------------------------------


#: An org of more contacts is generated in shards of at most this many, one after another,
#: so memory stays that of one shard whatever the size (10 million contacts: 1.4 GiB peak RSS).
#: Each shard has its own accounts, contacts, opportunities and leads (ids continue from the
#: shard before); users and the stage ladder are shared. An org of this size or smaller is
#: one shard.
SHARD_CONTACTS = 1_000_000


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
    the corporate one) the org is multi-currency: see :class:`Currencies`. Files are
    written shard by shard (:data:`SHARD_CONTACTS`), so memory does not grow with the org.
    """
    if contacts < 1:
        raise ValueError("contacts must be at least 1")
    anchor = anchor or datetime.now(UTC).date()
    end = _last_second(anchor)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    money = Currencies(parse_currencies(",".join(currencies)), anchor) if currencies else None
    users = _users(_rng(seed, "users"), contacts=contacts, end=end)
    with ObjectFiles(out_dir) as files:
        files.write("User", users.columns)
        files.write("OpportunityStage", _stage_columns(end))
        shards = -(-contacts // SHARD_CONTACTS)
        for index in range(shards):
            size = contacts // shards + (index < contacts % shards)
            # Shard 0 draws from the streams an unsharded org used; the others from their own.
            rng = functools.partial(_shard_rng, seed, "" if index == 0 else f"/{index}")
            _write_shard(files, rng, contacts=size, users=users, money=money, end=end)
        if money:
            for name, columns in money.tables().items():
                files.write(name, columns)
    return {
        name: files.counts[name]
        for name in (*OBJECT_FILES, *CURRENCY_FILES)
        if name in files.counts
    }


def _shard_rng(seed: int, suffix: str, stream: str) -> np.random.Generator:
    return _rng(seed, stream + suffix)


def _write_shard(
    files: ObjectFiles,
    rng: Callable[[str], np.random.Generator],
    *,
    contacts: int,
    users: _Users,
    money: Currencies | None,
    end: int,
) -> None:
    """Generate ``contacts`` contacts with their accounts, opportunities and leads; append
    every object's rows to ``files`` (ids continue from the rows already there)."""
    first = files.counts.get
    shard = _shard(
        rng("accounts"), contacts=contacts, users=users, end=end, first_id=first("Account", 0)
    )
    ctc = _contacts(rng("contacts"), shard, first_id=first("Contact", 0))
    opps = _opportunities(rng("opportunities"), shard, ctc, first_id=first("Opportunity", 0))
    rows, changes = _final_contacts(
        rng("contact-edits"), shard, ctc, opps, first("ContactHistory", 0)
    )
    files.write("Contact", rows)
    files.write("ContactHistory", changes)
    # Written as soon as nothing later needs them (each object draws from its own stream,
    # so the order does not change the files): a shard's peak memory is what it holds at once.
    files.write("Lead", _leads(rng("leads"), shard, ctc, opps, first_id=first("Lead", 0)))
    rngs = (rng("account-columns"), rng("account-edits"))
    rows, changes = _final_accounts(rngs, shard, ctc, opps, first("AccountHistory", 0))
    files.write("Account", rows)
    files.write("AccountHistory", changes)
    del rows, changes
    history_rows, on_ladder, last_history = _history(
        rng("history"), opps, end=end, first_id=first("OpportunityHistory", 0)
    )
    files.write("OpportunityHistory", history_rows)
    del history_rows
    files.write(
        "OpportunityFieldHistory",
        _final_opportunities(
            rng("opportunity-edits"),
            opps,
            on_ladder=on_ladder,
            last_history=last_history,
            end=end,
            first_id=first("OpportunityFieldHistory", 0),
        ),
    )
    if money:
        money.convert(rng("currencies"), opps.columns)
    files.write("Opportunity", opps.columns, multi_currency=money is not None)
    roles = _contact_roles(
        rng("roles"), opps, ctc, end=end, first_id=first("OpportunityContactRole", 0)
    )
    files.write("OpportunityContactRole", roles)


def _progressed(opps: _Opportunities) -> np.ndarray:
    """Opportunities beyond Prospecting by the anchor (deleted ones not)."""
    stages, _, valid = opps.paths
    return (valid & (stages >= 1) & (stages != vocab.LOST)).any(axis=1) & ~opps.deleted


def _final_contacts(
    rng: np.random.Generator, shard: _Shard, ctc: _Contacts, opps: _Opportunities, first_id: int
) -> tuple[dict[str, pa.Array], dict[str, pa.Array]]:
    """Contact rows (titles and lead sources edited since) and their ContactHistory rows."""
    end, progressed = shard.end, _progressed(opps)

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
    return cols, edits.changes.columns("ContactHistory", ctc.ids, deleted, first=first_id)


def _final_opportunities(
    rng: np.random.Generator,
    opps: _Opportunities,
    *,
    on_ladder: np.ndarray,
    last_history: np.ndarray,
    end: int,
    first_id: int,
) -> dict[str, pa.Array]:
    """OpportunityFieldHistory rows; LastStageChangeDate and audit fields agree with them."""

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
    return changes.columns("OpportunityFieldHistory", opps.ids, opps.deleted, first=first_id)


def _final_accounts(
    rngs: tuple[np.random.Generator, np.random.Generator],
    shard: _Shard,
    contacts: _Contacts,
    opps: _Opportunities,
    first_id: int,
) -> tuple[dict[str, pa.Array], dict[str, pa.Array]]:
    """Account rows as they look at the anchor, and their AccountHistory rows (``rngs``: for
    the rows, for the edits).

    A won deal turns Type into a customer; some accounts were edited after their contacts
    arrived (see ``extract.demo.history``): the rows hold the new values.
    """
    rng, edits_rng = rngs
    progressed = _progressed(opps)
    acc, ids, created, end = shard.acc, shard.acc_ids, shard.acc_created, shard.end
    owners = _take(shard.users.ids, shard.acc_owner)
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
    types = _pick(rng, vocab.ACCOUNT_TYPES, n)
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
    return columns, edits.changes.columns("AccountHistory", ids, deleted, first=first_id)


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
