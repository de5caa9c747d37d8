"""The report's text-and-table sections: header, how to read it, verdict, confusion matrix,
model vs baseline, pending contacts, the review list of misses, and the footer.

Chart-led sections live in :mod:`reports.figures`, the seed's questions and expected
results in :mod:`reports.answers`. Every value from the warehouse goes through
:func:`reports.html.el`, which escapes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reports import fmt
from reports.data import REVIEW_PER_KIND, Key, ReportData, Row, describe_org, split_signals
from reports.html import Safe, el, join
from reports.page import Col, details, section, table
from reports.verdict import verdict_sentence

#: How many misses per model are shown before the rest fold away (of at most
#: ``REVIEW_PER_KIND`` per kind that the page holds).
REVIEW_SHOWN = 10


def model_roles(data: ReportData) -> str:
    """ "business_context 1.0 (under test), demographic 1.0 (baseline)"."""
    parts = []
    for key in data.keys:
        role = "baseline" if key in data.baseline_keys else "under test"
        parts.append(f"{key[0]} {key[1]} ({role})")
    return ", ".join(parts)


def point_in_time_text(data: ReportData) -> str:
    """How many contacts were sent inputs exactly as they were when they arrived."""
    parts = []
    for row in data.summaries:
        total = fmt.num(row.get("total_contacts"))
        parts.append(
            f"{row.get('model')}: {fmt.num(row.get('inputs_exact_contacts'))} of {total} "
            f"contacts exact, {fmt.num(row.get('inputs_edited_after_contacts'))} edited after"
        )
    return (
        "; ".join(parts) + " (each field sent as it was when the contact arrived, rebuilt from "
        "field history; 'edited after' means a field changed later with no history to undo "
        "it, so its current value was sent and may flatter the model)"
    )


def header(data: ReportData, *, generated: dt.datetime) -> Safe:
    """Title, the question, and when/what/which org the figures describe."""
    first = data.first
    org, is_demo = describe_org(data.org)
    window = (
        f"contacts created {fmt.day(first.get('window_start'))} to {fmt.day(first.get('as_of'))} "
        f"({fmt.num(first.get('window_days'))} days)"
    )
    rules = (
        f"pending below {fmt.num(first.get('maturity_days'))} days of age; account "
        f"opportunities count within {fmt.num(first.get('attribution_window_days'))} days "
        "after the contact"
    )
    meta = [
        ("As of", fmt.day(first.get("as_of"))),
        ("Window", window),
        ("Org", org),
        ("Models", model_roles(data)),
        ("Judging rules", rules),
        ("Stage 1", first.get("stage_one_note") or "not known"),
        ("Inputs", point_in_time_text(data)),
        ("Generated", f"{generated:%Y-%m-%d %H:%M} UTC from {data.db}"),
    ]
    banner = None
    if is_demo:
        banner = el(
            "div",
            "Demo data: these figures describe the generated demo org, not a real sales team. "
            "Point the backtest at your org (README, 'Point it at your org') for real answers.",
            cls="banner",
        )
    return el(
        "header",
        el(
            "div",
            el("h1", "Lead-qualification backtest"),
            el(
                "p",
                f"Does {data.label(data.primary)} pick the prospects our Account Executives "
                "actually progress, and for the same reasons?",
                cls="lede",
            ),
            el("dl", [[el("dt", k), el("dd", v)] for k, v in meta], cls="meta"),
            banner,
            cls="wrap",
        ),
        cls="top",
    )


def how_to_read(data: ReportData) -> Safe:
    """The label definitions in plain words, for a RevOps analyst."""
    first = data.first
    maturity = fmt.num(first.get("maturity_days"))
    attribution = fmt.num(first.get("attribution_window_days"))
    threshold = data.current_threshold(data.primary)
    cut = f"{threshold:.2f}" if threshold is not None else "the configured threshold"
    defs = [
        (
            "Scored contact",
            "A Salesforce contact created in the window and scored by the model. Only what was "
            "knowable when the contact arrived is sent to the model.",
        ),
        (
            "Progressed",
            "The AE moved at least one of the contact's opportunities beyond Stage 1 ("
            f"{first.get('stage_one_name') or 'the first open stage'}; see the header for where "
            "it comes from) by the as-of date: it reached a later open stage or was won. An "
            "opportunity that reached Stage 2 and was later lost did progress; one closed lost "
            "straight from Stage 1 did not. Stage changes after the as-of date are ignored; an "
            "opportunity without stage history counts with its current stage only when that "
            "stage was set by the as-of date.",
        ),
        (
            "A contact's opportunities",
            "Those naming the contact in a contact role; else those opened from the contact "
            "(the opportunity's Contact field); else the opportunity its converted lead "
            f"created; else its account's opportunities opened within {attribution} days "
            "after the contact was created (never ones opened before).",
        ),
        (
            "Pending",
            f"Nothing progressed yet and the contact is younger than {maturity} days: too early "
            "to tell. Pending contacts are shown and counted, but never treated as a 'no'; "
            "every rate below leaves them out.",
        ),
        (
            "Undetermined",
            "Nothing progressed, and one of the contact's opportunities has no stage history "
            "and changed stage after the as-of date, so where it stood then cannot be known. "
            "Shown and counted like pending, never treated as a 'no'.",
        ),
        ("Decided contacts", "The others: progressed or not progressed. Rates are over these."),
        (
            "Qualified",
            f"The model's 'yes' (score ≥ {cut}). TP: qualified and progressed (a hit). FP: "
            "qualified, not progressed (AE time spent for nothing). TN: not qualified, not "
            "progressed. FN: not qualified, but the AE progressed it (a missed opportunity).",
        ),
        (
            "Recall / precision",
            "Recall: of the contacts AEs progressed, the share the model qualified. Precision: "
            "of the contacts the model qualified, the share AEs progressed. The base rate (the "
            "share of all decided contacts AEs progressed) is what a random pick would reach.",
        ),
        (
            "95% CI",
            "Wilson interval: the range the true rate most likely lies in, given how many "
            "contacts the figure rests on. Wide ranges mean few contacts; overlapping ranges "
            "mean the difference may be chance.",
        ),
        (
            "ROC AUC",
            "How often the model scores a contact AEs progressed above one they did not: 0.5 is "
            "a coin toss, 1.0 perfect. It judges the ranking, whatever the threshold.",
        ),
        (
            "Alignment",
            "Per opportunity whose AE notes name at least one known signal (budget confirmed, "
            "API integration, too small, …): 0.5 × (1 if the model's decision matches what the "
            "AE did, else 0) + 0.5 × the overlap of the signals both name (shared signals ÷ all "
            "signals either names). The average leaves out opportunities whose notes name none.",
        ),
    ]
    return section(
        "how-to-read",
        "How to read this",
        el("dl", [[el("dt", k), el("dd", v)] for k, v in defs], cls="defs"),
    )


def _verdict_card(data: ReportData, key: Key) -> Safe:
    summary = data.summary(key)
    baseline_key = data.baseline_key
    is_baseline = key in data.baseline_keys
    sentence = verdict_sentence(
        data.label(key) + (" (baseline)" if is_baseline else ""),
        summary,
        baseline_label=None if is_baseline or baseline_key is None else data.label(baseline_key),
        baseline=None if is_baseline or baseline_key is None else data.summary(baseline_key),
    )
    lift = summary.get("precision_lift")
    also = (
        f"Qualifies {fmt.pct(summary.get('qualification_rate'))} of "
        f"{fmt.num(summary.get('total_contacts'))} scored contacts; "
        f"{fmt.of(summary.get('deals_beyond_stage_one'), summary.get('decided_contacts'))} "
        f"decided contacts progressed (base rate {fmt.pct(summary.get('base_rate'))})"
        + (
            f", so a contact it qualifies is {fmt.times(lift)} as likely to progress as a random "
            "one; "
            if not fmt.missing(lift)
            else "; "
        )
        + f"{fmt.num(summary.get('pending_contacts'))} pending; "
        f"{fmt.num(summary.get('scoring_errors'))} scoring errors."
    )
    return el(
        "div",
        el("p", sentence, cls="sentence"),
        el("p", also, cls="also"),
        cls="verdict baseline" if is_baseline else "verdict",
        data_model=key[0],
    )


def _cards(summary: Row) -> Safe:
    cards = [
        (fmt.pct(summary.get("model_recall")), "recall"),
        (fmt.pct(summary.get("model_precision")), "precision"),
        (fmt.dec(summary.get("roc_auc")), "ROC AUC"),
        (fmt.pct(summary.get("model_accuracy")), "accuracy"),
        (fmt.dec(summary.get("ae_model_alignment_avg")), "model–AE alignment"),
        (fmt.pct(summary.get("qualification_rate")), "qualification rate"),
    ]
    return el(
        "div",
        [el("div", el("div", v, cls="v"), el("div", k, cls="k"), cls="card") for v, k in cards],
        cls="cards",
    )


def verdict(data: ReportData) -> Safe:
    """One sentence per model, with its intervals, and headline cards for the model."""
    return section(
        "verdict",
        "The verdict",
        el("div", [_verdict_card(data, key) for key in data.keys], cls="verdicts"),
        el("h3", f"{data.label(data.primary)} at a glance"),
        _cards(data.summary(data.primary)),
    )


def _cm_cell(count: Any, code: str, what: str, *, hit: bool) -> Safe:
    return el(
        "td",
        el("span", fmt.num(count), cls="n"),
        el("span", f"{code} · {what}", cls="what"),
        cls="hit" if hit else "miss",
    )


def confusion_matrix(data: ReportData, key: Key) -> Safe:
    """The 2×2 matrix of one model over decided contacts, with pending contacts beside it."""
    s = data.summary(key)
    matrix = el(
        "table",
        el(
            "thead",
            el(
                "tr",
                el("th", data.label(key)),
                el("th", "AE progressed"),
                el("th", "AE did not progress"),
            ),
        ),
        el(
            "tbody",
            el(
                "tr",
                el("th", "Model qualified"),
                _cm_cell(s.get("true_positives"), "TP", "hit", hit=True),
                _cm_cell(s.get("false_positives"), "FP", "wasted AE time", hit=False),
            ),
            el(
                "tr",
                el("th", "Model did not qualify"),
                _cm_cell(s.get("false_negatives"), "FN", "missed opportunity", hit=False),
                _cm_cell(s.get("true_negatives"), "TN", "correctly passed", hit=True),
            ),
        ),
        cls="cm",
    )
    rates = fmt.prose(
        f"Precision {fmt.pct(s.get('model_precision'))}, "
        f"recall {fmt.pct(s.get('model_recall'))}, "
        f"specificity {fmt.pct(s.get('specificity'))}, "
        f"accuracy {fmt.pct(s.get('model_accuracy'))}, "
        f"F1 {fmt.dec(s.get('f1'))}. False-positive rate {fmt.pct(s.get('false_positive_rate'))}, "
        f"false-negative rate {fmt.pct(s.get('false_negative_rate'))}."
    )
    pending = (
        f"Not in the matrix: {fmt.num(s.get('pending_contacts'))} pending contacts, "
        f"{fmt.num(s.get('pending_qualified'))} of them qualified by the model"
        + (
            f"; {fmt.num(s.get('undetermined_contacts'))} undetermined (a deal's stage as of "
            "the as-of date cannot be known)."
            if s.get("undetermined_contacts")
            else "."
        )
    )
    costly = (
        f"Of the FN, {fmt.num(s.get('fn_won_contacts'))} became won deals; of the FP, "
        f"{fmt.num(s.get('fp_closed_at_stage_one_contacts'))} were closed lost at Stage 1 and "
        f"{fmt.num(s.get('fp_without_opportunity_contacts'))} never got an opportunity."
    )
    return el(
        "div",
        matrix,
        el("p", rates, cls="small"),
        el("p", costly, cls="small"),
        el("p", pending, cls="small muted"),
        data_model=key[0],
    )


def confusion(data: ReportData) -> Safe:
    """The confusion matrix of every model."""
    return section(
        "confusion",
        "Confusion matrix",
        el(
            "p",
            f"Over the {fmt.num(data.first.get('decided_contacts'))} decided contacts; "
            "columns are what the AEs did, rows what the model said.",
        ),
        el("div", [confusion_matrix(data, key) for key in data.keys], cls="cm-grid"),
    )


_COMPARED = (
    # (label, column stem, kind, higher is better)
    ("Accuracy", "model_accuracy", "pct", True),
    ("Precision", "model_precision", "pct", True),
    ("Recall", "model_recall", "pct", True),
    ("F1", "f1", "dec", True),
    ("Specificity", "specificity", "pct", True),
    ("Qualification rate", "qualification_rate", "pct", None),
    ("ROC AUC", "roc_auc", "dec", True),
    ("Average precision", "average_precision", "dec", True),
    ("Brier score (lower is better)", "brier_score", "dec", False),
    ("Model–AE alignment", "ae_model_alignment_avg", "dec", True),
)


def _delta_text(delta: float | None, kind: str, better: bool | None) -> str:
    if fmt.missing(delta):
        return fmt.DASH
    assert delta is not None
    text = fmt.points(delta) if kind == "pct" else fmt.signed(delta)
    if better is None or abs(delta) < 1e-9:
        return text
    good = (delta > 0) == better
    return f"{text} ({'better' if good else 'worse'})"


def comparison_table(data: ReportData, row: Row) -> Safe:
    """Headline metrics of a model and the baseline side by side, with differences."""
    model, baseline = row["model"], row["baseline_model"]
    rows = []
    for label, stem, kind, better in _COMPARED:
        show = fmt.pct if kind == "pct" else fmt.dec
        rows.append(
            [
                label,
                show(row.get(stem)),
                show(row.get(f"baseline_{stem}")),
                _delta_text(row.get(f"{stem}_delta"), kind, better),
            ]
        )
    return table(
        [
            Col("Metric"),
            Col(model, num=True),
            Col(f"{baseline} (baseline)", num=True),
            Col("Difference", num=True),
        ],
        rows,
    )


def paired_table(data: ReportData, row: Row) -> Safe:
    """The paired (McNemar) view on contacts decided for both models."""
    model, baseline = row["model"], row["baseline_model"]
    p = row.get("mcnemar_p_value")
    rows = [
        ["Both right", fmt.num(row.get("both_correct"))],
        [f"Only {model} right", fmt.num(row.get("only_model_correct"))],
        [f"Only {baseline} right", fmt.num(row.get("only_baseline_correct"))],
        ["Both wrong", fmt.num(row.get("both_wrong"))],
        ["Contacts decided for both", fmt.num(row.get("shared_decided_contacts"))],
        ["McNemar test (do they differ in how often they are right?)", fmt.p_value(p)],
        [
            "DeLong test of the AUC difference",
            f"{fmt.signed(row.get('paired_auc_difference'), 3)}, "
            f"{fmt.p_value(row.get('delong_p_value'))}: {row.get('auc_verdict') or fmt.DASH}",
        ],
    ]
    for metric, name in (("f1", "F1"), ("precision", "Precision"), ("recall", "Recall")):
        low, high = row.get(f"{metric}_difference_low"), row.get(f"{metric}_difference_high")
        verdict = f": {row['f1_verdict']}" if metric == "f1" and row.get("f1_verdict") else ""
        rows.append(
            [
                f"{name} difference, paired bootstrap 95% interval "
                f"({fmt.num(row.get('bootstrap_resamples'))} resamples)",
                f"{fmt.signed(low, 3)} to {fmt.signed(high, 3)}{verdict}",
            ]
        )
    return table([Col("Paired contacts"), Col("Count", num=True)], rows)


def comparison(data: ReportData) -> Safe:
    """Each model under test against the baseline."""
    if not data.comparison:
        return section(
            "comparison",
            "Model vs baseline",
            el(
                "p",
                "No baseline model was scored for this as-of date, so there is nothing to "
                "compare with (set MODELS to include the baseline, e.g. demographic).",
            ),
        )
    parts: list[Safe] = [
        el(
            "p",
            "Differences are the model minus the baseline, on the same contacts and labels. "
            "The paired counts look at each contact both models decided: a small McNemar "
            "p-value means one model is right more often than the other beyond chance; "
            "DeLong's test asks the same of the AUC difference, and the paired bootstrap "
            "gives a 95% interval for the F1, precision and recall differences (an interval "
            "that excludes 0 is a difference beyond chance).",
        )
    ]
    for row in data.comparison:
        title = (
            f"{row['model']} {row['model_version']} vs {row['baseline_model']} "
            f"{row['baseline_model_version']}"
        )
        parts.append(el("h3", title))
        parts.append(el("div", comparison_table(data, row), paired_table(data, row), cls="charts"))
    return section("comparison", "Model vs baseline", *parts)


def pending(data: ReportData) -> Safe:
    """How many contacts are pending, what that means, and what each model said of them."""
    first = data.first
    primary = data.summary(data.primary)
    count = first.get("pending_contacts") or 0
    maturity = fmt.num(first.get("maturity_days"))
    intro = (
        f"{fmt.num(count)} of {fmt.num(first.get('total_contacts'))} scored contacts "
        f"({fmt.pct(first.get('pending_share'))}) are pending: "
        f"they are younger than {maturity} days and none of their opportunities has progressed "
        "yet, so it is too early to say whether the AEs will progress them. They are not "
        "counted as 'not progressed' and are left out of every rate and chart that compares "
        "with the AE outcome (a model is not blamed for contacts the AEs have not had time "
        "to work)."
    )
    if count:
        intro += (
            f" Their ages run from {fmt.num(primary.get('pending_youngest_days'))} to "
            f"{fmt.num(primary.get('pending_oldest_days'))} days; "
            f"{fmt.num(primary.get('pending_with_opportunity'))} already have an opportunity "
            "in Stage 1. Rerun the backtest with an as-of date on or after "
            f"{fmt.day(primary.get('pending_decided_on'))} "
            "to judge them all."
        )
    rows = []
    for key in data.keys:
        summary = data.summary(key)
        rows.append(
            [
                data.label(key),
                fmt.num(summary.get("pending_contacts")),
                fmt.num(summary.get("pending_qualified")),
                fmt.pct(summary.get("pending_qualification_rate")),
                fmt.pct(summary.get("qualification_rate")),
            ]
        )
    return section(
        "pending",
        "Pending contacts",
        el("p", intro),
        table(
            [
                Col("Model"),
                Col("Pending", num=True),
                Col("Qualified among them", num=True),
                Col("Share qualified", num=True),
                Col("Share qualified, all scored", num=True),
            ],
            rows,
        ),
    )


MISS_TYPES = {
    "missed_won_deal": "Missed won deal",
    "missed_late_stage_deal": "Missed late-stage deal",
    "closed_at_stage_one": "Qualified, closed at Stage 1",
}


def signal_list(text: str | None) -> str:
    """ "executive_sponsor (positive), finance (neutral)" -> "executive sponsor +, finance ·"."""
    pairs = split_signals(text)
    if not pairs:
        return fmt.DASH
    return ", ".join(
        f"{fmt.signal_label(name)} {fmt.polarity_mark(polarity)}" for name, polarity in pairs
    )


def _signals_cell(row: Row) -> Safe:
    parts = [
        ("both", row.get("shared_signals")),
        ("AE only", row.get("ae_only_signals")),
        ("model only", row.get("model_only_signals")),
    ]
    return join(
        el("span", el("b", f"{name}: "), signal_list(value), cls="sig") for name, value in parts
    )


def _lines(*parts: tuple[object, str | None]) -> Safe:
    return join(el("span", text, cls=cls or "line") for text, cls in parts if text)


def _money(row: Row) -> str:
    """A miss's amount in the corporate currency, with the original beside it when the deal
    is in another currency ("2,000 USD (1,000 EUR)"); no rate: says so."""
    corporate, own = row.get("corporate_currency"), row.get("currency_iso_code")
    original = f"{fmt.amount(row.get('amount_original'))} {own}" if own else ""
    if row.get("amount_rate_source") == "missing":
        return f"{original} (no rate to {corporate or 'the corporate currency'})"
    text = fmt.amount(row.get("amount")) + (f" {corporate}" if corporate else "")
    if own and own != corporate and not fmt.missing(row.get("amount_original")):
        text += f" ({original})"
    return text


def _currency_note(rows: list[Row]) -> str:
    """Which currency the amounts are in, from the marts (and the amounts without a rate)."""
    corporate = next(
        (r.get("corporate_currency") for r in rows if r.get("corporate_currency")), None
    )
    if corporate is None:
        return "Amounts are in the org's single currency."
    missing = sum(r.get("kind_amounts_without_rate") or 0 for r in rows if r.get("kind_rank") == 1)
    note = (
        f"Amounts are in the corporate currency, {corporate}: each converted from its "
        "opportunity's currency with Salesforce's rate for its close date "
        "(DatedConversionRate, else CurrencyType)."
    )
    if missing:
        note += (
            f" {fmt.num(missing)} amounts have no rate to {corporate}: they are left out of "
            "the sums and ranked last, never mixed in unconverted."
        )
    return note


def review_row(row: Row) -> list[object]:
    """One miss: model reasoning and AE reasoning side by side (all text escaped)."""
    context = " · ".join(str(bit) for bit in (row.get("industries"), row.get("use_cases")) if bit)
    score = f"{fmt.pct(row.get('qualification_score'))} · {row.get('confidence') or fmt.DASH}"
    opportunity = row.get("opportunity_name") or row.get("opportunity_id")
    stage = (
        f"reached {row.get('highest_stage_name') or fmt.DASH}, now "
        f"{row.get('stage_as_of') or fmt.DASH}; amount {_money(row)}"
    )
    return [
        fmt.num(row.get("review_rank")),
        _lines(
            (el("b", MISS_TYPES.get(row.get("miss_type"), row.get("miss_type"))), None),
            (row.get("outcome"), "sub"),
        ),
        _lines(
            (row.get("contact_name") or row.get("contact_id"), None),
            (row.get("company_name"), "sub"),
        ),
        _lines(
            (el("b", score), None), (row.get("model_reasoning") or fmt.DASH, None), (context, "sub")
        ),
        _lines(
            (row.get("ae_reasoning") or "(no AE notes)", None),
            (f"{row.get('ae_owner') or 'unknown AE'} · {opportunity}", "sub"),
            (stage, "sub"),
        ),
        _signals_cell(row),
        fmt.dec(row.get("alignment_score")),
    ]


REVIEW_COLUMNS = [
    Col("#", num=True),
    Col("Miss"),
    Col("Contact · account"),
    Col("Model said (score · confidence, reasoning)"),
    Col("AE said (notes, owner · opportunity, stage, amount)"),
    Col("Signals"),
    Col("Alignment", num=True),
]


def _review_table(rows: list[Row]) -> Safe:
    return table(REVIEW_COLUMNS, [review_row(r) for r in rows], cls="review")


def _miss_summary(rows: list[Row]) -> str:
    """Per kind, how many misses there are in all and their amount (mart columns)."""
    parts = []
    for kind, label in MISS_TYPES.items():
        first = next((r for r in rows if r.get("miss_type") == kind), None)
        if first is not None:
            amount, corporate = first.get("kind_amount"), first.get("corporate_currency")
            unit = f" {corporate}" if corporate else ""
            money = "" if fmt.missing(amount) else f" (amount {fmt.amount(amount)}{unit})"
            parts.append(f"{label.lower()}: {fmt.num(first.get('kind_misses'))}{money}")
    return "; ".join(parts) if parts else "no costly miss"


def _all_misses_sql(key: tuple[str, str]) -> str:
    """The query that lists every miss of one model, for the misses the page leaves out."""
    model, version = (part.replace("'", "''") for part in key)
    return (
        f"select * from marts.review_misses where model = '{model}' "
        f"and model_version = '{version}' order by review_rank;"
    )


def review(data: ReportData) -> Safe:
    """The costliest misses per model, model and AE reasoning side by side."""
    parts: list[Safe] = [
        el(
            "p",
            "The misses that cost most, costliest first: contacts the model turned away whose "
            "opportunity was won or reached a late stage (by amount), then contacts it qualified "
            "whose opportunity the AE closed lost at Stage 1 (by score). Read the model's "
            "reasoning against the AE's notes to see what the model did not know or weighed "
            "wrongly. " + _currency_note(data.misses),
        )
    ]
    for key in data.keys:
        rows = data.rows(data.misses, key)
        parts.append(el("h3", data.label(key)))
        parts.append(el("p", f"Costly misses: {_miss_summary(rows)}.", cls="small"))
        if not rows:
            parts.append(
                el(
                    "p",
                    "Nothing to review: no contact it turned away had a won or late-stage deal, "
                    "and none it qualified was closed lost at Stage 1.",
                    cls="muted",
                )
            )
            continue
        hidden = sum(
            max((r.get("kind_misses") or 0) - REVIEW_PER_KIND, 0)
            for r in rows
            if r.get("kind_rank") == 1
        )
        if hidden:
            parts.append(
                el(
                    "p",
                    f"Shown: the {REVIEW_PER_KIND} costliest of each kind; {fmt.num(hidden)} more "
                    "are in the warehouse. All of them: ",
                    el("code", _all_misses_sql(key)),
                    cls="small",
                )
            )
        parts.append(_review_table(rows[:REVIEW_SHOWN]))
        if len(rows) > REVIEW_SHOWN:
            parts.append(
                details(
                    f"The other {len(rows) - REVIEW_SHOWN} misses",
                    _review_table(rows[REVIEW_SHOWN:]),
                )
            )
    return section("review", "Review list: the costliest misses", *parts)


def data_quality(data: ReportData) -> Safe:
    """What the backtest noticed about the data (marts.data_quality), checks that found rows."""
    found = [r for r in data.data_quality if (r.get("affected_rows") or 0) > 0]
    intro = (
        f"{fmt.num(len(data.data_quality))} checks over the loaded records and the scoring rows "
        "(dates before 1970 or after 2100, SystemModstamps in the future, Ids repeated within "
        "one load, contacts without account or email, opportunities without a known stage, "
        "amounts without a rate, truncated inputs). All rows of every check: "
    )
    parts: list[Safe] = [
        el("p", intro, el("code", "select * from marts.data_quality;"), cls="small")
    ]
    if not data.data_quality:
        parts.append(el("p", "Nothing to show: marts.data_quality holds no row.", cls="muted"))
    elif not found:
        parts.append(el("p", "No check found anything.", cls="muted"))
    else:
        rows = [
            [
                r.get("object_name"),
                r.get("description"),
                fmt.num(r.get("affected_rows")),
                fmt.num(r.get("total_rows")),
            ]
            for r in found
        ]
        parts.append(
            table(
                [Col("Object"), Col("Check"), Col("Rows found", num=True), Col("Of", num=True)],
                rows,
            )
        )
    return section("quality", "Data quality", *parts)


def footer(data: ReportData) -> Safe:
    """Where the figures come from and how to rebuild the page."""
    return el(
        "p",
        "Built by ",
        el("code", "python -m reports"),
        f" from the dbt marts in {data.db} (schema marts: backtest_summary, score_curves, "
        "threshold_sweep, score_calibration, metrics_by_segment, signal_progression, "
        "ae_signal_progression, model_comparison, review_misses, data_quality). Every figure "
        "is a column of them, shown as it is; the dbt docs (",
        el("code", "make docs"),
        ") define each column. This page is self-contained: it loads nothing from the network.",
    )
