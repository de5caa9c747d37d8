"""End to end: a generated org is extracted, scored and judged by dbt, and every figure of
``marts.backtest_summary`` is recomputed here, independently, from the raw tables.

The labels are re-derived in Python from DESIGN.md's definitions (stage ladder, progression
by as_of, a no-history opportunity's current stage only when set by as_of, attribution by
role / Opportunity.ContactId / converted lead / account window, undetermined, pending; AE
text as of as_of from field history; decision agreement per contact); AUC, average
precision and Brier come from scikit-learn; alignment re-tags the AE notes and the model's
reasoning with the taxonomy seed. Everything must equal the mart to 1e-9.
"""

from __future__ import annotations

import csv
import math
import os
import re
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from extract.demo.generate import generate_org
from tests.stages import score as make_score

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 20)
WINDOW, MATURITY, ATTRIBUTION = 30, 14, 90
NO_ACCOUNT = {"", "000000000000000AAA"}
AE_FIELDS = ("description", "next_step", "loss_reason_c")


def run(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("e2e")
    org = work / "org"
    org.mkdir()
    generate_org(org, contacts=3000, seed=11, anchor=AS_OF + timedelta(days=1))
    db = work / "wh.duckdb"
    env = {
        **os.environ,
        "BACKTEST_DB": str(db),
        "SOURCES__SALESFORCE__EXTRA_FIELDS": '{"Opportunity": ["Loss_Reason__c"]}',
        "DBT_PROFILES_DIR": str(ROOT / "dbt_project"),
    }
    py = sys.executable
    run([py, "-m", "extract", "--org", str(org)], env)
    make_score(env, as_of=AS_OF, days=WINDOW)
    dbt = str(Path(sys.executable).parent / "dbt")
    run([dbt, "build", "--quiet", "--vars", f'{{"as_of": "{AS_OF}"}}'], env, ROOT / "dbt_project")
    return db


def latest(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    deleted: bool = True,
    modstamp: str = "system_modstamp",
) -> list[dict]:
    """Newest version of each record (by SystemModstamp), deleted ones dropped."""
    cursor = con.execute(f'select * from raw_salesforce."{table}"')
    names = [d[0] for d in cursor.description]
    newest: dict[str, dict] = {}
    oldest = datetime.min.replace(tzinfo=UTC)
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        have = newest.get(record["id"])
        stamp = record[modstamp] or oldest
        if have is None or stamp > (have[modstamp] or oldest):
            newest[record["id"]] = record
    return [r for r in newest.values() if not (deleted and r.get("is_deleted"))]


def labels(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Per window contact: progressed / undetermined / pending, and its attributed
    opportunities (id -> (progressed, attribution method))."""
    cutoff = datetime.combine(AS_OF + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    stages = {s["master_label"]: s for s in latest(con, "opportunity_stage", deleted=False)}
    stage_one = min(s["sort_order"] for s in stages.values() if not s["is_closed"])

    def beyond(stage: str | None) -> bool:
        known = stages.get(stage or "")
        return bool(known) and (
            bool(known["is_won"]) or (not known["is_closed"] and known["sort_order"] > stage_one)
        )

    opportunities = {o["id"]: o for o in latest(con, "opportunity") if o["created_date"] < cutoff}
    history = defaultdict(list)
    for h in latest(con, "opportunity_history"):
        history[h["opportunity_id"]].append(h)
    progressed, unknown = {}, set()
    for oid, opp in opportunities.items():
        rows = history.get(oid, [])
        if rows:
            reached = [h["stage_name"] for h in rows if h["created_date"] < cutoff]
        else:
            changed = opp.get("last_stage_change_date") or opp["last_modified_date"]
            reached = [opp["stage_name"]] if changed is not None and changed < cutoff else []
            if not reached:
                unknown.add(oid)
        progressed[oid] = any(beyond(s) for s in reached)

    contacts = {
        c["id"]: c
        for c in latest(con, "contact")
        if AS_OF - timedelta(days=WINDOW) < c["created_date"].date() <= AS_OF
    }
    by_role, by_lead, by_account = defaultdict(set), defaultdict(set), defaultdict(set)
    by_contact_field = defaultdict(set)
    for oid, opp in opportunities.items():
        if opp.get("contact_id"):
            by_contact_field[opp["contact_id"]].add(oid)
    for role in latest(con, "opportunity_contact_role"):
        if role["created_date"] is None or role["created_date"] < cutoff:
            by_role[role["contact_id"]].add(role["opportunity_id"])
    for lead in latest(con, "lead"):
        if lead["is_converted"] and (
            lead["converted_date"] is None or lead["converted_date"] <= AS_OF
        ):
            by_lead[lead["converted_contact_id"]].add(lead["converted_opportunity_id"])
    for oid, opp in opportunities.items():
        if (opp["account_id"] or "") not in NO_ACCOUNT:
            by_account[opp["account_id"]].add(oid)

    out = {}
    for cid, contact in contacts.items():
        created = contact["created_date"]

        def valid(ids: set[str], *, since: datetime, within: bool = False) -> set[str]:
            until = since + timedelta(days=ATTRIBUTION)
            return {
                oid
                for oid in ids
                if oid in opportunities
                and opportunities[oid]["created_date"] >= since
                and not (within and opportunities[oid]["created_date"] >= until)
            }

        account = contact["account_id"] or ""
        candidates = (
            ("contact_role", valid(by_role[cid], since=created)),
            ("opportunity_contact", valid(by_contact_field[cid], since=created)),
            ("converted_lead", valid(by_lead[cid], since=created)),
            (
                "account_window",
                valid(by_account[account], since=created, within=True)
                if account not in NO_ACCOUNT
                else set(),
            ),
        )
        method, opps = next(((m, found) for m, found in candidates if found), ("", set()))
        is_progressed = any(progressed[o] for o in opps)
        is_undetermined = not is_progressed and any(o in unknown for o in opps)
        age = (AS_OF - created.date()).days
        out[cid] = {
            "progressed": is_progressed,
            "undetermined": is_undetermined,
            "pending": not is_progressed and not is_undetermined and age < MATURITY,
            "method": method,
            "opportunities": {o: progressed[o] for o in opps},
        }
    return out


def ae_text_as_of(
    con: duckdb.DuckDBPyConnection, opportunities: dict[str, dict]
) -> dict[str, list[str | None]]:
    """Each opportunity's AE fields as of as_of: the old value of the first change on or
    after as_of + 1 day in OpportunityFieldHistory, when it kept one; else the current text."""
    cutoff = datetime.combine(AS_OF + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    first: dict[tuple[str, str], dict] = {}
    for h in sorted(
        latest(con, "opportunity_field_history", modstamp="created_date"),
        key=lambda h: (h["created_date"], h["id"]),
    ):
        key = (h["opportunity_id"], (h["field"] or "").lower().replace("_", ""))
        if h["created_date"] >= cutoff and key not in first:
            first[key] = h
    out = {}
    for oid, opp in opportunities.items():
        texts = []
        for field in AE_FIELDS:
            change = first.get((oid, field.replace("_", "")))
            kept = change and (change["old_value"] is not None or change["new_value"] is not None)
            texts.append(change["old_value"] if kept else opp.get(field))
        out[oid] = texts
    return out


def clean_text(text: str | None) -> str | None:
    """dbt's clean_text: tags out, common entities decoded, whitespace folded."""
    if text is None:
        return None
    text = re.sub(r"<[^>]*>", " ", text)
    for entity, char in [
        ("&nbsp;", " "),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", '"'),
        ("&#39;", "'"),
        ("&apos;", "'"),
        ("&amp;", "&"),
    ]:
        text = text.replace(entity, char)
    return re.sub(r"\s+", " ", text, flags=re.ASCII).strip() or None


def tagger() -> Any:
    with open(ROOT / "dbt_project" / "seeds" / "signal_taxonomy.csv", encoding="utf-8") as fh:
        taxonomy = [
            (row["signal"], row["polarity"], re.compile(row["pattern"], re.ASCII))
            for row in csv.DictReader(fh)
        ]

    def tag(text: str | None) -> set[tuple[str, str]]:
        if not text:
            return set()
        return {(s, p) for s, p, pattern in taxonomy if pattern.search(text)}

    return tag


def wilson(successes: int, trials: int, side: str) -> float | None:
    if trials == 0:
        return None
    z, p, n = 1.96, successes / trials, trials
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    centre = p + z * z / (2 * n)
    return ((centre - spread) if side == "lower" else (centre + spread)) / (1 + z * z / n)


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def expected_summary(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict]:
    truth = labels(con)
    tag = tagger()
    opportunities = {o["id"]: o for o in latest(con, "opportunity")}
    as_of_text = ae_text_as_of(con, opportunities)
    ae_tags = {
        oid: tag(" | ".join(t for t in (clean_text(v) for v in texts) if t).lower())
        for oid, texts in as_of_text.items()
    }
    rows = con.execute(
        "select contact_id, model, model_version, score, is_qualified, reasoning, industries, "
        "use_cases, enterprise_indicators, status from scoring.qualifications where as_of = ?",
        [AS_OF],
    ).fetchall()
    groups: dict[tuple[str, str], list] = defaultdict(list)
    errors: dict[tuple[str, str], int] = defaultdict(int)
    for cid, model, version, score, qualified, *texts, status in rows:
        if cid not in truth:
            continue
        if status != "ok":
            errors[(model, version)] += 1
            continue
        groups[(model, version)].append((cid, score, qualified, texts))

    out = {}
    for key, scored in groups.items():
        decided = [
            (c, s, q, t)
            for c, s, q, t in scored
            if not truth[c]["pending"] and not truth[c]["undetermined"]
        ]
        y = [int(truth[c]["progressed"]) for c, *_ in decided]
        scores = [s for _, s, _, _ in decided]
        tp = sum(1 for (c, _, q, _), t in zip(decided, y, strict=True) if q and t)
        fp = sum(1 for (c, _, q, _), t in zip(decided, y, strict=True) if q and not t)
        tn = sum(1 for (c, _, q, _), t in zip(decided, y, strict=True) if not q and not t)
        fn = sum(1 for (c, _, q, _), t in zip(decided, y, strict=True) if not q and t)
        precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
        alignments = []
        for cid, _, qualified, texts in decided:
            model_tags = tag(" | ".join(t for t in texts if t is not None).lower())
            if truth[cid]["method"] == "account_window":
                continue  # a guessed link: its AE text is not compared
            for oid in truth[cid]["opportunities"]:
                ae = ae_tags.get(oid, set())
                if ae:
                    decision = float(bool(qualified) == truth[cid]["progressed"])
                    alignments.append(
                        0.5 * decision + 0.5 * len(ae & model_tags) / len(ae | model_tags)
                    )
        out[key] = {
            "total_contacts": len(scored),
            "model_qualified": sum(1 for _, _, q, _ in scored if q),
            "model_not_qualified": sum(1 for _, _, q, _ in scored if not q),
            "pending_contacts": sum(1 for c, *_ in scored if truth[c]["pending"]),
            "undetermined_contacts": sum(1 for c, *_ in scored if truth[c]["undetermined"]),
            "decided_contacts": len(decided),
            "deals_beyond_stage_one": sum(y),
            "true_positives": tp,
            "false_positives": fp,
            "true_negatives": tn,
            "false_negatives": fn,
            "model_accuracy": ratio(tp + tn, len(decided)),
            "model_precision": precision,
            "model_recall": recall,
            "f1": ratio(2 * precision * recall, precision + recall)
            if precision and recall
            else None,
            "specificity": ratio(tn, tn + fp),
            "qualification_rate": ratio(sum(1 for _, _, q, _ in scored if q), len(scored)),
            "base_rate": ratio(sum(y), len(decided)),
            "precision_ci_low": wilson(tp, tp + fp, "lower"),
            "precision_ci_high": wilson(tp, tp + fp, "upper"),
            "recall_ci_low": wilson(tp, tp + fn, "lower"),
            "recall_ci_high": wilson(tp, tp + fn, "upper"),
            "roc_auc": roc_auc_score(y, scores),
            "average_precision": average_precision_score(y, scores),
            "brier_score": brier_score_loss(y, scores),
            "ae_model_alignment_avg": sum(alignments) / len(alignments) if alignments else None,
            "ae_reasoning_rows": len(alignments),
            "scoring_errors": errors[key],
        }
    return out


def test_every_summary_figure_matches_an_independent_recomputation(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = expected_summary(con)
        cursor = con.execute("select * from marts.backtest_summary")
        names = [d[0] for d in cursor.description]
        actual = {
            (row["model"], row["model_version"]): row
            for row in (dict(zip(names, r, strict=True)) for r in cursor.fetchall())
        }
    assert set(actual) == set(expected) == {("business_context", "1.0"), ("demographic", "1.0")}
    for key, figures in expected.items():
        assert figures["total_contacts"] > 500 and figures["deals_beyond_stage_one"] > 50
        for name, value in figures.items():
            got = actual[key][name]
            if value is None:
                assert got is None, (key, name)
            else:
                assert got == pytest.approx(value, abs=1e-9, rel=0), (key, name, got, value)


def test_the_model_under_test_beats_the_baseline_on_the_demo_org(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        auc = dict(con.execute("select model, roc_auc from marts.backtest_summary").fetchall())
    assert auc["business_context"] > auc["demographic"] + 0.05
    assert 0.5 < auc["business_context"] < 0.95  # better than chance, not suspiciously perfect


def kaplan_meier(times: list[tuple[int, bool]]) -> dict[int, tuple[float, float]]:
    """Textbook product-limit estimate: day -> (share progressed by that day, Greenwood sum)."""
    out, survival, greenwood = {}, 1.0, 0.0
    for day in range(max(t for t, _ in times) + 1):
        at_risk = sum(1 for t, _ in times if t >= day)
        events = sum(1 for t, event in times if t == day and event)
        if events:
            survival *= 1 - events / at_risk
            greenwood += events / (at_risk * (at_risk - events)) if at_risk > events else 0.0
        out[day] = (1 - survival, greenwood)
    return out


def test_progression_curves_match_the_textbook_kaplan_meier(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        outcomes = con.execute(
            "select model, is_qualified, contact_created_at, first_progressed_at, "
            "contact_age_days, "
            "is_undetermined, progressed_opportunities from marts.contact_outcomes"
        ).fetchall()
        curves = {
            (m, d, day): (share, greenwood, at_risk)
            for m, d, day, share, greenwood, at_risk in con.execute(
                "select model, decision, day, progressed_share, greenwood_sum, contacts_at_risk "
                "from marts.progression_curves"
            ).fetchall()
        }
    groups: dict[tuple[str, str], list[tuple[int, bool]]] = defaultdict(list)
    for model, qualified, created, progressed, age, undetermined, opps in outcomes:
        if undetermined or (opps and progressed is None):
            continue
        decision = "qualified" if qualified else "not qualified"
        if progressed is not None:
            groups[model, decision].append(
                (max((progressed.date() - created.date()).days, 0), True)
            )
        else:
            groups[model, decision].append((age, False))
    assert len(groups) == 4 and all(len(times) > 100 for times in groups.values())
    for (model, decision), times in groups.items():
        expected = kaplan_meier(times)
        assert {k[2] for k in curves if k[:2] == (model, decision)} == set(expected)
        for day, (share, greenwood) in expected.items():
            got_share, got_greenwood, at_risk = curves[model, decision, day]
            assert got_share == pytest.approx(share, abs=1e-9), (model, decision, day)
            assert got_greenwood == pytest.approx(greenwood, abs=1e-9), (model, decision, day)
            assert at_risk == sum(1 for t, _ in times if t >= day)
    # The model under test separates: its qualified contacts progress faster.
    last = max(day for m, d, day in curves if m == "business_context")
    assert (
        curves["business_context", "qualified", last][0]
        > curves["business_context", "not qualified", last][0]
    )


def test_revenue_capture_matches_a_recomputation_from_the_raw_tables(warehouse: Path) -> None:
    cutoff = datetime.combine(AS_OF + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        contacts = labels(con)
        won_stages = {
            s["master_label"]
            for s in latest(con, "opportunity_stage", deleted=False)
            if s["is_won"]
        }
        opportunities = {o["id"]: o for o in latest(con, "opportunity")}
        reached = defaultdict(set)
        for h in latest(con, "opportunity_history"):
            if h["created_date"] < cutoff:
                reached[h["opportunity_id"]].add(h["stage_name"])
        for oid, opp in opportunities.items():
            changed = opp.get("last_stage_change_date") or opp["last_modified_date"]
            if oid not in reached and changed is not None and changed < cutoff:
                reached[oid].add(opp["stage_name"])
        decisions = con.execute(
            "select model, contact_id, is_qualified, score from scoring.qualifications "
            "where as_of = ?",
            [AS_OF],
        ).fetchall()
        cursor = con.execute("select * from marts.revenue_capture")
        names = [d[0] for d in cursor.description]
        actual = {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
        curve = con.execute(
            "select model, threshold, contact_share, won_share from marts.revenue_capture_curve"
        ).fetchall()
    for model in ("business_context", "demographic"):
        qualified = {c: q for m, c, q, _ in decisions if m == model and c in contacts}
        found: dict[str, bool] = {}
        for cid, label in contacts.items():
            for oid in label["opportunities"]:
                found[oid] = found.get(oid, False) or bool(qualified[cid])
        won = {oid for oid in found if reached[oid] & won_stages}
        amount = {oid: opportunities[oid]["amount"] for oid in found}
        won_found = sum(amount[o] or 0 for o in won if found[o])
        won_total = sum(amount[o] or 0 for o in won)
        row = actual[model]
        assert row["contacts"] == len(qualified)
        assert row["contacts_qualified"] == sum(1 for q in qualified.values() if q)
        assert row["opportunities"] == len(found) and row["won_opportunities"] == len(won)
        assert row["won_found"] == pytest.approx(won_found, abs=1e-6)
        assert row["won_total"] == pytest.approx(won_total, abs=1e-6) and won_total > 0
        assert row["pipeline_found"] == pytest.approx(
            sum(amount[o] or 0 for o in found if found[o]), abs=1e-6
        )
        assert row["revenue_weighted_recall"] == pytest.approx(won_found / won_total, abs=1e-9)
        # The curve: at each threshold, the won revenue whose best contact scores at or above it.
        scores = {c: s for m, c, _, s in decisions if m == model and c in contacts}
        best: dict[str, float] = {}
        for cid, label in contacts.items():
            for oid in label["opportunities"]:
                best[oid] = max(best.get(oid, -1.0), scores[cid])
        points = [(t, cs, ws) for m, t, cs, ws in curve if m == model]
        assert {t for t, _, _ in points} == set(scores.values()) | {best[o] for o in won}
        for threshold, contact_share, won_share in points:
            share = sum(1 for s in scores.values() if s >= threshold) / len(scores)
            kept = sum(amount[o] or 0 for o in won if best[o] >= threshold)
            assert contact_share == pytest.approx(share, abs=1e-9)
            assert won_share == pytest.approx(kept / won_total, abs=1e-9)


def test_cohort_metrics_trend_and_drift_match_a_recomputation(warehouse: Path) -> None:
    horizon, z = 14, 1.96
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select model, contact_created_at, contact_age_days, qualification_score, "
            "is_qualified, is_undetermined, progressed_opportunities, first_progressed_at "
            "from marts.contact_outcomes"
        ).fetchall()

        def table(name: str) -> list[dict]:
            cursor = con.execute(f"select * from marts.{name}")
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

        metrics, trend, drift = table("cohort_metrics"), table("cohort_trend"), table("score_drift")
    cohorts: dict[tuple[str, date], list[tuple]] = defaultdict(list)
    for model, created, age, score, qualified, undetermined, opps, progressed in rows:
        monday = created.date() - timedelta(days=created.date().weekday())
        days = None if progressed is None else (progressed.date() - created.date()).days
        cohorts[model, monday].append((age, score, qualified, undetermined, opps, days))
    by_key = {(m["model"], m["cohort_start"]): m for m in metrics}
    assert set(by_key) == set(cohorts) and len(cohorts) >= 8
    for key, members in cohorts.items():
        judged = [
            (score, qualified, days is not None and days <= horizon)
            for age, score, qualified, undetermined, opps, days in members
            if age >= horizon and not undetermined and not (opps and days is None)
        ]
        row = by_key[key]
        assert row["contacts"] == len(members) and row["judged"] == len(judged)
        labels_ = [int(label) for *_, label in judged]
        tp = sum(1 for _, q, label in judged if q and label)
        fp = sum(1 for _, q, label in judged if q and not label)
        fn = sum(1 for _, q, label in judged if not q and label)
        assert (row["true_positives"], row["false_positives"], row["false_negatives"]) == (
            tp,
            fp,
            fn,
        )
        if tp + fp:
            assert row["precision_low"] == pytest.approx(wilson(tp, tp + fp, "lower"), abs=1e-9)
        else:
            assert row["precision_low"] is None
        if 0 < sum(labels_) < len(labels_):
            auc = roc_auc_score(labels_, [s for s, *_ in judged])
            n_pos, n_neg = sum(labels_), len(labels_) - sum(labels_)
            q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
            se = math.sqrt(
                (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2) + (n_neg - 1) * (q2 - auc**2))
                / (n_pos * n_neg)
            )
            assert row["roc_auc"] == pytest.approx(auc, abs=1e-9)
            assert row["roc_auc_low"] == pytest.approx(max(0.0, auc - z * se), abs=1e-9)
        else:
            assert row["roc_auc"] is None and row["roc_auc_low"] is None
    # Trend: weighted least squares of AUC over the cohort index, weights 1 / SE^2.
    for model_trend in trend:
        points = sorted(
            (m["cohort_start"], m["roc_auc"], m["roc_auc_se"])
            for m in metrics
            if m["model"] == model_trend["model"]
        )
        xs = [(i, auc, 1 / se**2) for i, (_, auc, se) in enumerate(points) if auc and se]
        assert model_trend["cohorts_measured"] == len(xs)
        if len(xs) < 3:
            assert model_trend["stability"] == "not measurable"
            continue
        sw = sum(w for *_, w in xs)
        mx = sum(w * x for x, _, w in xs) / sw
        my = sum(w * y for _, y, w in xs) / sw
        sxx = sum(w * (x - mx) ** 2 for x, _, w in xs)
        slope = sum(w * (x - mx) * (y - my) for x, y, w in xs) / sxx
        assert model_trend["auc_slope"] == pytest.approx(slope, abs=1e-9)
        assert model_trend["auc_slope_se"] == pytest.approx(math.sqrt(1 / sxx), abs=1e-9)
        z_slope = slope / math.sqrt(1 / sxx)
        expected = "better" if z_slope >= z else "worse" if z_slope <= -z else "within noise"
        assert model_trend["stability"] == expected
    # Drift: PSI of each cohort against the rest of the window, half-contact smoothing.
    for row in drift:
        bins = defaultdict(lambda: [0, 0])
        for (model, monday), members in cohorts.items():
            if model != row["model"]:
                continue
            for member in members:
                b = min(max(math.floor(member[1] * 10), 0), 9)
                bins[b][0 if monday == row["cohort_start"] else 1] += 1
        n = sum(bins[b][0] for b in range(10))
        m = sum(bins[b][1] for b in range(10))
        psi = 0.0
        for b in range(10):
            a, e = (bins[b][0] + 0.5) / (n + 5), (bins[b][1] + 0.5) / (m + 5)
            psi += (a - e) * math.log(a / e)
        assert row["contacts_scored"] == n
        assert row["psi_vs_rest"] == pytest.approx(psi, abs=1e-9)
        assert row["psi_noise_95"] == pytest.approx(16.918977604620448 * (1 / n + 1 / m), abs=1e-9)


def poisson_draw(mean: float, uniform: float) -> int:
    """The smallest k with P(Poisson(mean) <= k) >= uniform, summed from the log pmf."""
    first = 0 if mean < 400 else math.floor(mean - 8 * math.sqrt(mean))
    last = math.ceil(mean + 8 * math.sqrt(mean) + 8)
    cumulative = 0.0
    for k in range(first, last + 1):
        cumulative += math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))
        if uniform <= cumulative:
            return k
    return last


def quantile(values: list[float], p: float) -> float:
    ordered, h = sorted(values), (len(values) - 1) * p
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def test_model_comparison_delong_and_bootstrap_match_a_recomputation(warehouse: Path) -> None:
    import hashlib

    import numpy as np

    with duckdb.connect(str(warehouse), read_only=True) as con:
        outcomes = con.execute(
            "select model, contact_id, ae_progressed, qualification_score, is_qualified "
            "from marts.contact_outcomes where is_decided"
        ).fetchall()
        cursor = con.execute("select * from marts.model_comparison")
        names = [d[0] for d in cursor.description]
        (row,) = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    by_model: dict[str, dict[str, tuple]] = defaultdict(dict)
    for model, cid, progressed, score, qualified in outcomes:
        by_model[model][cid] = (int(progressed), score, int(qualified))
    assert (row["model"], row["baseline_model"]) == ("business_context", "demographic")
    shared = sorted(set(by_model["business_context"]) & set(by_model["demographic"]))
    y = np.array([by_model["business_context"][c][0] for c in shared])
    a = np.array([by_model["business_context"][c][1] for c in shared])
    b = np.array([by_model["demographic"][c][1] for c in shared])

    # DeLong by the textbook: structural components over every positive-negative pair.
    def components(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos, neg = s[y == 1], s[y == 0]
        psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
        return psi.mean(axis=1), psi.mean(axis=0)

    (a10, a01), (b10, b01) = components(a), components(b)
    s10, s01 = np.cov(np.vstack([a10, b10])), np.cov(np.vstack([a01, b01]))
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / len(a10)
    var += (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / len(a01)
    difference = a10.mean() - b10.mean()
    assert row["paired_auc_difference"] == pytest.approx(difference, abs=1e-9)
    assert row["auc_difference_se"] == pytest.approx(math.sqrt(var), abs=1e-9)
    p_value = math.erfc(abs(difference) / math.sqrt(2 * var))
    assert row["delong_p_value"] == pytest.approx(p_value, rel=1e-6, abs=1e-300)
    verdict = "within chance" if p_value >= 0.05 else "better" if difference > 0 else "worse"
    assert row["auc_verdict"] == verdict

    # The bootstrap, redone: per resample and cell one Poisson(n) draw at the md5 uniform.
    cells: dict[tuple[int, int, int], int] = defaultdict(int)
    for c in shared:
        label, _, qualified = by_model["business_context"][c]
        cells[label, qualified, by_model["demographic"][c][2]] += 1
    resamples = row["bootstrap_resamples"]
    assert resamples == 1000
    diffs: dict[str, list[float]] = defaultdict(list)
    for resample in range(1, resamples + 1):
        drawn = {}
        for (label, qa, qb), n in cells.items():
            key = f"20261129|business_context|1.0|demographic|1.0|{resample}|{label}{qa}{qb}"
            u = (int(hashlib.md5(key.encode()).hexdigest()[:13], 16) + 0.5) / 2**52
            drawn[label, qa, qb] = poisson_draw(n, u)

        def metrics(side: int, drawn: dict = drawn) -> tuple:
            tp = sum(k for (lab, *q), k in drawn.items() if lab == 1 and q[side] == 1)
            fp = sum(k for (lab, *q), k in drawn.items() if lab == 0 and q[side] == 1)
            fn = sum(k for (lab, *q), k in drawn.items() if lab == 1 and q[side] == 0)
            return ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(2 * tp, 2 * tp + fp + fn)

        for name, mine, base in zip(
            ("precision", "recall", "f1"), metrics(0), metrics(1), strict=True
        ):
            if mine is not None and base is not None:
                diffs[name].append(mine - base)
    for name, values in diffs.items():
        assert row[f"{name}_difference_low"] == pytest.approx(quantile(values, 0.025), abs=1e-9)
        assert row[f"{name}_difference_high"] == pytest.approx(quantile(values, 0.975), abs=1e-9)
    # And the Poisson bootstrap agrees with the classic one (resampling contacts) up to
    # Monte Carlo error.
    rng = np.random.default_rng(7)
    qa = np.array([by_model["business_context"][c][2] for c in shared])
    qb = np.array([by_model["demographic"][c][2] for c in shared])
    classic = []
    for _ in range(1000):
        w = rng.multinomial(len(shared), np.full(len(shared), 1 / len(shared)))

        def f1(q: np.ndarray, w: np.ndarray = w) -> float:
            tp = (w * (y & q)).sum()
            return 2 * tp / (2 * tp + (w * ((1 - y) & q)).sum() + (w * (y & (1 - q))).sum())

        classic.append(f1(qa) - f1(qb))
    assert row["f1_difference_low"] == pytest.approx(np.quantile(classic, 0.025), abs=0.02)
    assert row["f1_difference_high"] == pytest.approx(np.quantile(classic, 0.975), abs=0.02)
