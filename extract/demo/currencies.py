"""A multi-currency demo org: ``CurrencyType.csv``, ``DatedConversionRate.csv`` and
``Opportunity.CurrencyIsoCode`` with amounts in each deal's currency."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

from extract.demo import vocabulary as vocab
from extract.demo.arrays import (
    _const,
    _rng,
    _strings,
    _take,
    _weighted,
    make_ids,
)
from extract.demo.export import _read_object, _write_object

CURRENCY_FILES: tuple[str, ...] = ("CurrencyType", "DatedConversionRate")

#: Units of each currency per US dollar, roughly (a year ago, recent). Other codes get a
#: made-up rate derived from the code, so any list works.
vocab.RATES_PER_USD: dict[str, tuple[float, float]] = {
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
    if code in vocab.RATES_PER_USD:
        return vocab.RATES_PER_USD[code]
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
