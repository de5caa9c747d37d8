"""Field history of the demo org: records edited after they were created, as in real orgs.

Real orgs change records after the fact, and only some of those changes leave a trace:

- **tracked with values**: a field-history row (``AccountHistory``, ``ContactHistory``,
  ``OpportunityFieldHistory``) with ``OldValue`` and ``NewValue``;
- **tracked without values**: long text areas (``Description``) get a row saying the field
  changed, with both values empty, as Salesforce records them;
- **untracked**: only ``LastModifiedDate`` / ``SystemModstamp`` move. ``Account.Website``
  is never tracked; ``Account.Description``, ``Contact.Title`` and
  ``Opportunity.StageName`` are tracked only since an admin switched tracking on for them
  (``*_TRACKED_DAYS`` before the anchor), so older edits of them left nothing.

What changes (all before the anchor, the CSVs hold the newest values):

- about a fifth of the accounts (a quarter of those with contacts) are edited after their
  first contact arrived, far more often those whose deals were won (60%) or progressed
  (30%; others 8%): ``Description`` rewritten in words that flatter a model reading it
  ("Signed customer after the June deal was won; budget confirmed. ... Enterprise-wide
  rollout across 12 countries planned."), ``NumberOfEmployees`` raised, ``AnnualRevenue``
  changed, ``Industry`` filled in or reclassified, ``Website`` and ``Name`` now and then;
  ``Type`` becomes a customer type at the win. Accounts created since account history was
  switched on (``ACCOUNT_TRACKED_DAYS``) also carry the ``created`` row Salesforce writes;
- some contacts (~7%) get a new ``Title`` (promotions, more often for contacts whose deals
  progressed) or ``LeadSource``;
- opportunities: ``NextStep`` changes with the stages (tracked with values), the
  ``Description`` is rewritten at stage changes (tracked, no values), ``StageName`` changes
  are tracked here too for opportunities with ``OpportunityHistory``, since
  ``STAGE_TRACKED_DAYS`` before the anchor. ``LastStageChangeDate`` equals the newest
  OpportunityHistory row where there is one (``generators._history`` leaves more deals
  without history among those whose stage moved in the last ten days).

Everything is vectorised (numpy / pyarrow); the few Python loops run over fields and over
the n-th change of a field, never over rows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from extract.demo import vocabulary as vocab
from extract.demo.arrays import (
    DAY,
    _any,
    _cat,
    _const,
    _flag,
    _group_rank,
    _number,
    _strings,
    _take,
    _ts,
    _where,
    id_counters,
    make_ids,
)

if TYPE_CHECKING:
    from extract.demo.generators import _Accounts

#: Days before the anchor since when these fields are tracked (older edits left no row).
DESCRIPTION_TRACKED_DAYS = 45
TITLE_TRACKED_DAYS = 30
STAGE_TRACKED_DAYS = 90
#: Accounts created within this many days before the anchor have a ``created`` row.
ACCOUNT_TRACKED_DAYS = 540
#: Counter ranges of the field-history ids (they share Salesforce's ``017`` key prefix).
ID_BASE = {"AccountHistory": 0, "ContactHistory": 10**9, "OpportunityFieldHistory": 2 * 10**9}
#: The parent id field of each field-history object.
PARENT_FIELD = {
    "AccountHistory": "AccountId",
    "ContactHistory": "ContactId",
    "OpportunityFieldHistory": "OpportunityId",
}
HISTORY_OBJECTS = tuple(PARENT_FIELD)

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_SENIOR_TITLES = tuple(t for g in vocab.TITLE_GROUPS[:3] for t in g[2])
_SOURCES = tuple(s for s, _, _ in vocab.LEAD_SOURCES if s)


# -- rows ---------------------------------------------------------------------------------------


@dataclass
class Changes:
    """Field-history rows of one object, collected field by field, written in time order."""

    parent: list[np.ndarray] = field(default_factory=list)
    name: list[pa.Array] = field(default_factory=list)
    data_type: list[pa.Array] = field(default_factory=list)
    old: list[pa.Array] = field(default_factory=list)
    new: list[pa.Array] = field(default_factory=list)
    at: list[np.ndarray] = field(default_factory=list)
    by: list[pa.Array] = field(default_factory=list)

    def add(
        self,
        parent: np.ndarray,
        name: str,
        data_type: str,
        at: np.ndarray,
        by: pa.Array,
        old: pa.Array | None = None,
        new: pa.Array | None = None,
    ) -> None:
        """Rows for ``parent`` (indices); ``old``/``new`` None: a row without values."""
        m = len(parent)
        self.parent.append(np.asarray(parent, dtype=np.int64))
        self.name.append(_const(name, m))
        self.data_type.append(_const(data_type, m))
        self.old.append(_const("", m) if old is None else old)
        self.new.append(_const("", m) if new is None else new)
        self.at.append(np.asarray(at, dtype=np.int64))
        self.by.append(by)

    def last_at(self, n: int) -> np.ndarray:
        """Per parent, the time of its newest row (-1: none)."""
        out = np.full(n, -1, dtype=np.int64)
        if self.parent:
            np.maximum.at(out, np.concatenate(self.parent), np.concatenate(self.at))
        return out

    def columns(
        self, object_name: str, parent_ids: pa.Array, deleted: np.ndarray, *, first: int = 0
    ) -> dict[str, pa.Array]:
        """The CSV columns, ordered by (CreatedDate, parent); ids grow with CreatedDate."""
        if not self.parent:
            self.add(np.zeros(0, np.int64), "", "", np.zeros(0, np.int64), _strings([]))
        parent = np.concatenate(self.parent)
        at = np.concatenate(self.at)
        order = np.lexsort((np.arange(len(parent)), parent, at))
        parent, at = parent[order], at[order]

        def pick(parts: list[pa.Array]) -> pa.Array:
            return _take(pa.concat_arrays([p.cast(pa.string()) for p in parts]), order)

        m = len(parent)
        return {
            "Id": make_ids(object_name, ID_BASE[object_name] + first + np.arange(m)),
            PARENT_FIELD[object_name]: _take(parent_ids, parent),
            "Field": pick(self.name),
            "DataType": pick(self.data_type),
            "OldValue": pick(self.old),
            "NewValue": pick(self.new),
            "CreatedById": pick(self.by),
            "CreatedDate": _ts(at),
            "IsDeleted": _flag(np.asarray(deleted, dtype=bool)[parent]),
        }


def next_counter(ids: pa.Array, object_name: str) -> int:
    """The counter (past ``ID_BASE``) for the next row of a field-history file."""
    if len(ids) == 0:
        return 0
    return int(id_counters(ids).max()) - ID_BASE[object_name] + 1


def seconds(text: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` (UTC) -> epoch seconds."""
    parsed = pc.strptime(text, format="%Y-%m-%d %H:%M:%S", unit="s")
    return np.asarray(parsed.cast(pa.int64()))


def _scatter(base: pa.Array, idx: np.ndarray, values: pa.Array) -> pa.Array:
    """``base`` with ``base[idx] = values``."""
    n = len(base)
    pos = np.full(n, len(values), dtype=np.int64)
    pos[idx] = np.arange(len(values))
    mask = np.zeros(n, dtype=bool)
    mask[idx] = True
    return _where(mask, _take(pa.concat_arrays([values, _strings([""])]), pos), base)


def _keep(values: pa.Array, mask: np.ndarray) -> pa.Array:
    return values.filter(pa.array(np.asarray(mask, dtype=bool)))


def _month_names(at: np.ndarray) -> pa.Array:
    months = (np.asarray(at) // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(int)
    return _take(_MONTHS, months % 12)


def _fill(templates: tuple[str, ...], rng: np.random.Generator, value: pa.Array) -> pa.Array:
    """One template per row (picked at random), its one ``{}`` replaced by the row's value."""
    heads, tails = zip(*(t.split("{}") for t in templates), strict=True)
    pick = rng.integers(0, len(templates), len(value))
    return _cat(_take(heads, pick), value, _take(tails, pick))


# -- accounts -----------------------------------------------------------------------------------


@dataclass
class AccountEdits:
    current: _Accounts  # the account traits as they are at the anchor (the CSV's values)
    last_edit: np.ndarray  # per account, its last field edit (-1: none)
    edited_after_contact: np.ndarray  # per account: a field changed after a contact arrived
    changes: Changes


def account_edits(
    rng: np.random.Generator,
    acc: _Accounts,
    *,
    created: np.ndarray,
    first_contact: np.ndarray,
    deleted: np.ndarray,
    won_at: np.ndarray,
    progressed: np.ndarray,
    types_before: pa.Array,
    types_after: pa.Array,
    owners: pa.Array,
    end: int,
) -> AccountEdits:
    """Edits of accounts after their first contact arrived, and the rows tracking them.

    ``first_contact`` is each account's first contact's CreatedDate (``end`` when it has
    none), ``won_at`` its latest won deal (-1: none), ``progressed`` whether a deal of it
    moved beyond Prospecting.
    """
    n = len(acc)
    changes = Changes()
    # The "created" row, for accounts created since account history was switched on.
    fresh = np.flatnonzero(created >= end - ACCOUNT_TRACKED_DAYS * DAY)
    changes.add(fresh, "created", "Text", created[fresh], _take(owners, fresh))

    won = won_at >= 0
    lo = first_contact + 3600
    lo = np.where(won, np.maximum(lo, won_at + 600), lo)
    eligible = ~deleted & (lo < end - 2 * 3600)
    chance = np.where(won, 0.6, np.where(progressed, 0.3, 0.08))
    edited = np.flatnonzero(eligible & (rng.random(n) < chance))
    u = rng.random(len(edited))
    events = 1 + (u > 0.6) + (u > 0.88)
    ev_acc = np.repeat(edited, events)
    ev_at = lo[ev_acc] + (rng.random(len(ev_acc)) * (end - 10 - lo[ev_acc])).astype(np.int64)
    order = np.lexsort((ev_at, ev_acc))
    ev_acc, ev_at = ev_acc[order], ev_at[order]
    ev_rank = _group_rank(ev_acc)
    ev_at = ev_at + ev_rank  # strictly increasing per account
    m = len(ev_acc)
    hot = won[ev_acc] | progressed[ev_acc]
    # Which fields each edit changes.
    first = ev_rank == 0
    pick = {
        "Description": rng.random(m)
        < np.where(first, np.where(won[ev_acc], 0.95, np.where(hot, 0.85, 0.6)), 0.2),
        "NumberOfEmployees": rng.random(m) < np.where(hot, 0.45, 0.3),
        "AnnualRevenue": rng.random(m) < 0.25,
        "Industry": rng.random(m) < 0.1,
        "Name": rng.random(m) < 0.03,
        "Website": rng.random(m) < 0.06,
    }
    nothing = ~np.any(np.stack(list(pick.values())), axis=0) if m else np.zeros(0, bool)
    pick["NumberOfEmployees"] |= nothing

    cur = dataclasses.replace(acc)
    description_tracked = end - DESCRIPTION_TRACKED_DAYS * DAY
    for name, data_type in (
        ("Name", "Text"),
        ("Industry", "Picklist"),
        ("NumberOfEmployees", "Number"),
        ("AnnualRevenue", "Currency"),
        ("Website", "Url"),
        ("Description", "TextArea"),
    ):
        rows = np.flatnonzero(pick[name])
        step = _group_rank(ev_acc[rows])
        for s in range(int(step.max()) + 1 if len(step) else 0):
            r = rows[step == s]
            a, at = ev_acc[r], ev_at[r]
            old = _text_of(cur, name, a)
            cur = _change(rng, cur, name, a, won_at=won_at, won=won, hot=hot[r], s=s)
            new = _text_of(cur, name, a)
            if name == "Website":
                continue  # never tracked
            if name == "Description":
                tracked = at >= description_tracked
                changes.add(a[tracked], name, data_type, at[tracked], _take(owners, a[tracked]))
                continue
            changes.add(a, name, data_type, at, _take(owners, a), old, new)
    # Type turns into a customer type when a deal is won (tracked, a picklist).
    flipped = np.flatnonzero(won & np.asarray(pc.not_equal(types_before, types_after)))
    changes.add(
        flipped,
        "Type",
        "Picklist",
        won_at[flipped],
        _take(owners, flipped),
        _take(types_before, flipped),
        _take(types_after, flipped),
    )
    last_edit = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_edit, ev_acc, ev_at)
    after = np.zeros(n, dtype=bool)
    after[ev_acc] = True
    return AccountEdits(cur, last_edit, after, changes)


def _text_of(acc: _Accounts, name: str, idx: np.ndarray) -> pa.Array:
    """The CSV text of one account field, for the accounts at ``idx``."""
    if name == "Name":
        return _take(acc.name, idx)
    if name == "Website":
        return _take(acc.website, idx)
    if name == "Description":
        return _take(acc.description, idx)
    if name == "Industry":
        return _where(acc.industry_blank[idx], "", _take(vocab.INDUSTRY_NAMES, acc.industry[idx]))
    if name == "NumberOfEmployees":
        return _number(acc.employees[idx], blank=acc.employees_blank[idx])
    return _number(acc.revenue[idx], blank=acc.revenue_blank[idx])


def _change(
    rng: np.random.Generator,
    acc: _Accounts,
    name: str,
    idx: np.ndarray,
    *,
    won_at: np.ndarray,
    won: np.ndarray,
    hot: np.ndarray,
    s: int,
) -> _Accounts:
    """``acc`` with field ``name`` of the accounts at ``idx`` changed (never to the same)."""
    k = len(idx)
    if name == "NumberOfEmployees":
        old, blank = acc.employees[idx], acc.employees_blank[idx]
        raised = np.round(old * rng.uniform(1.3, 4.0, k))
        filled = np.round(old * rng.uniform(1.0, 2.5, k))
        new = np.clip(np.where(blank, filled, raised), 1, 250_000).astype(np.int64)
        new = np.where(~blank & (new <= old), old + 1, new)
        employees, employees_blank = acc.employees.copy(), acc.employees_blank.copy()
        employees[idx], employees_blank[idx] = new, False
        return dataclasses.replace(acc, employees=employees, employees_blank=employees_blank)
    if name == "AnnualRevenue":
        old, blank = acc.revenue[idx], acc.revenue_blank[idx]
        fresh = acc.employees[idx] * 150_000.0 * rng.lognormal(0.0, 0.5, k)
        moved = old * rng.lognormal(0.25, 0.35, k)
        new = np.maximum(np.round(np.where(blank, fresh, moved), -3), 1000.0)
        new = np.where(~blank & (new == old), old + 1000.0, new)
        revenue, revenue_blank = acc.revenue.copy(), acc.revenue_blank.copy()
        revenue[idx], revenue_blank[idx] = new, False
        return dataclasses.replace(acc, revenue=revenue, revenue_blank=revenue_blank)
    if name == "Industry":
        # A blank industry is filled in (with the true one), a set one reclassified.
        old, blank = acc.industry[idx], acc.industry_blank[idx]
        other = (old + rng.integers(1, len(vocab.INDUSTRIES), k)) % len(vocab.INDUSTRIES)
        industry, industry_blank = acc.industry.copy(), acc.industry_blank.copy()
        industry[idx], industry_blank[idx] = np.where(blank, old, other), False
        return dataclasses.replace(acc, industry=industry, industry_blank=industry_blank)
    if name == "Name":
        old = _take(acc.name, idx)
        stem = pc.replace_substring_regex(old, r"( Inc\.| LLC| Ltd| GmbH| Corp\.| Co\.)$", "")
        new = _cat(stem, _any(rng, vocab.NEW_SUFFIXES, k))
        new = _where(np.asarray(pc.equal(new, old)), _cat(stem, " Group"), new)
        return dataclasses.replace(acc, name=_scatter(acc.name, idx, new))
    if name == "Website":
        old = _take(acc.website, idx)
        domain = _take(acc.domain, idx)
        new = _cat("https://www.", domain)
        new = _where(np.asarray(pc.equal(new, old)), _cat("https://", domain, "/"), new)
        return dataclasses.replace(acc, website=_scatter(acc.website, idx, new))
    # Description: the first edit tells the deal's story, later ones append a note.
    old = _take(acc.description, idx)
    blank = np.asarray(pc.equal(old, ""))
    phrase = _take([row[3] for row in vocab.INDUSTRIES], acc.industry[idx])
    article = _take(
        ["an " if row[3][0] in "aeio" else "a " for row in vocab.INDUSTRIES], acc.industry[idx]
    )
    base = _where(blank, _cat(_take(acc.name, idx), " is ", article, phrase, "."), old)
    countries = _number(rng.integers(3, 30, k))
    won_story = _cat(
        _fill(vocab.WON_STORY, rng, _month_names(won_at[idx])),
        " ",
        base,
        " ",
        _fill(vocab.WON_GROWTH, rng, countries),
    )
    uc_notes = [note for row in vocab.USE_CASES for note in row[3]]
    hot_story = _cat(
        _any(rng, vocab.PROGRESS_STORY, k),
        _any(rng, uc_notes, k),
        ". ",
        base,
    )
    neutral = _where(
        blank,
        base,
        _cat(old, " ", _any(rng, vocab.NEUTRAL_NOTES, k)),
    )
    story = s == 0
    new = _where(won[idx] & story, won_story, _where(hot & story, hot_story, neutral))
    return dataclasses.replace(acc, description=_scatter(acc.description, idx, new))


# -- contacts -----------------------------------------------------------------------------------


@dataclass
class ContactEdits:
    title: pa.Array
    lead_source: pa.Array
    last_edit: np.ndarray
    changes: Changes


def contact_edits(
    rng: np.random.Generator,
    *,
    title: pa.Array,
    lead_source: pa.Array,
    owners: pa.Array,
    created: np.ndarray,
    deleted: np.ndarray,
    promoted: np.ndarray,
    end: int,
) -> ContactEdits:
    """Title and LeadSource changed after a contact was created.

    ``promoted`` (contacts whose deals progressed) get a senior title more often. Title is
    tracked only since ``TITLE_TRACKED_DAYS`` before the anchor; LeadSource always.
    """
    n = len(created)
    changes = Changes()
    room = ~deleted & (created < end - 2 * 3600)
    span = end - created - 1200

    retitled = np.flatnonzero(room & (rng.random(n) < np.where(promoted, 0.12, 0.03)))
    k = len(retitled)
    at = created[retitled] + 600 + (rng.random(k) * span[retitled]).astype(np.int64)
    old = _take(title, retitled)
    senior = _any(rng, _SENIOR_TITLES, k)
    anyone = _any(rng, vocab.ALL_TITLES, k)
    new = _where(promoted[retitled], senior, anyone)
    new = _where(np.asarray(pc.equal(new, old)), _cat(old, " (acting)"), new)
    tracked = at >= end - TITLE_TRACKED_DAYS * DAY
    t = retitled[tracked]
    changes.add(
        t, "Title", "Text", at[tracked], _take(owners, t), _keep(old, tracked), _keep(new, tracked)
    )
    last_edit = np.full(n, -1, dtype=np.int64)
    last_edit[retitled] = at
    title = _scatter(title, retitled, new)

    resourced = np.flatnonzero(room & (rng.random(n) < 0.03))
    k = len(resourced)
    at = created[resourced] + 600 + (rng.random(k) * span[resourced]).astype(np.int64)
    old = _take(lead_source, resourced)
    choice = rng.integers(0, len(_SOURCES), k)
    new = _take(_SOURCES, choice)
    new = _where(np.asarray(pc.equal(new, old)), _take(_SOURCES, (choice + 1) % len(_SOURCES)), new)
    changes.add(resourced, "LeadSource", "Picklist", at, _take(owners, resourced), old, new)
    last_edit[resourced] = np.maximum(last_edit[resourced], at)
    lead_source = _scatter(lead_source, resourced, new)
    return ContactEdits(title, lead_source, last_edit, changes)


# -- opportunities ------------------------------------------------------------------------------


def opportunity_changes(
    rng: np.random.Generator,
    *,
    paths: tuple[np.ndarray, np.ndarray, np.ndarray],
    next_step: pa.Array,
    description: pa.Array,
    owners: pa.Array,
    created: np.ndarray,
    with_history: np.ndarray,
    end: int,
) -> Changes:
    """OpportunityFieldHistory rows: NextStep (values), Description (none), StageName.

    NextStep and Description change when the stage does; ``next_step`` is the newest value.
    StageName rows exist only for ``with_history`` opportunities (OpportunityHistory rows
    on the ladder), since ``STAGE_TRACKED_DAYS`` before the anchor.
    """
    stages, times, valid = paths
    n = len(stages)
    changes = Changes()
    cols = np.arange(valid.shape[1])
    last = valid.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    moved = valid[:, 1:].any(axis=1)
    first_move = np.where(moved, np.argmax(valid[:, 1:], axis=1) + 1, 0)
    written = np.asarray(pc.not_equal(description, ""))

    # NextStep: an early step at creation, a progress step at the first stage change, the
    # current value at the last one (rows only where the value changed).
    early = _any(rng, vocab.OPEN_EARLY_NEXT, n)
    middle = _any(rng, vocab.PROGRESS_NEXT, n)
    two = np.flatnonzero(written & moved & (first_move < last))
    one = np.flatnonzero(written & moved & (first_move == last))
    still = np.flatnonzero(written & ~moved & (created < end - DAY) & (rng.random(n) < 0.25))
    still_at = created[still] + (rng.random(len(still)) * (end - created[still])).astype(np.int64)
    for idx, at, old, new in (
        (two, times[two, first_move[two]], _take(early, two), _take(middle, two)),
        (two, times[two, last[two]], _take(middle, two), _take(next_step, two)),
        (one, times[one, last[one]], _take(early, one), _take(next_step, one)),
        (still, still_at, _take(early, still), _take(next_step, still)),
    ):
        differs = np.asarray(pc.not_equal(old, new))
        i = idx[differs]
        changes.add(
            i,
            "NextStep",
            "Text",
            at[differs],
            _take(owners, i),
            _keep(old, differs),
            _keep(new, differs),
        )

    # Description (a long text area: no values) rewritten at the last stage change, and
    # sometimes at the first one too.
    rewrote = np.flatnonzero(written & moved)
    changes.add(
        rewrote, "Description", "TextArea", times[rewrote, last[rewrote]], _take(owners, rewrote)
    )
    also = np.flatnonzero(written & moved & (first_move < last) & (rng.random(n) < 0.3))
    changes.add(also, "Description", "TextArea", times[also, first_move[also]], _take(owners, also))

    # StageName, tracked since STAGE_TRACKED_DAYS before the anchor.
    idx = np.where(valid, cols, -1)
    prev = np.concatenate([np.full((n, 1), -1), np.maximum.accumulate(idx, axis=1)[:, :-1]], axis=1)
    since = end - STAGE_TRACKED_DAYS * DAY
    hit = valid & (cols >= 1) & (times >= since) & with_history[:, None]
    o, c = np.nonzero(hit)
    names = [s[0] for s in vocab.STAGES]
    changes.add(
        o,
        "StageName",
        "Picklist",
        times[o, c],
        _take(owners, o),
        _take(names, stages[o, prev[o, c]]),
        _take(names, stages[o, c]),
    )
    return changes
