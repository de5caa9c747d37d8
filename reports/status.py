"""``make status`` and the end-of-run summary of ``make backtest``.

The status update keeps the seed's shape ("📊 ... STATUS UPDATE", Job 1 scoring, Job 2
analysis, alignment, rates). It reads the small progress files each stage publishes beside
the warehouse (``progress/*.json``) and, when no stage holds the warehouse's run lock, the
marts through a read-only connection. DuckDB allows one writer or many readers, so a reader
at the wrong moment would make a starting stage fail: status opens the file only while it
holds the run lock shared (``plumbing.runlock.reading``), which a stage that holds or wants
the lock refuses; status then shows the progress files and who runs, and never waits.
A stage whose process is gone (``kill -9``, a crash) is shown as died, with when.

``--summary`` prints the verdict after a run: per model precision / recall / F1 / AUC with
95% intervals, the model against the baseline, mean alignment, rates and the report's path.
``--transform-started EPOCH`` records how long ``dbt build`` took (``make transform``).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plumbing import progress as progress_files
from plumbing.runlock import (
    describe_holder,
    inside_run,
    is_held,
    lock_path,
    read_holder,
    reading,
)
from plumbing.warehouse import default_db
from reports.build import default_out


@dataclass
class Snapshot:
    """What is known about the warehouse right now."""

    db: Path
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)
    summary: list[dict[str, Any]] = field(default_factory=list)
    comparison: list[dict[str, Any]] = field(default_factory=list)
    busy: bool = False
    missing: str | None = None
    holder: dict[str, Any] = field(default_factory=dict)
    running: bool = False
    #: marts.data_quality rows that found something (empty when clean or not built).
    quality: list[dict[str, Any]] = field(default_factory=list)
    #: marts.cohort_trend: one stability line per model.
    trend: list[dict[str, Any]] = field(default_factory=list)
    #: marts.progression_curves read at the days the verdict quotes.
    progression: list[dict[str, Any]] = field(default_factory=list)
    #: marts.revenue_capture: one row per model.
    revenue: list[dict[str, Any]] = field(default_factory=list)
    #: marts.model_cards: the fitted yardstick, trained or not.
    cards: list[dict[str, Any]] = field(default_factory=list)


#: The days since creation at which the verdict reads the progression curves.
READ_OFF_DAYS = (14, 30, 90)


def _rows(con: Any, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def take_snapshot(db: Path) -> Snapshot:
    """Progress files plus, when the warehouse is free, the summary marts (read-only)."""
    import duckdb

    snap = Snapshot(db, progress=progress_files.read_all(db))
    if not inside_run(db):  # the verdict at the end of a run need not name the run
        snap.holder, snap.running = read_holder(db), is_held(db)
    if not db.exists():
        snap.missing = f"No warehouse at {db} yet: run `make backtest` (or `make extract`)."
        return snap
    with reading(db) as free:
        if not free:
            snap.busy = True
            return snap
        try:
            con = duckdb.connect(str(db), read_only=True)
        except duckdb.IOException:  # held by a program outside the backtest
            snap.busy = True
            return snap
        try:
            snap.summary = _rows(con, "select * from marts.backtest_summary order by model")
            snap.comparison = _rows(con, "select * from marts.model_comparison order by model")
            snap.quality = _quality_rows(con)
            snap.trend = _rows(con, "select * from marts.cohort_trend order by model")
            snap.progression = _rows(
                con,
                "select * from marts.progression_curves "
                f"where day in {READ_OFF_DAYS} order by model, decision desc, day",
            )
            snap.revenue = _rows(con, "select * from marts.revenue_capture order by model")
            snap.cards = _rows(con, "select * from marts.model_cards order by model")
        except duckdb.CatalogException:
            snap.missing = "The marts are not built yet: run `make transform`."
        finally:
            con.close()
    return snap


def _clock(iso: str | None) -> str:
    if not iso:
        return "?"
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return iso


def _state(progress: dict[str, Any], *, running: str = "running") -> str:
    """running / done / failed, or died (pid, last sign of life) when its process is gone."""
    if running != "running" or progress_files.writer_alive(progress):
        return running
    last = _clock(progress.get("updated_at"))
    return f"died: process {progress['pid']} is gone, last update {last}"


def _run_lines(snap: Snapshot) -> list[str]:
    """Who holds the warehouse, or which stage died holding it."""
    if snap.running and snap.holder:
        return [f"   🔒 Running: {describe_holder(snap.holder)}"]
    if snap.holder and not snap.running:
        stamps = [snap.holder.get("started_at") or ""] + [
            str(p.get("updated_at") or "") for p in snap.progress.values()
        ]
        with suppress(OSError):
            mtime = lock_path(snap.db).stat().st_mtime
            stamps.append(datetime.fromtimestamp(mtime, UTC).isoformat(timespec="seconds"))
        last = max((s for s in stamps if s), default=None)
        return [
            f"   💀 {describe_holder(snap.holder)} died (last sign of life {_clock(last)}); "
            "rerun the same command: what was loaded is kept"
        ]
    return []


def _quality_rows(con: Any) -> list[dict[str, Any]]:
    """The data-quality checks that found rows (none from a warehouse built before them)."""
    import duckdb

    try:
        return _rows(
            con,
            "select * from marts.data_quality where affected_rows > 0 "
            "order by affected_rows desc, object_name, check_name",
        )
    except duckdb.CatalogException:
        return []


def quality_line(rows: list[dict[str, Any]]) -> str:
    """One line for the terminal: what the data-quality checks found, most rows first."""
    if not rows:
        return "   🧹 Data quality: no check found anything (marts.data_quality)"
    shown = [
        f"{r['object_name']} {r['check_name'].replace('_', ' ')} {int(r['affected_rows']):,}"
        for r in rows[:4]
    ]
    more = f" and {len(rows) - 4} more" if len(rows) > 4 else ""
    return f"   🧹 Data quality: {', '.join(shown)}{more} (see marts.data_quality)"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _runtime(progress: dict[str, dict[str, Any]]) -> str:
    seconds = sum(
        float(p.get("seconds") or 0) for p in progress.values() if p.get("seconds") is not None
    )
    score = progress.get("score", {})
    if score.get("started_at") and score.get("updated_at"):
        start = datetime.fromisoformat(score["started_at"])
        end = datetime.fromisoformat(score["updated_at"])
        seconds += (end - start).total_seconds()
    whole = int(round(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _per_model(score: dict[str, Any]) -> list[str]:
    """'<model>: N processed, M qualified (x%)' per model (or overall in older files)."""
    parts = score.get("by_model") or {"all models": score}
    out = []
    for model, figures in parts.items():
        processed, qualified = int(figures.get("processed", 0)), int(figures.get("qualified", 0))
        errors = int(figures.get("errors", 0))
        share = _pct(qualified / processed if processed else None)
        text = f"{model} {processed:,} processed, {qualified:,} qualified ({share})"
        truncated = int(figures.get("truncated", 0))
        text += f", {truncated:,} with inputs truncated" if truncated else ""
        out.append(text + (f", {errors:,} errors" if errors else ""))
    return out


def status_lines(snap: Snapshot) -> list[str]:
    """The seed's STATUS UPDATE, from what the warehouse and progress files say."""
    lines = ["📊 BACKTEST STATUS UPDATE", f"   ⏱️ Runtime: {_runtime(snap.progress)}"]
    lines += _run_lines(snap)
    extract = snap.progress.get("extract")
    if extract:
        state = "done" if extract.get("done") else _state(extract)
        lines.append(
            f"   📥 Extract ({state}): {int(extract.get('total', 0)):,} records "
            f"in {float(extract.get('seconds', 0)):.1f}s"
        )
    score = snap.progress.get("score")
    if score:
        lines.append(
            f"   📈 Job 1 (Scoring, {_state(score, running=score.get('status', 'running'))}): "
            + ", ".join(_per_model(score))
        )
    if snap.busy:
        lines.append(
            "   ⏳ A stage is writing the warehouse right now; marts are shown when it ends."
        )
    elif snap.missing:
        lines.append(f"   ℹ️  {snap.missing}")
    for row in snap.summary:
        analyzed = int(row["total_contacts"])
        lines.append(
            f"   🔍 Job 2 (Analysis, {row['model']}): {analyzed:,} analyzed, "
            f"{int(row['deals_beyond_stage_one']):,} progressed beyond Stage 1, "
            f"{int(row['pending_contacts']):,} pending"
            + (
                f", {int(row['undetermined_contacts']):,} undetermined"
                if row.get("undetermined_contacts")
                else ""
            )
        )
        if row.get("ae_model_alignment_avg") is not None:
            lines.append(
                f"   🎯 Model-AE Alignment ({row['model']}): "
                f"{_num(row['ae_model_alignment_avg'])} over {int(row['ae_reasoning_rows']):,} "
                "deals with AE reasoning"
            )
    if score and score.get("rate"):
        # The progress file counts (contact, model) qualifications; a contact is scored
        # once per model.
        per_contact = float(score["rate"]) / max(len(score.get("models") or [None]), 1)
        lines.append(
            f"   ⚡ Scoring rate: {per_contact * 3600:,.0f} contacts/hour "
            f"({per_contact:,.0f} contacts/s, every model)"
        )
    transform = snap.progress.get("transform")
    if transform and snap.summary and transform.get("seconds"):
        analyzed = sum(int(r["total_contacts"]) for r in snap.summary)
        rate = analyzed / max(float(transform["seconds"]), 1e-9)
        lines.append(f"   ⚡ Analysis rate: {rate * 3600:,.0f} contacts/hour (dbt build)")
    return lines


def summary_lines(snap: Snapshot, *, report: Path | None = None) -> list[str]:
    """The verdict after ``make backtest``."""
    lines = status_lines(snap)
    if not snap.summary:
        return lines
    first = snap.summary[0]
    lines += [
        "",
        f"🏁 VERDICT as of {first['as_of']} ({int(first['window_days'])}-day window, "
        f"{int(first['decided_contacts']):,} decided + {int(first['pending_contacts']):,} "
        f"pending + {int(first.get('undetermined_contacts') or 0):,} undetermined contacts)",
    ]
    if first.get("stage_one_note"):
        lines.append(f"   🪜 {first['stage_one_note']}")
    lines.append("   🕰️ " + point_in_time_line(snap.summary))
    for row in snap.summary:
        lines.append(
            f"   {row['model']} {row['model_version']}: qualifies {_pct(row['qualification_rate'])}"
            f" | precision {_pct(row['model_precision'])} "
            f"({_pct(row['precision_ci_low'])}–{_pct(row['precision_ci_high'])})"
            f" | recall {_pct(row['model_recall'])} "
            f"({_pct(row['recall_ci_low'])}–{_pct(row['recall_ci_high'])})"
            f" | F1 {_num(row['f1'])} | AUC {_num(row['roc_auc'])}"
        )
    for row in snap.comparison:
        lines.append(
            f"   ⚖️  {row['model']} vs {row['baseline_model']}: AUC "
            f"{_signed(row['roc_auc_delta'])} ({chance_text(row, 'auc')}), "
            f"F1 {_signed(row['f1_delta'])} ({chance_text(row, 'f1')}), "
            f"recall {_signed(row['model_recall_delta'], pct=True)}, "
            f"precision {_signed(row['model_precision_delta'], pct=True)}"
        )
    lines += [f"   {line}" for line in beyond_snapshot_lines(snap)]
    lines.append(quality_line(snap.quality))
    if report is not None:
        where = report if report.exists() else f"{report} (not built yet: `make report`)"
        lines.append(f"   📄 Report: {where}")
    return lines


def point_in_time_line(summary: list[dict[str, Any]]) -> str:
    """How many contacts were sent inputs exactly as they were when they arrived, per model."""
    parts = []
    for row in summary:
        total = int(row.get("total_contacts") or 0)
        exact = int(row.get("inputs_exact_contacts") or 0)
        edited = int(row.get("inputs_edited_after_contacts") or 0)
        parts.append(f"{row['model']} {exact:,} of {total:,} exact, {edited:,} edited after")
    return (
        "Inputs as of each contact's arrival: "
        + "; ".join(parts)
        + " (edited after: a sent field changed later and no field history undoes it, so its "
        "current value was sent and may flatter the model; POINT_IN_TIME=strict sends null)"
    )


def chance_text(row: dict[str, Any], metric: str) -> str:
    """Whether a difference of model_comparison is beyond chance, as the marts judged it."""
    verdict = row.get(f"{metric}_verdict") or "not measurable"
    if metric == "auc":
        p = row.get("delong_p_value")
        test = "DeLong p " + ("< 0.001" if p is not None and p < 0.001 else _num(p, 3))
    else:
        low, high = row.get("f1_difference_low"), row.get("f1_difference_high")
        test = f"95% CI {_signed(low)} to {_signed(high)}"
    if verdict in ("better", "worse"):
        return f"{test}: {verdict} beyond chance"
    return f"{test}: {verdict}"


def beyond_snapshot_lines(snap: Snapshot) -> list[str]:
    """Stability over cohorts, progression by day 30 and 90, and revenue found, per model."""
    lines = []
    for card in snap.cards:
        if card.get("is_trained"):
            lines.append(
                f"📐 {card['model']}: trained on {int(card['training_contacts']):,} contacts "
                f"created {card['training_first_created_on']} to {card['training_created_by']}, "
                f"training AUC {_num(card['training_auc'])} (cross-validated "
                f"{_num(card['cv_auc'])}); see marts.model_cards"
            )
        else:
            lines.append(f"📐 {card['model']} not trained: {card.get('note')}")
    for row in snap.trend:
        grain = "weekly" if row["cohort_grain"] == "week" else "monthly"
        head = f"📈 {row['model']} over {int(row['cohorts'])} {grain} cohorts: "
        if row["stability"] == "not measurable":
            lines.append(
                head + f"stability not measurable ({int(row['cohorts_measured'])} cohorts with an "
                "AUC; a longer window, e.g. DAYS=180, gives more)"
            )
            continue
        moved = {"better": "got better", "worse": "got worse"}.get(
            row["stability"], "stayed within noise"
        )
        lines.append(
            head + f"AUC {moved} ({_num(row['first_cohort_auc'])} → "
            f"{_num(row['last_cohort_auc'])}, {_signed(row['auc_slope'])} per cohort, "
            f"z {_num(row['auc_slope_z'])}; see marts.cohort_metrics, marts.score_drift)"
        )
    groups: dict[tuple[str, str], dict[int, float | None]] = {}
    for row in snap.progression:
        groups.setdefault((row["model"], row["decision"]), {})[int(row["day"])] = row[
            "progressed_share"
        ]
    by_model: dict[str, list[str]] = {}
    for (model, decision), shares in groups.items():
        read = " / ".join(_pct(shares.get(day)) for day in READ_OFF_DAYS)
        by_model.setdefault(model, []).append(f"{decision} {read}")
    days = " / ".join(str(day) for day in READ_OFF_DAYS)
    for model, parts in by_model.items():
        unread = any("n/a" in part for part in parts)
        hint = " (n/a: past the window's follow-up; a longer DAYS reads it)" if unread else ""
        lines.append(
            f"⏳ {model}: progressed by day {days} (Kaplan–Meier): {'; '.join(parts)}{hint}"
        )
    for row in snap.revenue:
        total, found = row.get("won_total") or 0, row.get("won_found") or 0
        currency = f" {row['corporate_currency']}" if row.get("corporate_currency") else ""
        lines.append(
            f"💰 {row['model']}: qualifying {_pct(row['qualified_share'])} of contacts kept "
            f"{_pct(row['revenue_weighted_recall'])} of won revenue "
            f"({found:,.0f} of {total:,.0f}{currency})"
        )
    return lines


def _signed(value: float | None, *, pct: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:+.1f} pts" if pct else f"{value:+.3f}"


def record_transform(db: Path, seconds: float) -> None:
    """Publish how long dbt build took, for the analysis rate."""
    progress_files.publish(db, "transform", {"seconds": round(seconds, 2)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.status", description=__doc__)
    parser.add_argument("--summary", action="store_true", help="the verdict after a run")
    parser.add_argument("--transform-started", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    db = default_db().resolve()
    if args.transform_started is not None:
        record_transform(db, datetime.now(UTC).timestamp() - args.transform_started)
        return 0
    snap = take_snapshot(db)
    if args.summary:
        lines = summary_lines(snap, report=default_out(db))
    else:
        lines = status_lines(snap)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
