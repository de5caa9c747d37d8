"""The seed's "Expected Results", checked against what was measured.

Each check takes mart rows (plain dicts) and returns a :class:`Check`: ``met``, ``not met``
or ``not measurable here``, with the figure it was decided on. Nothing is assumed: a check
whose figure is missing (no decided contacts, no AE reasoning, no scoring run recorded,
no contact in the segment, a signal the model does not read) is not measurable.

Definitions the seed leaves open, stated here and in the report:

- *enterprise prospects* are contacts whose account has 1,000 employees or more;
  *small business* under 200 employees (metrics_by_segment's company_size_class);
- "scores 70–90%" is judged on the mean score of those contacts (pending ones included:
  scores do not depend on outcomes);
- *technology companies* are contacts whose account industry is Technology, compared with
  the mean score of all scored contacts (backtest_summary.mean_score);
- *API/Integration correlates with progression* when the progression rate of contacts the
  model tags with it has a 95% interval entirely above the model's base rate;
- every figure is a mart column (the intervals too): a check compares, it does not compute;
- the *processing rate* is the last scoring run's qualifications per second, divided by
  the number of models it scored (contacts per hour, as the seed counts them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reports import fmt

MET = "met"
NOT_MET = "not met"
UNMEASURABLE = "not measurable here"

Row = dict[str, Any]


@dataclass(frozen=True)
class Check:
    """One expectation's verdict and the figure behind it."""

    status: str
    figure: str


@dataclass(frozen=True)
class Expectation:
    """One line of the seed's Expected Results."""

    key: str
    group: str
    text: str
    per_model: bool = True


EXPECTATIONS = (
    Expectation("qualification_rate", "Success indicators", "Qualification rate: 20–40%"),
    Expectation(
        "accuracy",
        "Success indicators",
        "Model accuracy: > 70% (and above the majority class's)",
    ),
    Expectation("alignment", "Success indicators", "Model–AE alignment: > 0.6"),
    Expectation(
        "processing_rate",
        "Success indicators",
        "Processing rate: 100+ contacts/hour",
        per_model=False,
    ),
    Expectation("enterprise", "Pattern discovery", "Enterprise prospects score 70–90%"),
    Expectation("small_business", "Pattern discovery", "Small business scores 20–40%"),
    Expectation(
        "technology", "Pattern discovery", "Technology companies score higher than average"
    ),
    Expectation(
        "api_integration",
        "Pattern discovery",
        "API/Integration use cases correlate with progression",
    ),
)


def _status(ok: bool) -> str:
    return MET if ok else NOT_MET


def check_qualification_rate(summary: Row) -> Check:
    """Share of scored contacts the model qualified, within 20–40%."""
    rate = summary.get("qualification_rate")
    if fmt.missing(rate):
        return Check(UNMEASURABLE, "no contact was scored")
    figure = (
        f"{fmt.pct(rate, digits=1)} qualified "
        f"({fmt.of(summary.get('model_qualified'), summary.get('total_contacts'))} scored)"
    )
    return Check(_status(0.20 <= rate <= 0.40), figure)


def check_accuracy(summary: Row) -> Check:
    """Accuracy over decided contacts above 70% *and* above the majority class's accuracy
    (always predicting the more common outcome, ``majority_class_accuracy``): a model that
    qualifies nobody where 78% do not progress is 78% accurate and has learnt nothing."""
    accuracy = summary.get("model_accuracy")
    decided = summary.get("decided_contacts") or 0
    if fmt.missing(accuracy) or not decided:
        return Check(UNMEASURABLE, "no decided contact yet (all pending)")
    low, high = summary.get("accuracy_ci_low"), summary.get("accuracy_ci_high")
    figure = f"{fmt.pct(accuracy, digits=1)} of {fmt.num(decided)} decided contacts"
    if not fmt.missing(low) and not fmt.missing(high):
        figure += f" ({fmt.ci(low, high)})"
    majority = summary.get("majority_class_accuracy")
    if fmt.missing(majority):
        return Check(UNMEASURABLE, figure + "; the majority class's accuracy is unknown")
    base = summary.get("base_rate") or 0
    always = "qualifying nobody" if base < 0.5 else "qualifying everybody"
    figure += f"; {always} (the majority class) would score {fmt.pct(majority, digits=1)}"
    beats = accuracy > majority
    if accuracy > 0.70 and not beats:
        figure += ", so above 70% says nothing here"
    return Check(_status(accuracy > 0.70 and beats), figure)


def check_alignment(summary: Row) -> Check:
    """Mean model–AE alignment over rows with AE reasoning above 0.6."""
    value = summary.get("ae_model_alignment_avg")
    rows = summary.get("ae_reasoning_rows") or 0
    if fmt.missing(value) or not rows:
        return Check(UNMEASURABLE, "no decided opportunity carries AE reasoning")
    figure = f"{fmt.dec(value)} over {fmt.num(rows)} opportunity rows with AE reasoning"
    return Check(_status(value > 0.6), figure)


def check_processing_rate(progress: Row | None, *, models: int | None = None) -> Check:
    """The last scoring run's rate, in contacts per hour, at least 100."""
    if not progress:
        return Check(UNMEASURABLE, "no scoring run recorded beside this warehouse")
    processed = progress.get("processed") or 0
    rate = progress.get("rate")
    if not processed or fmt.missing(rate) or not rate:
        return Check(UNMEASURABLE, "the last scoring run scored nothing new (no rate to measure)")
    listed = progress.get("models")
    count = models or (len(listed) if isinstance(listed, list) and listed else 1)
    contacts_per_second = float(rate) / count
    figure = (
        f"{contacts_per_second * 3600:,.0f} contacts/hour "
        f"({fmt.num(processed)} qualifications by {count} model{'s' if count > 1 else ''} "
        f"at {float(rate):,.1f}/s in the last scoring run)"
    )
    return Check(_status(contacts_per_second * 3600 >= 100), figure)


def band_bounds(label: str | None) -> tuple[int, int | None] | None:
    """Employee bounds of a size band: "200-999" -> (200, 999), "5000+" -> (5000, None)."""
    if not label:
        return None
    text = label.replace(",", "").replace(" ", "")
    if match := re.fullmatch(r"(\d+)[-–](\d+)", text):
        return int(match[1]), int(match[2])
    if match := re.fullmatch(r"(\d+)\+", text):
        return int(match[1]), None
    return None


def _size_check(
    segments: Sequence[Row],
    *,
    size_class: str,
    name: str,
    low: float,
    high: float,
    keep: Any,
    bands_text: str,
) -> Check:
    row = next(
        (
            r
            for r in segments
            if r.get("segment_type") == "company_size_class"
            and r.get("segment_value") == size_class
        ),
        None,
    )
    if row is None or not row.get("total_contacts") or fmt.missing(row.get("mean_score")):
        return Check(UNMEASURABLE, f"no {name} contact ({bands_text}) was scored")
    bands = [
        str(r["segment_value"])
        for r in segments
        if r.get("segment_type") == "company_size_band"
        and (bounds := band_bounds(r.get("segment_value"))) is not None
        and keep(bounds)
    ]
    mean = row["mean_score"]
    figure = (
        f"mean score {fmt.pct(mean, digits=1)} over {fmt.num(row['total_contacts'])} contacts "
        f"({', '.join(sorted(bands, key=_band_order))})"
    )
    return Check(_status(low <= mean <= high), figure)


def _band_order(label: str) -> int:
    bounds = band_bounds(label)
    return bounds[0] if bounds else 0


def check_enterprise(segments: Sequence[Row]) -> Check:
    """Mean score of contacts at accounts of 1,000+ employees within 70–90%."""
    return _size_check(
        segments,
        size_class="enterprise",
        name="enterprise",
        low=0.70,
        high=0.90,
        keep=lambda bounds: bounds[0] >= 1000,
        bands_text="1,000+ employees",
    )


def check_small_business(segments: Sequence[Row]) -> Check:
    """Mean score of contacts at accounts under 200 employees within 20–40%."""
    return _size_check(
        segments,
        size_class="small_business",
        name="small-business",
        low=0.20,
        high=0.40,
        keep=lambda bounds: bounds[1] is not None and bounds[1] < 200,
        bands_text="under 200 employees",
    )


def check_technology(summary: Row, segments: Sequence[Row]) -> Check:
    """Mean score of Technology accounts above the mean of all scored contacts."""
    tech = next(
        (
            row
            for row in segments
            if row.get("segment_type") == "account_industry"
            and str(row.get("segment_value")).lower() == "technology"
        ),
        None,
    )
    overall = summary.get("mean_score")
    if tech is None or fmt.missing(tech.get("mean_score")) or fmt.missing(overall):
        return Check(UNMEASURABLE, "no contact at a Technology account was scored")
    figure = (
        f"Technology {fmt.pct(tech['mean_score'], digits=1)} "
        f"({fmt.num(tech.get('total_contacts'))} contacts) "
        f"vs {fmt.pct(overall, digits=1)} for all {fmt.num(summary.get('total_contacts'))}"
    )
    return Check(_status(tech["mean_score"] > overall), figure)


def signal_name(text: str) -> str:
    """A taxonomy signal key from a label: "API/Integration" -> "api_integration"."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def check_api_integration(signals: Sequence[Row]) -> Check:
    """Contacts tagged API/Integration progress more than the base rate (95% interval)."""
    row = next((r for r in signals if signal_name(str(r.get("signal"))) == "api_integration"), None)
    if row is None or not row.get("decided_contacts"):
        return Check(UNMEASURABLE, "the model tagged no decided contact with API/Integration")
    low, high, base = (
        row.get("progression_ci_low"),
        row.get("progression_ci_high"),
        row.get("base_rate"),
    )
    if fmt.missing(low) or fmt.missing(high) or fmt.missing(base):
        return Check(UNMEASURABLE, "no base rate to compare with")
    figure = (
        f"{fmt.pct(row.get('progression_rate'))} of {fmt.num(row['decided_contacts'])} tagged "
        f"contacts progressed ({fmt.ci(low, high)}) vs base rate {fmt.pct(base)}"
    )
    return Check(_status(low > base), figure)


def model_checks(summary: Row, segments: Sequence[Row], signals: Sequence[Row]) -> dict[str, Check]:
    """Every per-model expectation of one model, by key."""
    return {
        "qualification_rate": check_qualification_rate(summary),
        "accuracy": check_accuracy(summary),
        "alignment": check_alignment(summary),
        "enterprise": check_enterprise(segments),
        "small_business": check_small_business(segments),
        "technology": check_technology(summary, segments),
        "api_integration": check_api_integration(signals),
    }
