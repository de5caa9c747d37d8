"""Vectorised building blocks of the demo org: seeded random streams, string columns built
from vocabularies (pyarrow), Salesforce ids and audit timestamps."""

from __future__ import annotations

import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DAY = 86_400


# -- vectorised helpers -------------------------------------------------------------------------


def _rng(seed: int, stream: str) -> np.random.Generator:
    """An independent generator per stream, so adding draws in one place moves nothing else."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _weighted(rng: np.random.Generator, weights: Sequence[float], n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum())


def _any(rng: np.random.Generator, values: Sequence[str], n: int) -> pa.Array:
    """A uniform pick from ``values`` per row."""
    return _take(values, rng.integers(0, len(values), n))


def _pick(rng: np.random.Generator, pairs: Sequence[tuple[str, float]], n: int) -> pa.Array:
    """A weighted pick per row from ``(value, weight)`` pairs."""
    return _take([v for v, _ in pairs], _weighted(rng, [w for _, w in pairs], n))


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


_AUDIT = ("CreatedDate", "LastModifiedDate", "SystemModstamp")


def _stamps(created: np.ndarray, modified: np.ndarray, stamp: np.ndarray) -> dict[str, pa.Array]:
    """The audit columns CreatedDate, LastModifiedDate and SystemModstamp."""
    return {
        "CreatedDate": _ts(created),
        "LastModifiedDate": _ts(modified),
        "SystemModstamp": _ts(stamp),
    }


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


def _deleted_stamp(
    rng: np.random.Generator, deleted: np.ndarray, modified: np.ndarray, stamp: np.ndarray, end: int
) -> np.ndarray:
    """Deletion moves SystemModstamp (not LastModifiedDate) to when the row was deleted."""
    out = stamp.copy()
    k = deleted.sum()
    out[deleted] = modified[deleted] + (rng.random(k) * (end - modified[deleted])).astype(np.int64)
    return np.maximum(out, stamp)


def _group_rank(keys: np.ndarray) -> np.ndarray:
    """Position of each row within its run of equal (sorted) keys: 0, 1, ..."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return np.arange(len(keys)) - np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
