"""The chart-led sections: ranking curves, calibration and lift, the threshold sweep,
segments, and the business-context patterns that go with progression.

Curves come from ``score_curves`` (every distinct score a threshold, so the area under the
drawn ROC curve is the marts' AUC); everything else from its mart as it is: the page selects,
orders and formats mart columns, it computes no figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reports import fmt
from reports.charts import (
    BLUE,
    GREY,
    INK,
    PURPLE,
    SKY,
    VERMILLION,
    Axis,
    HBar,
    Mark,
    Rule,
    Series,
    bar_chart,
    hbar_chart,
    line_chart,
    nice_ticks,
    plain_tick,
    thin,
)
from reports.checks import band_bounds
from reports.data import Key, ReportData, Row
from reports.html import Safe, el
from reports.page import Col, details, figure, section, table

#: Segments and signals resting on fewer decided contacts are left out of charts.
MIN_CHART_DECIDED = 5

SEGMENT_TITLES = {
    "account_industry": "Account industry",
    "company_size_band": "Company size (employees)",
    "lead_source": "Lead source",
    "ae_owner": "AE owner (the contact's owner)",
    "confidence": "Model confidence",
    "use_case": "Use case (as the model read it)",
    "model_industry": "Industry (as the model read it)",
}
#: Segments defined by the contact (the same for every model) and by the model's answer.
SHARED_SEGMENTS = ("account_industry", "company_size_band", "lead_source", "ae_owner")
MODEL_SEGMENTS = ("confidence", "use_case", "model_industry")
OPEN_SEGMENTS = {"company_size_band", "lead_source", "confidence", "use_case"}
CONFIDENCE_ORDER = ("HIGH", "CONFIDENT", "UNCERTAIN", "LOW")
POLARITY_COLORS = {"positive": BLUE, "negative": VERMILLION, "neutral": SKY}


def _mark_shape(data: ReportData, key: Key) -> str:
    return "square" if key in data.baseline_keys and len(data.keys) > 1 else "circle"


def _threshold_text(data: ReportData, key: Key) -> str:
    threshold = data.current_threshold(key)
    return f"{threshold:.2f}" if threshold is not None else "current"


def _curve(data: ReportData, key: Key, x: str, y: str) -> list[tuple[float, float]]:
    """One model's curve points from score_curves (both coordinates defined), thinned."""
    rows = sorted(data.rows(data.curves, key), key=lambda r: r["point_rank"])
    return thin(
        [(r[x], r[y]) for r in rows if not fmt.missing(r.get(x)) and not fmt.missing(r.get(y))]
    )


def roc_chart(data: ReportData) -> Safe:
    """ROC curves of all models, the chance diagonal, and each model's current threshold."""
    series, marks = [], []
    for key in data.keys:
        summary = data.summary(key)
        label = data.label(key)
        points = _curve(data, key, "curve_false_positive_rate", "curve_recall")
        series.append(
            Series(
                f"{label} (AUC {fmt.dec(summary.get('roc_auc'))})",
                points,
                data.color(key),
                data.dash(key),
            )
        )
        fpr, recall = summary.get("false_positive_rate"), summary.get("model_recall")
        if not fmt.missing(fpr) and not fmt.missing(recall):
            marks.append(
                Mark(
                    fpr,
                    recall,
                    data.color(key),
                    f"{label} at {_threshold_text(data, key)}",
                    _mark_shape(data, key),
                )
            )
    return line_chart(
        "ROC curve",
        series,
        x=Axis("False-positive rate"),
        y=Axis("Recall (true-positive rate)"),
        rules=[Rule(0, 0, 1, 1, "chance")],
        marks=marks,
        description="Recall against false-positive rate at every score threshold, per model.",
    )


def pr_chart(data: ReportData) -> Safe:
    """Precision–recall curves, the base rate, and each model's current threshold."""
    series, marks = [], []
    for key in data.keys:
        summary = data.summary(key)
        label = data.label(key)
        points = _curve(data, key, "curve_recall", "curve_precision")
        ap = fmt.dec(summary.get("average_precision"))
        series.append(Series(f"{label} (AP {ap})", points, data.color(key), data.dash(key)))
        precision, recall = summary.get("model_precision"), summary.get("model_recall")
        if not fmt.missing(precision) and not fmt.missing(recall):
            marks.append(
                Mark(
                    recall,
                    precision,
                    data.color(key),
                    f"{label} at {_threshold_text(data, key)}",
                    _mark_shape(data, key),
                )
            )
    base = data.summary(data.primary).get("base_rate")
    rules = [] if fmt.missing(base) else [Rule(0, base, 1, base, f"base rate {fmt.pct(base)}")]
    return line_chart(
        "Precision–recall curve",
        series,
        x=Axis("Recall"),
        y=Axis("Precision"),
        rules=rules,
        marks=marks,
        description="Precision against recall at every score threshold, per model.",
    )


def curves(data: ReportData) -> Safe:
    """ROC and precision–recall curves side by side."""
    return section(
        "curves",
        "Ranking: ROC and precision–recall curves",
        el(
            "p",
            "Each curve walks the score threshold from high to low: further up and left (ROC) "
            "or up and right (precision–recall) is better. The marks show where each model's "
            "current threshold puts it.",
        ),
        el(
            "div",
            figure(
                roc_chart(data),
                "The diagonal is a coin toss; the area under a curve is its ROC AUC.",
            ),
            figure(
                pr_chart(data),
                "The dashed line is the base rate, the precision of a random "
                "pick; AP (average precision) summarises the curve.",
            ),
            cls="charts",
        ),
    )


def _calibration_rows(data: ReportData, key: Key) -> list[Row]:
    return sorted(data.rows(data.calibration, key), key=lambda r: r["score_decile"])


def calibration_chart(data: ReportData) -> Safe:
    """Observed progression rate against mean score per decile, per model."""
    series = [
        Series(
            data.label(key),
            [
                (r["mean_score"], r["progression_rate"])
                for r in _calibration_rows(data, key)
                if not fmt.missing(r.get("mean_score"))
                and not fmt.missing(r.get("progression_rate"))
            ],
            data.color(key),
            data.dash(key),
            markers=True,
        )
        for key in data.keys
    ]
    return line_chart(
        "Calibration by score decile",
        series,
        x=Axis("Mean score in the decile (predicted)"),
        y=Axis("Progression rate (observed)"),
        rules=[Rule(0, 0, 1, 1, "perfectly calibrated")],
        description="Per score decile, the share of contacts AEs progressed against the mean "
        "score.",
    )


def lift_chart(data: ReportData) -> Safe:
    """Lift per score decile, per model, against no lift (1×)."""
    bins = _most_bins(data)
    categories = [str(d) for d in range(1, bins + 1)]
    series = []
    highest = 1.0
    for key in data.keys:
        by_decile = {r["score_decile"]: r.get("lift") for r in _calibration_rows(data, key)}
        values = [by_decile.get(d) for d in range(1, bins + 1)]
        highest = max([highest, *(v for v in values if v is not None)])
        series.append((data.label(key), values, data.color(key)))
    ticks = nice_ticks(highest * 1.05, count=4)
    return bar_chart(
        "Lift by score decile",
        categories,
        series,
        x_label=f"Score bin ({bins} = highest scores)",
        y=Axis("Lift (rate ÷ base rate)", 0, ticks[-1], ticks, lambda v: f"{plain_tick(v)}×"),
        rules=[Rule(0, 1, 1, 1, "no lift (1×)")],
        description="Progression rate of each score decile divided by the base rate.",
    )


def gain_chart(data: ReportData) -> Safe:
    """Cumulative gain: share of progressed contacts found working down the score order."""
    series = []
    for key in data.keys:
        rows = sorted(_calibration_rows(data, key), key=lambda r: r["cumulative_contacts_share"])
        points = [(0.0, 0.0)] + [
            (r["cumulative_contacts_share"], r["cumulative_gain"])
            for r in rows
            if not fmt.missing(r.get("cumulative_gain"))
        ]
        series.append(
            Series(
                data.label(key),
                points if len(points) > 1 else [],
                data.color(key),
                data.dash(key),
                markers=True,
            )
        )
    return line_chart(
        "Cumulative gain",
        series,
        x=Axis("Share of contacts, highest scores first"),
        y=Axis("Share of progressed contacts found"),
        rules=[Rule(0, 0, 1, 1, "random order")],
        description="Working down the contacts from the highest score, the share of all "
        "progressed contacts reached.",
    )


def _score_span(row: Row) -> str:
    """The scores a bin holds: "0.27" for one score, "0.27–0.31" for a range."""
    low, high = row.get("min_score"), row.get("max_score")
    if low == high:
        return fmt.dec(low, 3)
    return f"{fmt.dec(low, 3)}–{fmt.dec(high, 3)}"


def _decile_table(data: ReportData, key: Key) -> Safe:
    rows = [
        [
            fmt.num(r["score_decile"]),
            _score_span(r),
            fmt.num(r.get("contacts")),
            fmt.num(r.get("progressed_contacts")),
            fmt.pct(r.get("mean_score")),
            fmt.pct(r.get("progression_rate")),
            fmt.points(r.get("calibration_gap")),
            fmt.times(r.get("lift")),
            fmt.pct(r.get("cumulative_gain")),
        ]
        for r in sorted(_calibration_rows(data, key), key=lambda r: -r["score_decile"])
    ]
    return table(
        [
            Col("Decile", num=True),
            Col("Scores", num=True),
            Col("Contacts", num=True),
            Col("Progressed", num=True),
            Col("Mean score", num=True),
            Col("Progression rate", num=True),
            Col("Over-promise", num=True, title="mean score − progression rate"),
            Col("Lift", num=True),
            Col("Cumulative gain", num=True),
        ],
        rows,
    )


def _most_bins(data: ReportData) -> int:
    """The most score bins any model has (10 unless every model's scores are coarse)."""
    bins = [r.get("score_bins") or 0 for r in data.calibration]
    return max(bins, default=10) or 10


def _bins_note(data: ReportData) -> str:
    """Which models have fewer than ten bins, and why, in one sentence (or nothing)."""
    coarse = []
    for key in data.keys:
        bins = next((r.get("score_bins") for r in _calibration_rows(data, key)), None)
        if bins is not None and bins < 10:
            coarse.append(f"{data.label(key)} {bins}")
    if not coarse:
        return ""
    return (
        " Fewer than ten bins where scores take few distinct values (bins per model: "
        + ", ".join(coarse)
        + ")."
    )


def calibration(data: ReportData) -> Safe:
    """Calibration, lift and cumulative gain by score decile."""
    tables = [
        details(
            f"Deciles of {data.label(key)}", _decile_table(data, key), open_=key == data.primary
        )
        for key in data.keys
    ]
    return section(
        "calibration",
        "Calibration and lift by score decile",
        el(
            "p",
            "Decided contacts are split into up to ten near-equal groups by score, cut where "
            "the score changes, so contacts with the same score are never split."
            + _bins_note(data)
            + " Calibration asks "
            "whether a score of 60% means 60% of such contacts progress (points on the "
            "diagonal); lift how much likelier the decile's contacts progress than average; "
            "cumulative gain how many of the progressed contacts the top-scored share holds.",
        ),
        el(
            "div",
            figure(calibration_chart(data), "Points below the diagonal: the model over-promises."),
            figure(
                lift_chart(data),
                "Bars above 1× mark deciles that progress more than "
                "average; a good ranking rises to the right.",
            ),
            figure(
                gain_chart(data),
                "The higher above the diagonal, the fewer contacts AEs "
                "must work to reach the ones that progress.",
            ),
            cls="charts",
        ),
        *tables,
    )


def _sweep_rows(data: ReportData, key: Key) -> list[Row]:
    return sorted(data.rows(data.sweep, key), key=lambda r: r["threshold"])


def _line(rows: Sequence[Row], column: str) -> list[tuple[float, float]]:
    return [(r["threshold"], r[column]) for r in rows if not fmt.missing(r.get(column))]


def sweep_chart(data: ReportData, key: Key) -> Safe:
    """Precision, recall, F1 and qualified share by threshold, current and best F1 marked."""
    rows = _sweep_rows(data, key)
    series = [
        Series("precision", _line(rows, "threshold_precision"), BLUE),
        Series("recall", _line(rows, "threshold_recall"), VERMILLION, "7 4"),
        Series("F1", _line(rows, "f1"), INK, width=3),
        Series("qualified share", _line(rows, "qualified_share"), PURPLE, "2 3"),
    ]
    rules = []
    current = next((r for r in rows if r.get("is_current")), None)
    best = next((r for r in rows if r.get("is_best_f1")), None)
    if current is not None:
        t = current["threshold"]
        rules.append(Rule(t, 0, t, 1, f"current {t:.2f}", GREY, "5 4"))
    if best is not None:
        t = best["threshold"]
        rules.append(Rule(t, 0, t, 1, f"best F1 {t:.2f}", SKY, "1 3"))
    return line_chart(
        f"Threshold sweep: {data.label(key)}",
        series,
        x=Axis("Score threshold", 0, 1, (0, 0.2, 0.4, 0.6, 0.8, 1.0), plain_tick),
        y=Axis("Share"),
        rules=rules,
        description="What the decision would give at each score threshold.",
    )


def _sweep_table(data: ReportData, key: Key) -> Safe:
    rows, classes = [], []
    for r in _sweep_rows(data, key):
        tags = [
            t
            for t, flag in (("current", r.get("is_current")), ("best F1", r.get("is_best_f1")))
            if flag
        ]
        classes.append(
            "current" if r.get("is_current") else "best" if r.get("is_best_f1") else None
        )
        rows.append(
            [
                f"{r['threshold']:.2f}",
                el("span", ", ".join(tags), cls="badge tag") if tags else "",
                fmt.pct(r.get("qualified_share")),
                fmt.num(r.get("true_positives")),
                fmt.num(r.get("false_positives")),
                fmt.num(r.get("true_negatives")),
                fmt.num(r.get("false_negatives")),
                fmt.pct(r.get("threshold_precision")),
                fmt.pct(r.get("threshold_recall")),
                fmt.dec(r.get("f1")),
                fmt.pct(r.get("threshold_accuracy")),
            ]
        )
    return table(
        [
            Col("Threshold", num=True),
            Col(""),
            Col("Qualified", num=True),
            Col("TP", num=True),
            Col("FP", num=True),
            Col("TN", num=True),
            Col("FN", num=True),
            Col("Precision", num=True),
            Col("Recall", num=True),
            Col("F1", num=True),
            Col("Accuracy", num=True),
        ],
        rows,
        row_classes=classes,
    )


def _sweep_note(data: ReportData, key: Key) -> str:
    rows = _sweep_rows(data, key)
    current = next((r for r in rows if r.get("is_current")), None)
    best = next((r for r in rows if r.get("is_best_f1")), None)
    if current is None or best is None:
        return ""
    if current["threshold"] == best["threshold"]:
        return f"{data.label(key)}: the current threshold is also the best for F1."
    return fmt.prose(
        f"{data.label(key)}: moving the threshold from {current['threshold']:.2f} to "
        f"{best['threshold']:.2f} would change F1 from {fmt.dec(current.get('f1'))} to "
        f"{fmt.dec(best.get('f1'))}, recall from {fmt.pct(current.get('threshold_recall'))} to "
        f"{fmt.pct(best.get('threshold_recall'))}, precision from "
        f"{fmt.pct(current.get('threshold_precision'))} to "
        f"{fmt.pct(best.get('threshold_precision'))}, and the share qualified from "
        f"{fmt.pct(current.get('qualified_share'))} to {fmt.pct(best.get('qualified_share'))}."
    )


def thresholds(data: ReportData) -> Safe:
    """The sweep of every model: chart, note and table."""
    charts = [figure(sweep_chart(data, key), _sweep_note(data, key)) for key in data.keys]
    tables = [
        details(
            f"Every threshold for {data.label(key)}",
            _sweep_table(data, key),
            open_=key == data.primary,
        )
        for key in data.keys
    ]
    return section(
        "thresholds",
        "Threshold sweep",
        el(
            "p",
            "What each model's decision would be at other score cut-offs: a lower threshold "
            "qualifies more contacts (more recall, usually less precision). The current "
            "threshold and the one with the best F1 (balance of precision and recall) are "
            "marked; F1 weighs a missed opportunity and wasted AE time equally, which your "
            "team may not.",
        ),
        el("div", charts, cls="charts"),
        *tables,
    )


def rate_interval(row: Row) -> tuple[float, float] | None:
    """The Wilson 95% interval of a segment's or signal's progression rate (mart columns)."""
    low, high = row.get("progression_ci_low"), row.get("progression_ci_high")
    return None if fmt.missing(low) or fmt.missing(high) else (low, high)


def _decided(row: Row) -> int:
    return row.get("decided_contacts") or 0


def _rate_text(row: Row) -> str:
    interval = rate_interval(row)
    if interval is None:
        return fmt.DASH
    return f"{fmt.pct(row.get('progression_rate'))} ({fmt.pct_range(*interval)})"


def industry_chart(data: ReportData) -> Safe:
    """Progression rate by account industry with 95% intervals, against the base rate."""
    rows = [
        r
        for r in data.rows(data.segments, data.primary)
        if r["segment_type"] == "account_industry" and _decided(r) >= MIN_CHART_DECIDED
    ]
    rows.sort(key=lambda r: (-(r.get("progression_rate") or 0), r["segment_value"]))
    bars = [
        HBar(
            str(r["segment_value"]),
            r.get("progression_rate") or 0.0,
            rate_interval(r),
            f"{fmt.pct(r.get('progression_rate'))} of {fmt.num(_decided(r))}",
            BLUE,
        )
        for r in rows
    ]
    base = data.summary(data.primary).get("base_rate")
    high = max([b.interval[1] if b.interval else b.value for b in bars] + [0.1])
    ticks = nice_ticks(high, count=5)
    return hbar_chart(
        "Progression rate by account industry",
        bars,
        x=Axis("Share of decided contacts AEs progressed", 0, ticks[-1], ticks),
        rule=None if fmt.missing(base) else Rule(base, 0, base, 1, f"base rate {fmt.pct(base)}"),
        legend=[("progression rate", BLUE)],
        description="For each account industry, the share of decided contacts the AEs "
        "progressed, with its 95% interval.",
    )


def _segment_order(segment_type: str) -> Callable[[Row], tuple]:
    def key(row: Row) -> tuple:
        value = str(row["segment_value"])
        unknown = value == "unknown"
        if segment_type == "confidence":
            rank = CONFIDENCE_ORDER.index(value) if value in CONFIDENCE_ORDER else 99
            return (unknown, rank, value)
        if segment_type == "company_size_band":
            bounds = band_bounds(value)
            return (unknown, bounds[0] if bounds else 10**9, value)
        return (unknown, -(row.get("total_contacts") or 0), value)

    return key


def _model_cells(row: Row | None) -> list[str]:
    if row is None:
        return [fmt.DASH] * 4
    return [
        fmt.pct(row.get("mean_score")),
        fmt.pct(row.get("qualification_rate")),
        fmt.pct(row.get("segment_precision")),
        fmt.pct(row.get("segment_recall")),
    ]


def _outcome_cells(row: Row) -> list[str]:
    return [
        str(row["segment_value"]),
        fmt.num(row.get("total_contacts")),
        f"{fmt.num(row.get('progressed_contacts'))} / {fmt.num(_decided(row))}",
        _rate_text(row),
    ]


OUTCOME_COLUMNS = [
    Col("Segment"),
    Col("Contacts", num=True, title="scored contacts, pending included"),
    Col("Progressed / decided", num=True, title="progressed contacts / decided contacts"),
    Col("Progression (95% CI)", num=True),
]
MODEL_COLUMNS = [
    Col("Mean score", num=True),
    Col("Qualified", num=True),
    Col("Precision", num=True),
    Col("Recall", num=True),
]


def shared_segment_table(data: ReportData, segment_type: str) -> Safe:
    """A contact-defined segment: AE outcomes once, then each model's figures side by side."""
    per_model = {
        key: {
            r["segment_value"]: r
            for r in data.rows(data.segments, key)
            if r["segment_type"] == segment_type
        }
        for key in data.keys
    }
    values = sorted(per_model[data.primary].values(), key=_segment_order(segment_type))
    rows = []
    for row in values:
        cells = _outcome_cells(row)
        for key in data.keys:
            cells += _model_cells(per_model[key].get(row["segment_value"]))
        rows.append(cells)
    columns = OUTCOME_COLUMNS + MODEL_COLUMNS * len(data.keys)
    groups = [("", len(OUTCOME_COLUMNS))] + [(data.label(k), len(MODEL_COLUMNS)) for k in data.keys]
    return table(columns, rows, groups=groups, cls="segments")


def model_segment_table(data: ReportData, segment_type: str, key: Key) -> Safe | None:
    """A model-defined segment (its confidence, industries, use cases) for one model."""
    values = sorted(
        (r for r in data.rows(data.segments, key) if r["segment_type"] == segment_type),
        key=_segment_order(segment_type),
    )
    if not values:
        return None
    rows = [
        _outcome_cells(r) + _model_cells(r) + [fmt.pct(r.get("segment_accuracy"))] for r in values
    ]
    return table(
        OUTCOME_COLUMNS + MODEL_COLUMNS + [Col("Accuracy", num=True)], rows, cls="segments"
    )


def segments(data: ReportData) -> Safe:
    """Progression and model performance by industry, size, source, owner, confidence, use
    case."""
    parts: list[Safe] = [
        el(
            "p",
            "Where the AEs progress more, and where each model does better or worse. "
            "Progression rates are the AEs' outcomes, the same whichever model; the intervals "
            "show how much a small segment can move by chance. Contact-defined segments show "
            "both models side by side; confidence, use case and the model's own industry "
            "reading are per model.",
        ),
        figure(
            industry_chart(data),
            f"Industries with at least {MIN_CHART_DECIDED} decided "
            "contacts; whiskers are 95% intervals.",
        ),
    ]
    for segment_type in SHARED_SEGMENTS:
        parts.append(
            details(
                SEGMENT_TITLES[segment_type],
                shared_segment_table(data, segment_type),
                open_=segment_type in OPEN_SEGMENTS,
            )
        )
    for segment_type in MODEL_SEGMENTS:
        for key in data.keys:
            built = model_segment_table(data, segment_type, key)
            if built is not None:
                parts.append(
                    details(
                        f"{SEGMENT_TITLES[segment_type]}: {data.label(key)}",
                        built,
                        open_=segment_type in OPEN_SEGMENTS and key == data.primary,
                    )
                )
    return section("segments", "Segments", *parts)


def signal_interval(row: Row) -> tuple[float, float] | None:
    """The 95% interval of a signal's lift (signal_progression.lift_ci_low/high)."""
    low, high = row.get("lift_ci_low"), row.get("lift_ci_high")
    return None if fmt.missing(low) or fmt.missing(high) else (low, high)


def signal_chart(data: ReportData, key: Key) -> Safe:
    """Lift of each signal the model found, with 95% intervals, against no lift."""
    rows = [
        r
        for r in data.rows(data.signals, key)
        if (r.get("decided_contacts") or 0) >= MIN_CHART_DECIDED and not fmt.missing(r.get("lift"))
    ]
    rows.sort(key=lambda r: (-(r.get("lift") or 0), r["signal"]))
    bars = [
        HBar(
            f"{fmt.signal_label(r['signal'])} ({fmt.polarity_mark(r.get('polarity'))})",
            r["lift"],
            signal_interval(r),
            f"{fmt.times(r['lift'])} · {fmt.pct(r.get('progression_rate'))} of "
            f"{fmt.num(r.get('decided_contacts'))}",
            POLARITY_COLORS.get(str(r.get("polarity")), SKY),
        )
        for r in rows
    ]
    high = max([b.interval[1] if b.interval else b.value for b in bars] + [1.5])
    ticks = nice_ticks(high, count=5)
    polarities = sorted({str(r.get("polarity")) for r in rows})
    return hbar_chart(
        f"Progression lift by signal: {data.label(key)}",
        bars,
        x=Axis(
            "Lift (progression rate ÷ base rate)",
            0,
            ticks[-1],
            ticks,
            lambda v: f"{plain_tick(v)}×",
        ),
        rule=Rule(1, 0, 1, 1, "no lift (1×)"),
        legend=[
            (f"{p} signal ({fmt.polarity_mark(p)})", POLARITY_COLORS.get(p, SKY))
            for p in polarities
        ],
        description="For each signal the model found, how much likelier its contacts "
        "progressed than the model's decided contacts overall.",
    )


def _signal_table(data: ReportData, key: Key) -> Safe:
    rows = sorted(data.rows(data.signals, key), key=lambda r: -(r.get("lift") or 0))
    body = []
    for r in rows:
        interval = rate_interval(r)
        rate = fmt.pct(r.get("progression_rate"))
        if interval:
            rate += f" ({fmt.pct_range(*interval)})"
        body.append(
            [
                fmt.signal_label(r["signal"]),
                r.get("category") or fmt.DASH,
                r.get("polarity") or fmt.DASH,
                fmt.num(r.get("total_contacts")),
                fmt.num(r.get("decided_contacts")),
                fmt.num(r.get("progressed_contacts")),
                rate,
                fmt.times(r.get("lift")),
                fmt.pct(r.get("mean_score")),
                fmt.pct(r.get("qualification_rate")),
            ]
        )
    return table(
        [
            Col("Signal"),
            Col("Category"),
            Col("Polarity"),
            Col("Contacts", num=True),
            Col("Decided", num=True),
            Col("Progressed", num=True),
            Col("Progression rate (95% CI)", num=True),
            Col("Lift", num=True),
            Col("Mean score", num=True),
            Col("Qualified", num=True),
        ],
        body,
    )


def ae_signal_table(data: ReportData) -> Safe:
    """The signals AEs name in their notes, and how often those opportunities progressed."""
    rows = [
        [
            fmt.signal_label(r["signal"]),
            r["polarity"],
            fmt.num(r["opportunities"]),
            fmt.num(r["progressed_opportunities"]),
            fmt.pct(r.get("progression_rate")),
        ]
        for r in sorted(data.rows(data.ae_signals, data.primary), key=lambda r: r["signal_rank"])
    ]
    return table(
        [
            Col("Signal in the AE's notes"),
            Col("Polarity"),
            Col("Opportunities", num=True),
            Col("Progressed", num=True),
            Col("Share progressed", num=True),
        ],
        rows,
        empty="Nothing to show: no decided opportunity has AE notes (description, next step, "
        "loss reason) that name a signal of the taxonomy.",
    )


def patterns(data: ReportData) -> Safe:
    """Which business-context signals go with progression, on the model's side and the AE's."""
    key = data.primary
    totals = data.summary(key)
    parts: list[Safe] = [
        el(
            "p",
            "Each signal the model read (industry, use case, enterprise indicator, "
            "disqualifier) and how often the AEs progressed the contacts that carry it, "
            "against the base rate. A lift above 1× whose interval stays right of the line "
            "goes with progression beyond chance.",
        ),
        figure(
            signal_chart(data, key),
            f"Signals on at least {MIN_CHART_DECIDED} decided "
            "contacts; whiskers are 95% intervals; colour and the sign after each name give the "
            "polarity (+ positive, − negative, · neutral).",
        ),
    ]
    for k in data.keys:
        if data.rows(data.signals, k):
            parts.append(
                details(f"Every signal {data.label(k)} found", _signal_table(data, k), open_=False)
            )
    parts.append(el("h3", "What the AEs wrote"))
    parts.append(
        el(
            "p",
            f"The signals named in the AEs' notes (description, next step, loss reason) on "
            f"{fmt.num(totals.get('ae_opportunities'))} decided opportunities, "
            f"{fmt.num(totals.get('ae_opportunities_progressed'))} of which progressed beyond "
            f"Stage 1; {fmt.num(totals.get('ae_opportunities_with_signals'))} carry notes naming "
            "at least one signal.",
        )
    )
    parts.append(ae_signal_table(data))
    return section("patterns", "Business-context patterns that go with progression", *parts)
