"""A multi-currency demo org: ``CurrencyType.csv``, ``DatedConversionRate.csv`` and
``Opportunity.CurrencyIsoCode`` with amounts in each deal's currency."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from extract.demo import vocabulary as vocab
from extract.demo.arrays import (
    _AUDIT,
    _const,
    _strings,
    _take,
    _weighted,
    make_ids,
)

CURRENCY_FILES: tuple[str, ...] = ("CurrencyType", "DatedConversionRate")


def _rates_per_usd(code: str) -> tuple[float, float]:
    """Units per US dollar (a year ago, recent); codes not in the vocabulary get a made-up
    rate derived from the code, so any list works."""
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


@dataclass(frozen=True)
class Currencies:
    """A multi-currency org, as Salesforce has it with advanced currency management on:
    ``CurrencyType`` (the first currency corporate, rate 1; the others' current rate to it),
    ``DatedConversionRate`` (two ranges per currency: an older rate until 60 days before the
    anchor, the current one after), and ``Opportunity.CurrencyIsoCode`` with ``Amount`` in
    that currency: the generated amount (in the corporate currency) times the dated rate of
    its close date, so converting back gives the generated amount again (to the cent)."""

    codes: tuple[str, ...]
    anchor: date

    @property
    def rates(self) -> dict[str, tuple[float, float]]:
        """Units of each currency per corporate unit: (older, current)."""
        per_usd = {code: _rates_per_usd(code) for code in self.codes}
        old0, new0 = per_usd[self.codes[0]]
        return {code: (old / old0, new / new0) for code, (old, new) in per_usd.items()}

    @property
    def switch(self) -> str:
        """The day the current rates start."""
        return date.fromordinal(self.anchor.toordinal() - 60).isoformat()

    def tables(self) -> dict[str, dict[str, pa.Array]]:
        """The ``CurrencyType`` and ``DatedConversionRate`` columns."""
        codes, rate, switch = self.codes, self.rates, self.switch
        stamp = f"{date.fromordinal(self.anchor.toordinal() - 400).isoformat()} 09:00:00"
        n = len(codes)
        types = {
            "Id": make_ids("CurrencyType", np.arange(n)),
            "IsoCode": _strings(codes),
            "ConversionRate": _strings([f"{rate[c][1]:.6f}" for c in codes]),
            "DecimalPlaces": _const("2", n),
            "IsActive": _const("1", n),
            "IsCorporate": _strings(["1" if c == codes[0] else "0" for c in codes]),
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
        }
        for columns in (types, dated):
            m = len(columns["Id"])
            columns.update({k: _const(stamp, m) for k in _AUDIT})
        return {"CurrencyType": types, "DatedConversionRate": dated}

    def convert(self, rng: np.random.Generator, columns: dict[str, pa.Array]) -> None:
        """Give Opportunity ``columns`` a CurrencyIsoCode and their Amount in it."""
        codes, rate, n = self.codes, self.rates, len(self.codes)
        # Half the deals in the corporate currency, the rest spread over the others.
        weights = [0.5] + [0.5 / (n - 1)] * (n - 1) if n > 1 else [1.0]
        which = _weighted(rng, weights, len(columns["Id"]))
        close = columns["CloseDate"].to_pylist()
        recent = np.array([bool(d) and d >= self.switch for d in close], dtype=bool)
        factor = np.array([rate[c][1] for c in codes])[which]
        factor = np.where(recent, factor, np.array([rate[c][0] for c in codes])[which])
        amounts = columns["Amount"].to_pylist()
        columns["Amount"] = _strings(
            [
                f"{round(float(a) * f, 2):.2f}" if a else ""
                for a, f in zip(amounts, factor, strict=True)
            ]
        )
        columns["CurrencyIsoCode"] = _take(codes, which)
