"""Generators of the demo org's objects, vectorised over all rows: users, accounts, people
(contacts and leads), opportunities with their stage paths and AE notes, stage history,
contact roles, leads and the stage ladder. Each returns text columns by API field name;
``extract.demo.generate`` ties them together (see its docstring for the story)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from extract.demo import vocabulary as vocab
from extract.demo.arrays import (
    DAY,
    _any,
    _audit,
    _cat,
    _const,
    _day,
    _deleted_stamp,
    _display,
    _flag,
    _group_rank,
    _Groups,
    _number,
    _padded,
    _pick,
    _sigmoid,
    _slug,
    _stamps,
    _strings,
    _take,
    _ts,
    _weighted,
    _where,
    make_ids,
)

#: Contacts are created over this many days before the anchor (a 30-day window holds ~25%).
CONTACT_DAYS = 120
#: The id real exports use for "no account".
NO_ACCOUNT = "000000000000000AAA"
_EDUCATION = vocab.INDUSTRY_NAMES.index("Education")


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
    firsts = [_display(w) for w in vocab.NAME_CULTURES[0][1]]
    lasts = [_display(w) for w in vocab.NAME_CULTURES[0][2]]
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
        **_stamps(created, modified, stamp),
    }
    is_ae = np.array(["Account Executive" in r[0] for r in roles])
    active = np.array([r[2] for r in roles])
    return _Users(columns, np.flatnonzero(is_ae & active), np.flatnonzero(is_ae), ids)


# -- accounts -----------------------------------------------------------------------------------


@dataclass
class _Accounts:
    """Account traits (one row per account); text columns are built from them."""

    industry: np.ndarray  # true industry (index into vocab.INDUSTRIES)
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
    industry = _weighted(rng, [row[1] for row in vocab.INDUSTRIES], n)
    # Company size is heavily skewed: most accounts are small, a few are huge.
    employees = np.clip(np.round(10 ** rng.normal(1.8, 0.95, n)), 1, 200_000).astype(np.int64)
    revenue = employees * 150_000.0 * rng.lognormal(0.0, 0.5, n)
    revenue = np.round(revenue, -3)
    use_cases = rng.random((n, len(vocab.USE_CASES))) < vocab.USE_CASE_PROBABILITY[industry]
    agency = rng.random(n) < np.where(
        np.isin(industry, [vocab.INDUSTRY_NAMES.index(x) for x in ("Consulting", "Media")]),
        0.2,
        0.03,
    )
    country = _weighted(rng, [row[1] for row in vocab.COUNTRIES], n)
    name, domain = _account_names(rng, industry, country)
    description = _account_descriptions(rng, name, industry, employees, use_cases, agency)
    fit = (
        np.array([row[2] for row in vocab.INDUSTRIES])[industry]
        + use_cases @ vocab.USE_CASE_EFFECT
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


def _account_names(
    rng: np.random.Generator, industry: np.ndarray, country: np.ndarray
) -> tuple[pa.Array, pa.Array]:
    n = len(industry)
    stem_a = rng.integers(0, len(vocab.STEM_A), n)
    stem_b = rng.integers(0, len(vocab.STEM_B), n)
    words = _Groups.of([row[4] for row in vocab.INDUSTRIES])
    word = words.draw(rng, industry)
    legal = _weighted(rng, [w for _, w in vocab.LEGAL_SUFFIXES] + [63], n)  # last = no legal suffix
    stem = _cat(_take(vocab.STEM_A, stem_a), _take(vocab.STEM_B, stem_b))
    name = _cat(
        stem, " ", words.take(word), _take([s for s, _ in vocab.LEGAL_SUFFIXES] + [""], legal)
    )
    word_slug = _take([_slug(w) for w in words.flat], word)
    stem_slug = pc.utf8_lower(stem)
    style = rng.random(n)
    host = _where(style < 0.55, stem_slug, _cat(stem_slug, _where(style < 0.9, "", "-"), word_slug))
    tld = _take([row[2] for row in vocab.COUNTRIES], country)
    generic = _pick(rng, vocab.GENERIC_TLDS, n)
    tld = _where(rng.random(n) < 0.5, tld, generic)
    for name_, special, share in (("Education", "edu", 0.6), ("Not For Profit", "org", 0.6)):
        tld = _where(
            (industry == vocab.INDUSTRY_NAMES.index(name_)) & (rng.random(n) < share), special, tld
        )
    tld = _where(
        (industry == vocab.INDUSTRY_NAMES.index("Government")) & (rng.random(n) < 0.4), "gov", tld
    )
    domain = _cat(host, ".", tld)
    # A handful of accounts with the names real exports trip over.
    odd = rng.random(n) < 0.01
    odd_idx = rng.integers(0, len(vocab.ODD_ACCOUNTS), n)
    name = _where(odd, _take([a for a, _ in vocab.ODD_ACCOUNTS], odd_idx), name)
    domain = _where(odd, _take([d for _, d in vocab.ODD_ACCOUNTS], odd_idx), domain)
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
    phrase = _take([row[3] for row in vocab.INDUSTRIES], industry)
    article = _take(["an " if row[3][0] in "aeio" else "a " for row in vocab.INDUSTRIES], industry)
    parts: list[pa.Array | str] = [name, " is ", article, phrase, ". "]
    bands = np.searchsorted([lo for lo, _ in vocab.SIZE_SENTENCES], employees, side="right") - 1
    sizes = _Groups.of([[s + " " if s else "" for s in row[1]] for row in vocab.SIZE_SENTENCES])
    parts.append(sizes.take(sizes.draw(rng, bands)))
    agency_text = _take([s + " " for s in vocab.AGENCY_SENTENCES], rng.integers(0, 3, n))
    parts.append(_where(agency, agency_text, ""))
    for uc, row in enumerate(vocab.USE_CASES):
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
        wall = "\n\n".join([vocab.LONG_PARAGRAPH] * 26)
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
    cities = _Groups.of([row[3] for row in vocab.COUNTRIES])
    street = _street(rng, n, "Suite", share=0.15, units=(100, 999))
    return {
        "Id": ids,
        "Name": acc.name,
        "Phone": _phones(rng, n),
        "Website": acc.website,
        "Industry": _where(acc.industry_blank, "", _take(vocab.INDUSTRY_NAMES, acc.industry)),
        "Type": account_type,
        "BillingStreet": _where(rng.random(n) < 0.25, "", street),
        "NumberOfEmployees": _number(acc.employees, blank=acc.employees_blank),
        "AnnualRevenue": _number(acc.revenue, blank=acc.revenue_blank),
        "Description": acc.description,
        "BillingCountry": _take([row[0] for row in vocab.COUNTRIES], acc.country),
        "BillingCity": cities.take(cities.draw(rng, acc.country)),
        "OwnerId": owners,
        "IsDeleted": _flag(deleted),
        **_stamps(created, modified, stamp),
    }


def _street(
    rng: np.random.Generator, n: int, unit: str, *, share: float, units: tuple[int, int]
) -> pa.Array:
    """Street addresses, a ``share`` of them with a second line (``unit`` and a number)."""
    number, name = _number(rng.integers(1, 9999, n)), _any(rng, vocab.STREETS, n)
    has_second = rng.random(n) < share
    second = _cat(f"\n{unit} ", _number(rng.integers(*units, n)))
    return _cat(number, " ", name, _where(has_second, second, ""))


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
    culture = _weighted(rng, [c[0] for c in vocab.NAME_CULTURES], n)
    firsts = _Groups.of([c[1] for c in vocab.NAME_CULTURES])
    lasts = _Groups.of([c[2] for c in vocab.NAME_CULTURES])
    fi, li = firsts.draw(rng, culture), lasts.draw(rng, culture)
    first = _take([_display(w) for w in firsts.flat], fi)
    first = _where(rng.random(n) < 0.02, "", first)  # LastName is the only required name
    last = _take([_display(w) for w in lasts.flat], li)
    name = _where(pc.equal(first, ""), last, _cat(first, " ", last))
    f_slug = _where(pc.equal(first, ""), "", _take([_slug(w) for w in firsts.flat], fi))
    l_slug = _take([_slug(w) for w in lasts.flat], li)
    group, title = _titles(rng, profile)
    seniority = np.array([g[1] for g in vocab.TITLE_GROUPS])[group]
    email, free_mail = _emails(rng, f_slug, l_slug, domains)
    source = _weighted(rng, [s[1] for s in vocab.LEAD_SOURCES], n)
    return _People(
        first=first,
        last=last,
        name=name,
        email=email,
        title=title,
        seniority=seniority,
        student=group == vocab.STUDENT_GROUP,
        free_mail=free_mail,
        lead_source=_take([s[0] for s in vocab.LEAD_SOURCES], source),
        source_effect=np.array([s[2] for s in vocab.LEAD_SOURCES])[source],
    )


def _titles(rng: np.random.Generator, profile: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    cdf = np.cumsum(vocab.TITLE_PROFILES, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(len(profile))
    group = np.empty(len(profile), dtype=np.int64)
    for p in range(len(cdf)):
        rows = profile == p
        group[rows] = np.minimum(np.searchsorted(cdf[p], u[rows], side="right"), len(cdf[p]) - 1)
    titles = _Groups.of([g[2] for g in vocab.TITLE_GROUPS])
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
    free = _cat(dotted, digits, "@", _any(rng, vocab.FREE_MAIL, n))
    invalid = _where(
        rng.random(n) < 0.4,
        _cat(dotted, "@"),
        _any(rng, vocab.INVALID_EMAILS, n),
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
    street = _street(rng, n, "Floor", share=0.2, units=(2, 40))
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
        **_stamps(created, modified, stamp),
    }


def _account_links(rng: np.random.Generator, acc_idx: np.ndarray, acc_ids: pa.Array) -> pa.Array:
    """AccountId per contact: the account's id, or (no account) empty or the placeholder."""
    none = acc_idx < 0
    linked = _take(acc_ids, np.maximum(acc_idx, 0))
    missing = _where(rng.random(len(acc_idx)) < 0.3, NO_ACCOUNT, "")
    return _where(none, missing, linked)


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
    return np.sort(cand[_group_rank(acc_idx[cand]) < cap])


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
        np.where(u < 0.3, vocab.WON, np.where(u < 0.65, vocab.LOST, -1)),
        np.where(u < 0.65, vocab.LOST, -1),
    )
    closing[straight_win] = vocab.WON
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
    rng: np.random.Generator, shard: _Shard, contacts: _Contacts, *, first_id: int = 0
) -> _Opportunities:
    acc, acc_ids, users, end = shard.acc, shard.acc_ids, shard.users, shard.end
    acc_owner, acc_created = shard.acc_owner, shard.acc_created
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
    rows = np.flatnonzero(created <= end)
    rows = rows[np.argsort(created[rows], kind="stable")]
    source, account, created, via_lead, progress = (
        a[rows] for a in (source, account, created, via_lead, progress)
    )
    n = len(source)

    stages, times, valid = _stage_paths(rng, created, progress, end=end)
    current, last_col = _current(stages, valid)
    last_change = times[np.arange(n), last_col]
    ids = make_ids("Opportunity", first_id + np.arange(n))
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
    closed = np.isin(current, [vocab.WON, vocab.LOST])
    close_at = np.where(closed, last_change, created + rng.integers(20, 150, n) * DAY)
    early_close = rng.random(n) < 0.015  # real exports: closed "before" it was created
    close_at = np.where(early_close, created - rng.integers(1, 40, n) * DAY, close_at)
    close = _day(close_at)
    modified, stamp = _audit(rng, last_change, end=end, touched=0.15, mass_update=0.05)
    deleted = rng.random(n) < 0.005
    stamp = _deleted_stamp(rng, deleted, modified, stamp, end)
    stage_names = vocab.STAGE_NAMES
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
    won_at = np.where(current == vocab.WON, last_change, -1)
    columns = {
        "Id": ids,
        "AccountId": _take(acc_ids, account),
        "Name": _cat(
            _take(acc.name, account),
            " - ",
            _any(rng, vocab.OPPORTUNITY_PRODUCTS, n),
        ),
        "StageName": _take(stage_names, current),
        "StageSortOrder": _take([str(s[1]) for s in vocab.STAGES], current),
        "Amount": amount,
        "Probability": _take([str(s[2]) for s in vocab.STAGES], current),
        "ForecastCategory": _take([s[5] for s in vocab.STAGES], current),
        "CloseDate": close,
        "IsClosed": _take(["1" if s[3] else "0" for s in vocab.STAGES], current),
        "IsWon": _take(["1" if s[4] else "0" for s in vocab.STAGES], current),
        "Type": _pick(rng, vocab.OPPORTUNITY_TYPES, n),
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
        **_stamps(created, modified, stamp),
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
    progressed = (valid & (stages >= 1) & (stages != vocab.LOST)).any(axis=1)
    # 0 open in Prospecting, 1 lost from Prospecting, 2 open beyond it, 3 won, 4 lost later
    outcome = np.where(
        progressed,
        np.where(current == vocab.WON, 3, np.where(current == vocab.LOST, 4, 2)),
        np.where(current == vocab.LOST, 1, 0),
    )
    people = contacts.people
    student, free = people.student[source], people.free_mail[source]
    tiny, agency = acc.employees[account] < 10, acc.agency[account]
    # Early losses cite the real disqualifier most of the time, a generic reason otherwise.
    reason = rng.integers(4, len(vocab.EARLY_LOSS), n)
    honest = rng.random(n) < 0.8
    for code, flag in ((3, agency), (2, tiny), (1, free), (0, student)):
        reason = np.where(honest & flag, code, reason)
    early_desc = _take([d for d, _ in vocab.EARLY_LOSS], reason)
    early_loss = _take([r for _, r in vocab.EARLY_LOSS], reason)

    positive = _positive_notes(rng, contacts=contacts, source=source, acc=acc, account=account)
    late = rng.integers(0, len(vocab.LATE_LOSS), n)
    won = _any(rng, vocab.WON_NOTES, n)
    description = pc.choose(
        pa.array(outcome.astype(np.int8)),
        _any(rng, vocab.OPEN_EARLY, n),
        early_desc,
        positive,
        _cat(positive, " ", won),
        _cat(positive, " ", _take([d for d, _ in vocab.LATE_LOSS], late)),
    )
    next_step = pc.choose(
        pa.array(outcome.astype(np.int8)),
        _any(rng, vocab.OPEN_EARLY_NEXT, n),
        _const("", n),
        _any(rng, vocab.PROGRESS_NEXT, n),
        _const("", n),
        _const("", n),
    )
    loss = _where(outcome == 1, early_loss, _where(outcome == 4, _take(_LATE_LOSS_CODES, late), ""))
    loss = _where(rng.random(n) < 0.3, "", loss)  # the picklist is often skipped
    silent = rng.random(n) < 0.08  # AEs who write nothing at all
    description = _html_mess(rng, _where(silent, "", description))
    return description, _where(silent, "", next_step), _where(silent, "", loss)


_LATE_LOSS_CODES = tuple(code for _, code in vocab.LATE_LOSS)


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
    uc_notes = _Groups.of([row[3] for row in vocab.USE_CASES])
    lead = _where(
        has_uc,
        uc_notes.take(uc_notes.draw(rng, uc)),
        _any(rng, vocab.GENERIC_FIT, n),
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
    rng: np.random.Generator, opps: _Opportunities, *, end: int, first_id: int = 0
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
    row_stage = vocab.STAGE_NAMES
    stage_name = _take(row_stage, stages[rows_opp, rows_col])
    probability = _take([str(s[2]) for s in vocab.STAGES], stages[rows_opp, rows_col])
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
        e_names = _take(vocab.UNKNOWN_STAGES, np.arange(len(e_opp)) % 2)
        rows_opp = np.concatenate([rows_opp, e_opp])
        row_time = np.concatenate([row_time, e_time])
        stage_name = pa.concat_arrays([stage_name, e_names])
        probability = pa.concat_arrays([probability, _const("", len(e_opp))])
    order = np.lexsort((rows_opp, row_time))
    rows_opp, row_time = rows_opp[order], row_time[order]
    m = len(rows_opp)
    amount = _take(opps.amount, rows_opp)
    columns = {
        "Id": make_ids("OpportunityHistory", first_id + np.arange(m)),
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
    first_id: int = 0,
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
    rows = np.flatnonzero(created <= end)
    rows = rows[np.argsort(created[rows], kind="stable")]
    opp_idx, contact_idx, is_primary, created = (
        a[rows] for a in (opp_idx, contact_idx, is_primary, created)
    )
    m = len(created)
    role = np.where(
        is_primary,
        _weighted(rng, [w for _, w in vocab.PRIMARY_ROLES], m),
        len(vocab.PRIMARY_ROLES) + rng.integers(0, len(vocab.OTHER_ROLES), m),
    )
    modified, stamp = _audit(rng, created, end=end, touched=0.05, mass_update=0.0)
    return {
        "Id": make_ids("OpportunityContactRole", first_id + np.arange(m)),
        "OpportunityId": _take(opps.ids, opp_idx),
        "ContactId": _take(contacts.ids, contact_idx),
        "Role": _take([r for r, _ in vocab.PRIMARY_ROLES] + list(vocab.OTHER_ROLES), role),
        "IsPrimary": _flag(is_primary),
        **_stamps(created, modified, stamp),
        "IsDeleted": _flag(opps.deleted[opp_idx]),
    }


# -- leads --------------------------------------------------------------------------------------


def _leads(
    rng: np.random.Generator,
    shard: _Shard,
    contacts: _Contacts,
    opps: _Opportunities,
    *,
    first_id: int = 0,
) -> dict[str, pa.Array]:
    """Converted leads (pointing at their contact, account and maybe opportunity) and open ones."""
    acc, acc_ids, users, end = shard.acc, shard.acc_ids, shard.users, shard.end
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
            acc.industry_blank[c_acc], "", _take(vocab.INDUSTRY_NAMES, acc.industry[c_acc])
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
            rng.random(n_open) < 0.3, "", _take(vocab.INDUSTRY_NAMES, companies.industry)
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
        Id=make_ids("Lead", first_id + np.arange(m)),
        Phone=_phones(rng, m),
        Rating=_take(("", "Hot", "Warm", "Cold"), rng.integers(0, 4, m)),
        IsDeleted=_flag(deleted),
        **_stamps(created, modified, stamp),
    )
    return columns


def _stage_columns(end: int) -> dict[str, pa.Array]:
    created = np.full(len(vocab.STAGES), end + 1 - 3 * 365 * DAY + 9 * 3600)
    return {
        "Id": make_ids("OpportunityStage", np.arange(len(vocab.STAGES))),
        "MasterLabel": _strings(vocab.STAGE_NAMES),
        "ApiName": _strings(vocab.STAGE_NAMES),
        "SortOrder": _strings([str(s[1]) for s in vocab.STAGES]),
        "IsActive": _const("1", len(vocab.STAGES)),
        "IsClosed": _strings(["1" if s[3] else "0" for s in vocab.STAGES]),
        "IsWon": _strings(["1" if s[4] else "0" for s in vocab.STAGES]),
        "DefaultProbability": _strings([str(s[2]) for s in vocab.STAGES]),
        "ForecastCategoryName": _strings([s[5] for s in vocab.STAGES]),
        "Description": _const("", len(vocab.STAGES)),
        **_stamps(created, created, created),
    }


@dataclass
class _Shard:
    """One shard's accounts (in id order), where its contacts belong, and what every
    generator of the shard shares."""

    users: _Users
    end: int
    acc: _Accounts
    acc_ids: pa.Array
    acc_owner: np.ndarray  # user index per account
    acc_created: np.ndarray
    contact_account: np.ndarray  # account index per contact (-1: none)
    contact_created: np.ndarray


def _shard(
    rng: np.random.Generator, *, contacts: int, users: _Users, end: int, first_id: int = 0
) -> _Shard:
    """Accounts for ``contacts`` contacts and each contact's account and CreatedDate."""
    acc, acc_idx, c_created = _accounts_for(rng, contacts=contacts, end=end)
    acc_created = _account_created(rng, acc_idx, c_created, n_acc=len(acc), end=end)
    order = np.argsort(acc_created, kind="stable")  # ids grow with CreatedDate, as in Salesforce
    acc, acc_created = acc.take(order), acc_created[order]
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    acc_idx = np.where(acc_idx >= 0, rank[np.maximum(acc_idx, 0)], -1)
    # Most accounts belong to an active AE; some still to AEs who have left.
    acc_owner = np.where(
        rng.random(len(acc)) < 0.92,
        users.active_aes[rng.integers(0, len(users.active_aes), len(acc))],
        users.all_aes[rng.integers(0, len(users.all_aes), len(acc))],
    )
    acc_ids = make_ids("Account", first_id + np.arange(len(acc)))
    return _Shard(users, end, acc, acc_ids, acc_owner, acc_created, acc_idx, c_created)


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


def _contacts(rng: np.random.Generator, shard: _Shard, *, first_id: int = 0) -> _Contacts:
    acc, acc_ids, users, end = shard.acc, shard.acc_ids, shard.users, shard.end
    acc_idx, created, acc_owner = shard.contact_account, shard.contact_created, shard.acc_owner
    n = len(created)
    safe = np.maximum(acc_idx, 0)
    domains = _where(acc_idx < 0, "", _take(acc.domain, safe))
    people = _people(rng, n, domains=domains, profile=_title_profile(acc, acc_idx))
    fit = np.where(acc_idx >= 0, acc.fit[safe], -2.0) + people.fit + rng.normal(0, 1.0, n)
    countries = _where(
        (acc_idx < 0) | (rng.random(n) < 0.05),
        _take(
            [row[0] for row in vocab.COUNTRIES], _weighted(rng, [r[1] for r in vocab.COUNTRIES], n)
        ),
        _take([row[0] for row in vocab.COUNTRIES], acc.country[safe]),
    )
    owner_idx = np.where(
        acc_idx >= 0, acc_owner[safe], users.active_aes[rng.integers(0, len(users.active_aes), n)]
    )
    owners = _take(users.ids, owner_idx)
    ids = make_ids("Contact", first_id + np.arange(n))
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
