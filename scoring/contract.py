"""The qualification API contract's limits on request fields, in one place.

The reference API (``scoring.api``) rejects longer text with a 422 naming the field; the
scoring step truncates to these lengths before sending and records which fields it cut on
the qualification row (``inputs_truncated``). Every limit is at least Salesforce's own
maximum for the field it carries (``Account.Description`` and other long text areas hold
32,000 characters; ``Account.Name`` and ``Website`` 255; ``Contact.Title`` 128;
``Contact.Email`` 80), so real records fit unless an org widened a field.

Lengths count characters (Unicode code points), as Python's ``len`` does.
"""

from __future__ import annotations

#: Request text field -> the most characters a service that speaks the contract accepts.
MAX_LENGTHS: dict[str, int] = {
    "domain": 253,
    "company_name": 1_000,
    "website": 2_000,
    "industry": 255,
    "description": 32_000,
    "title": 1_000,
    "email": 320,
    "lead_source": 255,
}

#: The largest whole number accepted for ``employees`` (a signed 64-bit integer).
MAX_INT = 2**63 - 1
#: The largest ``annual_revenue`` accepted (finite, and far beyond any real revenue).
MAX_AMOUNT = 1e18


def truncate_item(item: dict[str, object]) -> list[str]:
    """Cut each text field of a request item to its contract limit, in place; return the
    names of the fields that were cut (in contract order)."""
    cut = []
    for name, limit in MAX_LENGTHS.items():
        value = item.get(name)
        if isinstance(value, str) and len(value) > limit:
            item[name] = value[:limit]
            cut.append(name)
    return cut
