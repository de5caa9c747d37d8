"""The sections beyond one snapshot: stability over cohorts, when contacts progress
(Kaplan–Meier), the revenue each model finds, and the fitted yardstick's card.

Every figure is a column of its mart (cohort_metrics, cohort_trend, score_drift,
progression_curves, revenue_capture, revenue_capture_curve, model_cards, model_card_terms);
the page selects, orders and
formats them, and thins curve points for drawing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reports import fmt
from reports.charts import Axis, Mark, Rule, Series, line_chart, nice_ticks, plain_tick, thin
from reports.data import Key, ReportData, Row
from reports.html import Safe, el
from reports.page import Col, details, figure, section, table

#: The days at which the progression curves are read in the table.
READ_OFF_DAYS = (14, 30, 60, 90)
STABILITY_WORDS = {
    "better": "got better beyond noise",
    "worse": "got worse beyond noise",
    "within noise": "stayed within noise",
}


def _cohort_label(row: Row) -> str:
    start = row["cohort_start"]
    return (
        start.strftime("%b %-d") if row.get("cohort_grain") == "week" else start.strftime("%b %Y")
    )


def stability_sentence(row: Row) -> str:
    """One sentence per model from cohort_trend."""
    grain = "weekly" if row["cohort_grain"] == "week" else "monthly"
    head = f"{row['model']} over {fmt.num(row['cohorts'])} {grain} cohorts: "
    if row["stability"] not in STABILITY_WORDS:
        return head + (
            f"not measurable ({fmt.num(row['cohorts_measured'])} cohorts with an AUC; at least "
            "three are needed, a longer window such as DAYS=180 gives more)."
        )
    return head + (
        f"its AUC {STABILITY_WORDS[row['stability']]} ({fmt.dec(row['first_cohort_auc'])} in "
        f"the first cohort, {fmt.dec(row['last_cohort_auc'])} in the last; slope "
        f"{fmt.signed(row['auc_slope'], 3)} per cohort, z {fmt.dec(row['auc_slope_z'])})."
    )


def stability_chart(data: ReportData) -> Safe:
    """AUC per cohort and model, with its 95% interval drawn as a thin band of two lines."""
    starts = sorted({row["cohort_start"] for row in data.cohorts})
    index = {start: i for i, start in enumerate(starts)}
    labels = {row["cohort_start"]: _cohort_label(row) for row in data.cohorts}
    series = []
    for key in data.keys:
        rows = [r for r in data.rows(data.cohorts, key) if not fmt.missing(r.get("roc_auc"))]
        points = [(index[r["cohort_start"]], r["roc_auc"]) for r in rows]
        color, label = data.color(key), data.label(key)
        series.append(Series(f"{label} AUC", points, color, data.dash(key), markers=True))
        for bound in ("roc_auc_low", "roc_auc_high"):
            band = [(index[r["cohort_start"]], r[bound]) for r in rows]
            series.append(Series("", band, color, "2 3", width=1))
    last = max(len(starts) - 1, 1)
    step = max(1, len(starts) // 6)
    return line_chart(
        "ROC AUC per cohort",
        series,
        x=Axis(
            "Cohort (created in)",
            0,
            last,
            ticks=[float(i) for i in range(0, len(starts), step)],
            tick_text=lambda value: labels.get(starts[int(value)], "") if starts else "",
        ),
        y=Axis("ROC AUC (95% interval dotted)", 0.0, 1.0, tick_text=plain_tick),
        rules=[Rule(0, 0.5, last, 0.5, "chance (0.5)")],
        description="ROC AUC of each cohort per model, with its Hanley–McNeil 95% interval.",
    )


def _ranged(row: Row, value: str, low: str, high: str, show: Callable[[Any], str]) -> str:
    """A figure with its 95% interval in brackets: "0.71 (0.63–0.80)"."""
    if fmt.missing(row.get(value)):
        return "not measurable"
    return f"{show(row[value])} ({show(row.get(low))}–{show(row.get(high))})"


def _cohort_table(data: ReportData, key: Key) -> Safe:
    drift = {row["cohort_start"]: row for row in data.rows(data.drift, key)}
    rows = []
    for row in sorted(data.rows(data.cohorts, key), key=lambda r: r["cohort_start"]):
        shift = drift.get(row["cohort_start"], {})
        rows.append(
            [
                _cohort_label(row),
                fmt.num(row["contacts"]),
                fmt.num(row["judged"]),
                fmt.num(row["progressed"]),
                _ranged(row, "model_precision", "precision_low", "precision_high", fmt.pct),
                _ranged(row, "model_recall", "recall_low", "recall_high", fmt.pct),
                _ranged(row, "roc_auc", "roc_auc_low", "roc_auc_high", fmt.dec),
                f"{fmt.dec(shift.get('psi_vs_rest'), 3)} ({shift.get('drift', fmt.DASH)})",
            ]
        )
    return table(
        [
            Col("Cohort"),
            Col("Contacts", num=True),
            Col("Judged", num=True, title="at least cohort_horizon_days old, time known"),
            Col("Progressed", num=True, title="within the horizon"),
            Col("Precision", num=True),
            Col("Recall", num=True),
            Col("AUC", num=True),
            Col("Score drift (PSI)", num=True, title="vs the rest of the window"),
        ],
        rows,
        empty="No cohort: the window holds no scored contact.",
    )


def stability(data: ReportData) -> Safe:
    """Is the model's quality stable over time?"""
    horizon = next((row.get("horizon_days") for row in data.cohorts), None)
    parts: list[Safe] = [
        el(
            "p",
            "Contacts are grouped by the week (or month, COHORT=month) they were created in. "
            f"Every cohort is judged at the same age ({fmt.num(horizon)} days): a contact counts "
            "as progressed when it progressed within that many days, so the newest cohorts are "
            "not made to look worse by their deals' short time. The trend is the AUC's slope "
            "over the cohorts, each weighted by how precisely its AUC is known.",
        ),
        el("ul", *[el("li", stability_sentence(row)) for row in data.trend]),
    ]
    if data.cohorts:
        parts.append(figure(stability_chart(data), "ROC AUC per cohort and model."))
    for key in data.keys:
        parts.append(details(f"Cohorts of {data.label(key)}", _cohort_table(data, key)))
    return section("stability", "Stability over time", *parts)


def _curve_groups(data: ReportData, key: Key) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = {}
    for row in sorted(data.rows(data.progression, key), key=lambda r: r["day"]):
        groups.setdefault(row["decision"], []).append(row)
    return groups


def progression_chart(data: ReportData) -> Safe:
    """Kaplan–Meier curves: share progressed by day since creation, per model and decision."""
    series, longest = [], 1
    for key in data.keys:
        for decision, rows in _curve_groups(data, key).items():
            points = thin([(float(r["day"]), r["progressed_share"]) for r in rows])
            longest = max(longest, int(rows[-1]["day"]))
            dash = None if decision == "qualified" else "6 4"
            series.append(Series(f"{data.label(key)}: {decision}", points, data.color(key), dash))
    high = max([0.1] + [p for s in series for _, p in s.points])
    days = nice_ticks(longest, count=6)
    shares = nice_ticks(min(1.0, high * 1.1), count=5)
    return line_chart(
        "Progressed by day since creation (Kaplan–Meier)",
        series,
        x=Axis("Days since the contact was created", 0, days[-1], days, plain_tick),
        y=Axis("Share progressed beyond Stage 1", 0.0, shares[-1], shares),
        description="Kaplan–Meier estimate of the share progressed, per model decision.",
    )


def _read_off(rows: list[Row], day: int) -> str:
    row = next((r for r in rows if r["day"] == day), None)
    if row is None:
        return "n/a"
    return _ranged(
        row,
        "progressed_share",
        "progressed_share_low",
        "progressed_share_high",
        lambda value: fmt.pct(value, digits=1),
    )


def progression(data: ReportData) -> Safe:
    """When do qualified contacts progress?"""
    rows = []
    for key in data.keys:
        for decision, curve in _curve_groups(data, key).items():
            rows.append(
                [
                    data.label(key),
                    decision,
                    fmt.num(curve[0]["contacts_followed"]),
                    fmt.num(curve[0]["contacts_left_out"]),
                    *[_read_off(curve, day) for day in READ_OFF_DAYS],
                ]
            )
    follow_up = max((int(r["follow_up_days"]) for r in data.progression), default=0)
    parts: list[Safe] = [
        el(
            "p",
            "Every contact counts: one that has not progressed is followed until today "
            "(censored at its age), so pending contacts add what they show and no maturity "
            "cut-off is needed. Read the gap between the solid (qualified) and dashed (not "
            f"qualified) curves. This window follows contacts for up to {follow_up} days; a "
            "day past that reads n/a (a longer DAYS reads it). Left out: undetermined contacts "
            "and progress without a date.",
        ),
    ]
    if data.progression:
        parts.append(figure(progression_chart(data), "Kaplan–Meier progression curves."))
    parts.append(
        table(
            [
                Col("Model"),
                Col("Decision"),
                Col("Contacts", num=True),
                Col("Left out", num=True),
                *[
                    Col(f"By day {day}", num=True, title="95% interval (Greenwood)")
                    for day in READ_OFF_DAYS
                ],
            ],
            rows,
            empty="No curve: no contact could be followed.",
        )
    )
    return section("progression", "When contacts progress", *parts)


def revenue_sentence(row: Row) -> str:
    """ "Qualifying 43% of contacts would have kept 90% of won revenue (5.7M of 6.3M)"."""
    currency = f" {row['corporate_currency']}" if row.get("corporate_currency") else ""
    if fmt.missing(row.get("revenue_weighted_recall")):
        return f"{row['model']}: no won revenue by as-of date, so nothing to keep (not measurable)."
    return (
        f"{row['model']}: qualifying {fmt.pct(row['qualified_share'])} of contacts would have "
        f"kept {fmt.pct(row['revenue_weighted_recall'])} of won revenue "
        f"({fmt.amount(row['won_found'])} of {fmt.amount(row['won_total'])}{currency})."
    )


def revenue_chart(data: ReportData) -> Safe:
    """Share of won revenue kept against share of contacts qualified, over thresholds."""
    series, marks = [], []
    for key in data.keys:
        rows = sorted(data.rows(data.revenue_curve, key), key=lambda r: -r["threshold"])
        points = [(0.0, 0.0)] + [
            (r["contact_share"], r["won_share"]) for r in rows if not fmt.missing(r["won_share"])
        ]
        series.append(Series(data.label(key), thin(points), data.color(key), data.dash(key)))
        row = next((r for r in data.rows(data.revenue, key)), None)
        if row and not fmt.missing(row.get("revenue_weighted_recall")):
            marks.append(
                Mark(
                    row["qualified_share"],
                    row["revenue_weighted_recall"],
                    data.color(key),
                    f"{data.label(key)} as it decided",
                )
            )
    return line_chart(
        "Won revenue kept",
        series,
        x=Axis("Share of contacts qualified (best scores first)"),
        y=Axis("Share of won revenue kept"),
        rules=[Rule(0, 0, 1, 1, "random pick")],
        marks=marks,
        description="Share of won revenue kept against share of contacts qualified.",
    )


def revenue(data: ReportData) -> Safe:
    """How much revenue does the model find?"""
    rows = [
        [
            row["model"],
            fmt.amount(row["pipeline_found"]),
            fmt.amount(row["pipeline_missed"]),
            fmt.amount(row["won_found"]),
            fmt.amount(row["won_missed"]),
            fmt.pct(row["revenue_weighted_recall"]),
            fmt.num(row["opportunities_without_amount"]),
        ]
        for row in data.revenue
    ]
    currency = next(
        (r["corporate_currency"] for r in data.revenue if r.get("corporate_currency")), None
    )
    parts: list[Safe] = [
        el("ul", *[el("li", revenue_sentence(row)) for row in data.revenue]),
        el(
            "p",
            "Amounts are in "
            + (f"the corporate currency ({currency})" if currency else "the org's one currency")
            + "; an opportunity counts once, as found when the model qualified at least one of "
            "its window contacts. Opportunities without an amount or a rate are counted apart, "
            "never summed.",
        ),
        table(
            [
                Col("Model"),
                Col("Pipeline found", num=True),
                Col("Pipeline missed", num=True),
                Col("Won found", num=True),
                Col("Won missed", num=True),
                Col("Revenue-weighted recall", num=True),
                Col("Without amount", num=True),
            ],
            rows,
            empty="No model was scored.",
        ),
    ]
    if data.revenue_curve:
        parts.append(figure(revenue_chart(data), "Won revenue kept over score thresholds."))
    return section("revenue", "Revenue found", *parts)


#: Terms of a fitted model's card shown on the page (the rest: marts.model_card_terms).
CARD_TERMS = 12


def card_sentence(card: Row) -> str:
    """What the fitted yardstick was trained on and how well it fits, or why it was not."""
    if not card.get("is_trained"):
        return f"{card['model']} was not trained: {card.get('note') or 'no reason recorded'}."
    return (
        f"{card['model']} ({card['model_version']}) is a logistic regression trained on "
        f"{fmt.num(card['training_contacts'])} contacts created "
        f"{fmt.day(card['training_first_created_on'])} to {fmt.day(card['training_created_by'])}"
        f" ({fmt.num(card['training_positives'])} progressed within the maturity window, "
        f"{fmt.pct(card['training_base_rate'])}), with what was known by "
        f"{fmt.day(card['training_known_by'])}: training AUC {fmt.dec(card['training_auc'])}, "
        f"cross-validated {fmt.dec(card['cv_auc'])} ({fmt.num(card['cv_folds'])} folds); it "
        f"qualifies from a score of {fmt.dec(card['threshold'])}."
    )


def fitted(data: ReportData) -> Safe:
    """The fitted yardstick: what the org's own history predicts, and how."""
    parts: list[Safe] = [
        el(
            "p",
            "A skeptical reader's first question: is the model better than what the CRM "
            "already knows? fitted_history answers it: a logistic regression on the inputs "
            "the demographic baseline sees plus industry and lead source, trained only on "
            "contacts that matured before the window (inputs as they were when each arrived), "
            "then scored on the window and judged like every other model.",
        )
    ]
    if not data.cards:
        parts.append(el("p", "No fitted model was run for this as-of date (FITTED=off)."))
    for card in data.cards:
        parts.append(el("p", card_sentence(card)))
        key = (card["model"], card["model_version"])
        terms = [r for r in data.rows(data.card_terms, key) if r["term_rank"] <= CARD_TERMS]
        if card.get("is_trained"):
            parts.append(
                table(
                    [
                        Col("Input"),
                        Col("Level"),
                        Col("Coefficient", num=True),
                        Col(
                            "Odds ratio",
                            num=True,
                            title="per standard deviation, or vs the reference level",
                        ),
                    ],
                    [
                        [
                            r["feature"],
                            r.get("level") or fmt.DASH,
                            fmt.signed(r["coefficient"], 3),
                            fmt.dec(r["odds_ratio"]),
                        ]
                        for r in terms
                    ],
                    caption=f"The {CARD_TERMS} largest terms (all in marts.model_card_terms).",
                    empty="No terms recorded.",
                )
            )
    return section("fitted", "The fitted yardstick", *parts)
