"""The seed's questions, answered one by one, and its Expected Results checked.

Every answer names the figure it rests on and links to the section that shows it. The
answers are written from the marts each time; nothing here is assumed about the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from reports import fmt
from reports.checks import EXPECTATIONS, UNMEASURABLE, Check, check_processing_rate, model_checks
from reports.data import Key, ReportData, Row
from reports.figures import CONFIDENCE_ORDER, rate_interval
from reports.html import Safe, el, join
from reports.page import badge, section
from reports.verdict import auc_grade

#: Segments and signals resting on fewer decided contacts are not named in answers.
MIN_ANSWER_DECIDED = 10

KEY_QUESTIONS = (
    "Does the model correctly identify prospects that AEs actually progress?",
    "How well does model reasoning align with AE reasoning?",
    "What's the false positive/negative rate compared to real outcomes?",
    "Which business context patterns correlate with actual deal progression?",
)
BUSINESS_QUESTIONS = (
    "Which industries have highest progression rates?",
    "What business context patterns AEs actually progress?",
    "Where does demographic scoring fail vs business context?",
    "Which confidence levels correlate with AE decisions?",
)


@dataclass(frozen=True)
class Answer:
    """A question, its answer, the figure behind it and where the page shows it."""

    question: str
    answer: str
    figure: str
    anchor: str


def _decided(row: Row) -> int:
    return row.get("decided_contacts") or 0


def answer_identify(data: ReportData) -> Answer:
    """Key question 1: recall, precision, lift and AUC against the baseline."""
    lines = []
    for key in data.keys:
        s = data.summary(key)
        if not s.get("decided_contacts"):
            lines.append(f"{data.label(key)}: no decided contact yet.")
            continue
        auc = s.get("roc_auc")
        ranking = (
            f"{auc_grade(auc)} (AUC {fmt.dec(auc)})"
            if not fmt.missing(auc)
            else "Ranking not measurable (AUC needs contacts the AEs progressed and contacts "
            "they did not)"
        )
        recall = (
            f"(recall {fmt.pct(s.get('model_recall'))}, "
            f"{fmt.ci(s.get('recall_ci_low'), s.get('recall_ci_high'))})"
            if not fmt.missing(s.get("model_recall"))
            else "(recall not measurable: the AEs progressed none of them)"
        )
        if fmt.missing(s.get("model_precision")):
            precision = "it qualifies nobody, so its precision is not measurable"
        else:
            lift = s.get("precision_lift")
            precision = (
                f"{fmt.pct(s.get('model_precision'))} of the contacts it qualifies progress "
                f"({fmt.ci(s.get('precision_ci_low'), s.get('precision_ci_high'))})"
                + (
                    f", {fmt.times(lift)} the base rate of {fmt.pct(s.get('base_rate'))}"
                    if not fmt.missing(lift)
                    else f" against a base rate of {fmt.pct(s.get('base_rate'))}"
                )
            )
        lines.append(
            f"{data.label(key)}: {ranking}. "
            f"It qualifies {fmt.of(s.get('true_positives'), s.get('deals_beyond_stage_one'))} "
            f"contacts the AEs progressed {recall}; {precision}."
        )
    return Answer(
        KEY_QUESTIONS[0],
        " ".join(lines),
        "backtest_summary: recall, precision with Wilson intervals, base rate, roc_auc.",
        "curves",
    )


def answer_alignment(data: ReportData) -> Answer:
    """Key question 2: alignment and its two parts, per model."""
    lines = []
    for key in data.keys:
        s = data.summary(key)
        if fmt.missing(s.get("ae_model_alignment_avg")):
            lines.append(f"{data.label(key)}: not measurable (no AE notes naming a signal).")
            continue
        lines.append(
            f"{data.label(key)}: {fmt.dec(s.get('ae_model_alignment_avg'))} on average over "
            f"{fmt.num(s.get('ae_reasoning_rows'))} opportunities whose AE notes name a signal "
            "(the seed hoped for more than 0.6). Its decision matched the AE's on "
            f"{fmt.pct(s.get('decision_agreement_avg'))} of them, and the signals it gave "
            f"overlapped the AE's by {fmt.pct(s.get('signal_agreement_avg'))} on average."
        )
    return Answer(
        KEY_QUESTIONS[1],
        " ".join(lines),
        "backtest_summary.ae_model_alignment_avg and ae_reasoning_rows, decision_agreement_avg "
        "and signal_agreement_avg.",
        "comparison",
    )


def answer_error_rates(data: ReportData) -> Answer:
    """Key question 3: false-positive and false-negative rates and what they cost."""
    lines = []
    for key in data.keys:
        s = data.summary(key)
        fp_rate, fn_rate = s.get("false_positive_rate"), s.get("false_negative_rate")
        lines.append(
            fmt.prose(
                f"{data.label(key)}: false-positive rate {fmt.pct(fp_rate)} (it qualified "
                f"{fmt.of(s.get('false_positives'), s.get('decided_not_progressed'))} contacts "
                "the AEs did not "
                "progress: AE time spent for nothing, "
                f"{fmt.num(s.get('fp_closed_at_stage_one_contacts'))} of them closed lost at "
                "Stage 1); "
                f"false-negative rate {fmt.pct(fn_rate)} (it turned away "
                f"{fmt.of(s.get('false_negatives'), s.get('deals_beyond_stage_one'))} contacts "
                "the AEs progressed: missed opportunities, "
                f"{fmt.num(s.get('fn_won_contacts'))} of them won deals)."
            )
        )
    return Answer(
        KEY_QUESTIONS[2],
        " ".join(lines),
        "backtest_summary: false_positive_rate, false_negative_rate, the confusion matrix, "
        "fn_won_contacts and fp_closed_at_stage_one_contacts.",
        "confusion",
    )


def _signal_phrase(row: Row) -> str:
    return (
        f"{fmt.signal_label(row['signal'])} ({fmt.pct(row.get('progression_rate'))} of "
        f"{fmt.num(row.get('decided_contacts'))}, {fmt.times(row.get('lift'))})"
    )


def split_by_interval(rows: Sequence[Row], *, base: float) -> tuple[list[Row], list[Row]]:
    """Rows whose progression-rate interval lies wholly above / below ``base``."""
    above, below = [], []
    for row in rows:
        interval = rate_interval(row)
        if interval is None:
            continue
        if interval[0] > base:
            above.append(row)
        elif interval[1] < base:
            below.append(row)
    return above, below


def answer_patterns(data: ReportData) -> Answer:
    """Key question 4: signals whose progression rate differs from the base rate."""
    key = data.primary
    rows = [
        r
        for r in data.rows(data.signals, key)
        if (r.get("decided_contacts") or 0) >= MIN_ANSWER_DECIDED
    ]
    base = data.summary(key).get("base_rate")
    if not rows or fmt.missing(base):
        return Answer(
            KEY_QUESTIONS[3],
            "Not measurable here: no signal on enough decided contacts.",
            "signal_progression.",
            "patterns",
        )
    above, below = split_by_interval(rows, base=base)
    above.sort(key=lambda r: -(r.get("lift") or 0))
    below.sort(key=lambda r: r.get("lift") or 0)
    text = f"Against a base rate of {fmt.pct(base)} ({data.label(key)}'s signals): "
    text += (
        "contacts carrying "
        + ", ".join(_signal_phrase(r) for r in above)
        + " progress more, beyond chance"
        if above
        else "no signal goes with more progression beyond chance"
    )
    text += (
        "; " + ", ".join(_signal_phrase(r) for r in below) + " go with less."
        if below
        else "; none goes with clearly less."
    )
    return Answer(
        KEY_QUESTIONS[3],
        text,
        f"signal_progression: progression rate and lift per signal on at least "
        f"{MIN_ANSWER_DECIDED} decided contacts; 'beyond chance' = the 95% interval excludes "
        "the base rate.",
        "patterns",
    )


def _segment_phrase(row: Row) -> str:
    interval = rate_interval(row)
    ci = f", {fmt.ci(*interval)}" if interval else ""
    return (
        f"{row['segment_value']} {fmt.pct(row.get('progression_rate'))} "
        f"({fmt.of(row.get('progressed_contacts'), _decided(row))}{ci})"
    )


def answer_industries(data: ReportData) -> Answer:
    """Business insight 1: account industries by progression rate."""
    rows = [
        r
        for r in data.rows(data.segments, data.primary)
        if r["segment_type"] == "account_industry"
        and r["segment_value"] != "unknown"
        and _decided(r) >= MIN_ANSWER_DECIDED
    ]
    if not rows:
        return Answer(
            BUSINESS_QUESTIONS[0],
            "Not measurable here: no industry has enough decided contacts.",
            "metrics_by_segment (account_industry).",
            "segments",
        )
    rows.sort(key=lambda r: -(r.get("progression_rate") or 0))
    base = data.summary(data.primary).get("base_rate") or 0.0
    above = [r for r in rows if (i := rate_interval(r)) and i[0] > base]
    top = rows[:3]
    bottom = [r for r in rows[-3:][::-1] if r not in top]
    text = "Highest: " + "; ".join(_segment_phrase(r) for r in top) + ". "
    if bottom:
        text += "Lowest: " + "; ".join(_segment_phrase(r) for r in bottom) + ". "
    text += (
        f"Above the base rate of {fmt.pct(base)} beyond chance (95% interval): "
        f"{', '.join(str(r['segment_value']) for r in above)}."
        if above
        else f"No industry is above the base rate of {fmt.pct(base)} beyond chance: the "
        "samples are small."
    )
    return Answer(
        BUSINESS_QUESTIONS[0],
        text,
        f"metrics_by_segment, segment_type account_industry, industries with at least "
        f"{MIN_ANSWER_DECIDED} decided contacts; the AE outcome, the same for every model.",
        "segments",
    )


def answer_ae_patterns(data: ReportData) -> Answer:
    """Business insight 2: what the AEs name in their notes on progressed deals."""
    totals = data.summary(data.primary)
    signals = sorted(data.rows(data.ae_signals, data.primary), key=lambda r: r["signal_rank"])
    named = [r for r in signals if r["progressed_opportunities"]]
    if not totals.get("ae_opportunities_progressed") or not named:
        return Answer(
            BUSINESS_QUESTIONS[1],
            "Not measurable here: no progressed opportunity carries AE notes naming a signal.",
            "deal_progressions.",
            "patterns",
        )
    top = ", ".join(
        f"{fmt.signal_label(r['signal'])} ({fmt.num(r['progressed_opportunities'])})"
        for r in named[:5]
    )
    against = [r for r in signals if r["polarity"] == "negative"]
    against.sort(key=lambda r: -(r["opportunities"] - r["progressed_opportunities"]))
    text = (
        f"On the {fmt.num(totals['ae_opportunities_progressed'])} opportunities the AEs "
        "progressed beyond Stage 1, "
        f"{fmt.num(totals.get('ae_opportunities_progressed_with_signals'))} carry notes naming a "
        f"signal; the most named are {top}."
    )
    if against:
        text += (
            " Negative signals the AEs name: "
            + ", ".join(
                f"{fmt.signal_label(r['signal'])} ({fmt.num(r['opportunities'])} opportunities, "
                f"{fmt.num(r['progressed_opportunities'])} progressed)"
                for r in against[:4]
            )
            + "."
        )
    use_cases = sorted(
        (
            r
            for r in data.rows(data.segments, data.primary)
            if r["segment_type"] == "use_case" and _decided(r) >= MIN_ANSWER_DECIDED
        ),
        key=lambda r: -(r.get("progression_rate") or 0),
    )
    if use_cases:
        text += (
            " By the use case the model read, the AEs progress "
            + "; ".join(_segment_phrase(r) for r in use_cases[:3])
            + " most."
        )
    return Answer(
        BUSINESS_QUESTIONS[1],
        text,
        "ae_signal_progression: signals in the AE notes per decided opportunity; "
        "metrics_by_segment (use_case).",
        "patterns",
    )


def _recall_gaps(data: ReportData, model: Key, baseline: Key) -> list[tuple[Row, Row]]:
    def index(key: Key) -> dict[tuple[str, str], Row]:
        return {
            (r["segment_type"], r["segment_value"]): r
            for r in data.rows(data.segments, key)
            if r["segment_type"] in ("account_industry", "company_size_band", "lead_source")
        }

    ours, theirs = index(model), index(baseline)
    pairs = [
        (ours[k], theirs[k])
        for k in ours.keys() & theirs.keys()
        if (ours[k].get("progressed_contacts") or 0) >= 5
        and not fmt.missing(ours[k].get("segment_recall"))
        and not fmt.missing(theirs[k].get("segment_recall"))
        and k[1] != "unknown"
    ]
    pairs.sort(key=lambda p: -((p[0]["segment_recall"] or 0) - (p[1]["segment_recall"] or 0)))
    return pairs


def _ranks(baseline_auc: float | None, model_auc: float | None) -> str:
    if fmt.missing(baseline_auc) or fmt.missing(model_auc):
        return "unmeasurably"
    assert baseline_auc is not None and model_auc is not None
    if round(baseline_auc, 2) == round(model_auc, 2):
        return "about as well"
    return "worse" if baseline_auc < model_auc else "better"


SEGMENT_PREFIXES = {"company_size_band": "companies of ", "lead_source": "lead source "}


def _segment_name(row: Row) -> str:
    """A segment named with its kind where the value alone is unclear: "lead source Web"."""
    prefix = SEGMENT_PREFIXES.get(str(row.get("segment_type")), "")
    suffix = " employees" if row.get("segment_type") == "company_size_band" else ""
    return f"{prefix}{row['segment_value']}{suffix}"


def answer_demographic(data: ReportData) -> Answer:
    """Business insight 3: where the baseline fails and the model under test does not."""
    base_key = data.baseline_key
    row = data.comparison[0] if data.comparison else None
    if base_key is None or row is None:
        return Answer(
            BUSINESS_QUESTIONS[2],
            "Not measurable here: the baseline was not scored.",
            "model_comparison.",
            "comparison",
        )
    model_key = (row["model"], row["model_version"])
    model, baseline = data.label(model_key), data.label(base_key)
    ms, bs = data.summary(model_key), data.summary(base_key)
    p = row.get("mcnemar_p_value")
    text = (
        f"{baseline} turns away "
        f"{fmt.of(bs.get('false_negatives'), bs.get('deals_beyond_stage_one'))} "
        f"contacts the AEs progressed ({fmt.num(bs.get('fn_won_contacts'))} won deals) against "
        f"{fmt.num(ms.get('false_negatives'))} ({fmt.num(ms.get('fn_won_contacts'))} won deals) "
        "for "
        f"{model}; it ranks {_ranks(bs.get('roc_auc'), ms.get('roc_auc'))} (AUC "
        f"{fmt.dec(bs.get('roc_auc'))} vs {fmt.dec(ms.get('roc_auc'))}). "
        f"On the {fmt.num(row.get('shared_decided_contacts'))} contacts both decided, only "
        f"{model} was right on {fmt.num(row.get('only_model_correct'))}, only {baseline} on "
        f"{fmt.num(row.get('only_baseline_correct'))} (McNemar {fmt.p_value(p)})"
    )
    text += (
        ": at the current thresholds neither is right more often beyond chance; they "
        "differ in which contacts they get wrong."
        if p is not None and p >= 0.05
        else "."
    )
    gaps = _recall_gaps(data, model_key, base_key)[:3]
    if gaps:
        text += (
            f" {baseline}'s recall lags most in "
            + "; ".join(
                f"{_segment_name(ours)} ({fmt.pct(theirs['segment_recall'])} vs "
                f"{fmt.pct(ours['segment_recall'])} of {fmt.num(ours['progressed_contacts'])} "
                "progressed)"
                for ours, theirs in gaps
            )
            + "."
        )
    return Answer(
        BUSINESS_QUESTIONS[2],
        text,
        "model_comparison (paired counts, mcnemar_p_value), backtest_summary (fn_won_contacts: "
        "won deals missed), metrics_by_segment recall per industry, size band and lead source "
        "(segments with at least 5 progressed contacts).",
        "comparison",
    )


def answer_confidence(data: ReportData) -> Answer:
    """Business insight 4: agreement with AE decisions by the model's confidence."""
    key = data.primary
    rows = {
        r["segment_value"]: r
        for r in data.rows(data.segments, key)
        if r["segment_type"] == "confidence"
    }
    levels = [rows[level] for level in CONFIDENCE_ORDER if level in rows]
    if not levels:
        return Answer(
            BUSINESS_QUESTIONS[3],
            "Not measurable here: the model reports no confidence.",
            "metrics_by_segment (confidence).",
            "segments",
        )
    phrases = "; ".join(
        f"{r['segment_value']} {fmt.pct(r.get('segment_accuracy'))} of {fmt.num(_decided(r))} "
        f"(precision {fmt.pct(r.get('segment_precision'))})"
        for r in levels
    )
    solid = [
        r
        for r in levels
        if _decided(r) >= MIN_ANSWER_DECIDED and not fmt.missing(r.get("segment_accuracy"))
    ]
    accuracies = [r["segment_accuracy"] for r in solid]
    if len(solid) < 2:
        trend = "Too few levels with enough decided contacts to see a trend."
    elif all(a >= b for a, b in pairwise(accuracies)):
        trend = "Higher confidence goes with closer agreement with the AEs."
    else:
        trend = "Confidence does not order agreement with the AEs consistently."
    text = f"{data.label(key)} agrees with the AE decision on: {phrases}. {trend}"
    return Answer(
        BUSINESS_QUESTIONS[3],
        text,
        f"metrics_by_segment, segment_type confidence: segment_accuracy and precision; the "
        f"trend is read on levels with at least {MIN_ANSWER_DECIDED} decided contacts.",
        "segments",
    )


def _render(answer: Answer) -> Safe:
    return el(
        "div",
        el("h4", answer.question),
        el("p", answer.answer, cls="answer"),
        el(
            "p",
            "Figure: ",
            answer.figure,
            " ",
            el("a", "See the section →", href=f"#{answer.anchor}"),
            cls="figure",
        ),
        cls="qa",
    )


def key_questions(data: ReportData) -> list[Answer]:
    """The seed's four Key Questions, answered."""
    return [
        answer_identify(data),
        answer_alignment(data),
        answer_error_rates(data),
        answer_patterns(data),
    ]


def business_insights(data: ReportData) -> list[Answer]:
    """The seed's four Business Insights questions, answered."""
    return [
        answer_industries(data),
        answer_ae_patterns(data),
        answer_demographic(data),
        answer_confidence(data),
    ]


def questions(data: ReportData) -> Safe:
    """The questions section."""
    return section(
        "questions",
        "The questions, answered",
        el("h3", "Key questions"),
        join(_render(a) for a in key_questions(data)),
        el("h3", "Business insights"),
        join(_render(a) for a in business_insights(data)),
    )


def all_checks(data: ReportData) -> dict[str, dict[Key, Check] | Check]:
    """Every expectation: per model, or one check for the run (processing rate)."""
    per_model = {
        key: model_checks(
            data.summary(key), data.rows(data.segments, key), data.rows(data.signals, key)
        )
        for key in data.keys
    }
    result: dict[str, dict[Key, Check] | Check] = {}
    for expectation in EXPECTATIONS:
        if expectation.per_model:
            result[expectation.key] = {key: per_model[key][expectation.key] for key in data.keys}
        else:
            result[expectation.key] = check_processing_rate(data.progress)
    return result


def _check_cell(check: Check) -> Safe:
    return join([badge(check.status), el("div", check.figure, cls="small")])


def expected_results(data: ReportData) -> Safe:
    """The Expected Results table: each expectation, per model, met / not met / unmeasurable."""
    checks = all_checks(data)
    rows = []
    for expectation in EXPECTATIONS:
        found = checks[expectation.key]
        label = join([el("b", expectation.text), el("div", expectation.group, cls="small muted")])
        if isinstance(found, Check):
            cell = el("td", _check_cell(found), colspan=len(data.keys))
            rows.append(el("tr", el("td", label), cell))
        else:
            rows.append(
                el("tr", el("td", label), [el("td", _check_cell(found[k])) for k in data.keys])
            )
    head = el("tr", el("th", "Expected (seed)"), [el("th", data.label(k)) for k in data.keys])
    note = (
        "How each is judged: qualification rate over all scored contacts; accuracy over decided "
        "contacts, met only when it also beats the majority class (always predicting the more "
        "common outcome, which needs no model at all); alignment over opportunities whose AE "
        "notes name a signal; processing rate "
        "from the last scoring run (contacts per hour = qualifications per hour ÷ models). "
        "Enterprise = accounts of 1,000+ employees, small business = under 200, judged on the "
        "mean score; Technology = Account.Industry 'Technology' against all scored contacts; "
        "API/Integration correlates when its contacts' progression rate has a 95% interval "
        "above the base rate. '" + UNMEASURABLE + "' means the figure does not exist in this "
        "warehouse; nothing is assumed."
    )
    return section(
        "expected",
        "Expected results, checked",
        el("div", el("table", el("thead", head), el("tbody", rows), cls="checks"), cls="scroll"),
        el("p", note, cls="small muted"),
    )
