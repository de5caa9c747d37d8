"""The one-sentence verdict per model, and the few plain words that grade a figure.

All functions take ``backtest_summary`` rows (dicts) and return plain text; the page
escapes it like any other text.
"""

from __future__ import annotations

from typing import Any

from reports import fmt

Row = dict[str, Any]


def verdict_sentence(
    label: str, summary: Row, *, baseline_label: str | None = None, baseline: Row | None = None
) -> str:
    """ "business_context finds 62% (95% CI 53–69%) of the contacts AEs progressed; 35% of
    those it qualifies progress (29–41%); AUC 0.71 vs 0.60 for the demographic baseline."

    The baseline itself (``baseline`` None) gets the same sentence without the comparison.
    """
    decided = summary.get("decided_contacts") or 0
    total = summary.get("total_contacts") or 0
    if not total:
        return f"{label} scored no contact in the window: there is nothing to judge."
    if not decided:
        return (
            f"{label} has no decided contact yet: all {fmt.num(total)} scored contacts are "
            "pending, so nothing can be judged."
        )
    parts = [_recall_part(label, summary), _precision_part(summary), _auc_part(summary)]
    text = "; ".join(part for part in parts if part)
    if baseline is not None and baseline_label and not fmt.missing(baseline.get("roc_auc")):
        if not fmt.missing(summary.get("roc_auc")):
            text += f" vs {fmt.dec(baseline['roc_auc'])} for the {baseline_label} baseline"
    return text + "."


def _recall_part(label: str, summary: Row) -> str:
    if not summary.get("deals_beyond_stage_one"):
        return f"{label} cannot be judged on recall: AEs progressed none of its decided contacts"
    return (
        f"{label} finds {fmt.pct(summary.get('model_recall'))} "
        f"({fmt.ci(summary.get('recall_ci_low'), summary.get('recall_ci_high'))}) "
        "of the contacts AEs progressed"
    )


def _precision_part(summary: Row) -> str:
    if fmt.missing(summary.get("model_precision")):  # null: it qualified no decided contact
        return "it qualifies none of the decided contacts"
    low, high = summary.get("precision_ci_low"), summary.get("precision_ci_high")
    return (
        f"{fmt.pct(summary.get('model_precision'))} of those it qualifies progress "
        f"({fmt.pct_range(low, high)})"
    )


def _auc_part(summary: Row) -> str:
    auc = summary.get("roc_auc")
    return "" if fmt.missing(auc) else f"AUC {fmt.dec(auc)}"


def auc_grade(auc: float | None) -> str:
    """Plain words for a ROC AUC (0.5 is chance), on the usual scale."""
    if fmt.missing(auc):
        return "Not measurable"
    assert auc is not None
    if auc >= 0.9:
        return "Yes, very well"
    if auc >= 0.8:
        return "Yes, well"
    if auc >= 0.7:
        return "Fairly well"
    if auc >= 0.6:
        return "Weakly"
    if auc > 0.5:
        return "Barely better than chance"
    return "No better than chance"
