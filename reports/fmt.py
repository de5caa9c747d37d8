"""Number formatting for the report: one place decides how a figure reads.

Missing figures (``None``, NaN) read as an em dash everywhere, never as 0.
"""

from __future__ import annotations

import datetime as dt
import math

DASH = "—"


def missing(value: object) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


NOT_MEASURABLE = "not measurable"


def prose(text: str) -> str:
    """A sentence built from formatted figures, with every missing figure (the dash) said in
    words. Only for sentences whose template has no dash of its own."""
    return text.replace(DASH, NOT_MEASURABLE)


def pct(value: float | None, *, digits: int = 0) -> str:
    """A share as a percentage: 0.617 -> "62%".

    With ``digits=0`` a value that would round to 0% or 100% without being exactly that gets
    one decimal ("0.4%", "99.6%"), so a figure never claims "none" or "all" falsely.
    """
    if missing(value):
        return DASH
    assert value is not None
    percent = 100.0 * value
    if digits == 0 and (0 < abs(percent) < 0.5 or 99.5 <= abs(percent) < 100):
        digits = 1
    return f"{percent:.{digits}f}%"


def pct_range(low: float | None, high: float | None) -> str:
    """An interval of shares: (0.534, 0.693) -> "53–69%"."""
    if missing(low) or missing(high):
        return DASH
    return f"{pct(low)[:-1]}–{pct(high)}"


def ci(low: float | None, high: float | None) -> str:
    """A 95% interval as text: "95% CI 53–69%"."""
    return f"95% CI {pct_range(low, high)}"


def num(value: float | int | None) -> str:
    """A count with thousands separators: 1149 -> "1,149"."""
    if missing(value):
        return DASH
    return f"{value:,.0f}"


def dec(value: float | None, digits: int = 2) -> str:
    """A plain decimal: 0.7093 -> "0.71"."""
    if missing(value):
        return DASH
    return f"{value:.{digits}f}"


def signed(value: float | None, digits: int = 2) -> str:
    """A signed decimal with a true minus sign: "+0.11", "−0.03"."""
    if missing(value):
        return DASH
    assert value is not None
    text = f"{value:+.{digits}f}"
    return text.replace("-", "−")


def points(value: float | None) -> str:
    """A difference of shares in percentage points: 0.383 -> "+38 pts"."""
    if missing(value):
        return DASH
    assert value is not None
    return f"{100.0 * value:+.0f} pts".replace("-", "−")


def times(value: float | None) -> str:
    """A ratio such as a lift: 1.87 -> "1.9×"."""
    if missing(value):
        return DASH
    return f"{value:.1f}×"


def amount(value: float | None) -> str:
    """An opportunity amount in the org's currency, without decimals: "35,000"."""
    return num(value)


def of(part: int | None, whole: int | None) -> str:
    """ "141 of 648"."""
    return f"{num(part)} of {num(whole)}"


def day(value: dt.date | None) -> str:
    """A date as ISO text."""
    return DASH if value is None else value.isoformat()


_WORDS = {"api": "API", "saas": "SaaS", "ai": "AI", "crm": "CRM", "erp": "ERP", "it": "IT"}


def signal_label(signal: str | None) -> str:
    """A taxonomy signal key as words: "api_integration" -> "API integration"."""
    if not signal:
        return DASH
    words = [_WORDS.get(word, word) for word in signal.replace("-", "_").split("_") if word]
    return " ".join(words)


POLARITY_MARKS = {"positive": "+", "negative": "−", "neutral": "·"}


def polarity_mark(polarity: str | None) -> str:
    """A signal's polarity as one character: + positive, − negative, · neutral."""
    return POLARITY_MARKS.get(str(polarity), "?")


def p_value(value: float | None) -> str:
    """A p-value: "p = 0.21", "p < 0.001"."""
    if missing(value):
        return DASH
    assert value is not None
    return (
        "p < 0.001" if value < 0.001 else f"p = {value:.3f}" if value < 0.01 else f"p = {value:.2f}"
    )
