"""The seed's "Expected Results", checked against what was measured.

Each check takes mart rows (plain dicts) and returns a :class:`Check`: ``met``, ``not met``
or ``not measurable here``, with the figure it was decided on. Nothing is assumed: a check
whose figure is missing (no decided contacts, no AE reasoning, no scoring run recorded,
no contact in the segment, a signal the model does not read) is not measurable.

Definitions the seed leaves open, stated here and in the report:

- *enterprise prospects* are contacts whose account has 1,000 employees or more (the size
  bands whose lower bound is at least 1,000); *small business* under 200 employees;
- "scores 70–90%" is judged on the mean score of those contacts (pending ones included:
  scores do not depend on outcomes);
- *technology companies* are contacts whose account industry is Technology, compared with
  the mean score of all scored contacts;
- *API/Integration correlates with progression* when the progression rate of contacts the
  model tags with it has a 95% interval entirely above the model's base rate;
- the *processing rate* is the last scoring run's qualifications per second, divided by
  the number of models it scored (contacts per hour, as the seed counts them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reports import fmt
from reports.stats import wilson

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
    correct = (summary.get("true_positives") or 0) + (summary.get("true_negatives") or 0)
    interval = wilson(correct, decided)
    figure = f"{fmt.pct(accuracy, digits=1)} of {fmt.num(decided)} decided contacts"
    if interval:
        figure += f" ({fmt.ci(*interval)})"
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


def _weighted_mean(rows: Sequence[Row]) -> tuple[float, int] | None:
    total = sum(row.get("total_contacts") or 0 for row in rows)
    scored = [r for r in rows if not fmt.missing(r.get("mean_score")) and r.get("total_contacts")]
    if not total or not scored:
        return None
    mean = sum(r["mean_score"] * r["total_contacts"] for r in scored) / total
    return mean, total


def _size_check(
    segments: Sequence[Row], *, name: str, low: float, high: float, keep: Any, bands_text: str
) -> Check:
    bands = [
        row
        for row in segments
        if row.get("segment_type") == "company_size_band"
        and (bounds := band_bounds(row.get("segment_value"))) is not None
        and keep(bounds)
    ]
    result = _weighted_mean(bands)
    if result is None:
        return Check(UNMEASURABLE, f"no {name} contact ({bands_text}) was scored")
    mean, total = result
    labels = ", ".join(sorted((str(b["segment_value"]) for b in bands), key=_band_order))
    figure = f"mean score {fmt.pct(mean, digits=1)} over {fmt.num(total)} contacts ({labels})"
    return Check(_status(low <= mean <= high), figure)


def _band_order(label: str) -> int:
    bounds = band_bounds(label)
    return bounds[0] if bounds else 0


def check_enterprise(segments: Sequence[Row]) -> Check:
    """Mean score of contacts at accounts of 1,000+ employees within 70–90%."""
    return _size_check(
        segments,
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
        name="small-business",
        low=0.20,
        high=0.40,
        keep=lambda bounds: bounds[1] is not None and bounds[1] < 200,
        bands_text="under 200 employees",
    )


def check_technology(segments: Sequence[Row]) -> Check:
    """Mean score of Technology accounts above the mean of all scored contacts."""
    industries = [row for row in segments if row.get("segment_type") == "account_industry"]
    overall = _weighted_mean(industries)
    tech = [row for row in industries if str(row.get("segment_value")).lower() == "technology"]
    tech_mean = _weighted_mean(tech)
    if overall is None or tech_mean is None:
        return Check(UNMEASURABLE, "no contact at a Technology account was scored")
    figure = (
        f"Technology {fmt.pct(tech_mean[0], digits=1)} ({fmt.num(tech_mean[1])} contacts) "
        f"vs {fmt.pct(overall[0], digits=1)} for all {fmt.num(overall[1])}"
    )
    return Check(_status(tech_mean[0] > overall[0]), figure)


def signal_name(text: str) -> str:
    """A taxonomy signal key from a label: "API/Integration" -> "api_integration"."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def check_api_integration(signals: Sequence[Row]) -> Check:
    """Contacts tagged API/Integration progress more than the base rate (95% interval)."""
    row = next((r for r in signals if signal_name(str(r.get("signal"))) == "api_integration"), None)
    if row is None or not row.get("decided_contacts"):
        return Check(UNMEASURABLE, "the model tagged no decided contact with API/Integration")
    decided, progressed = row["decided_contacts"], row.get("progressed_contacts") or 0
    interval = wilson(progressed, decided)
    base = row.get("base_rate")
    if interval is None or fmt.missing(base):
        return Check(UNMEASURABLE, "no base rate to compare with")
    figure = (
        f"{fmt.pct(progressed / decided)} of {fmt.num(decided)} tagged contacts progressed "
        f"({fmt.ci(*interval)}) vs base rate {fmt.pct(base)}"
    )
    return Check(_status(interval[0] > base), figure)


def model_checks(summary: Row, segments: Sequence[Row], signals: Sequence[Row]) -> dict[str, Check]:
    """Every per-model expectation of one model, by key."""
    return {
        "qualification_rate": check_qualification_rate(summary),
        "accuracy": check_accuracy(summary),
        "alignment": check_alignment(summary),
        "enterprise": check_enterprise(segments),
        "small_business": check_small_business(segments),
        "technology": check_technology(segments),
        "api_integration": check_api_integration(signals),
    }
