"""Everything the report shows, read from the warehouse in one short read-only visit.

Every figure is a mart column: the marts the report reads are small (per model, threshold,
decile, curve point, segment, signal) and are read whole, as they are; nothing here
aggregates or computes a statistic (the dbt docs define each column). Beside the warehouse,
two small files other stages publish are read when present, so the report never imports
another stage: ``progress/score.json`` (the last scoring run's rate) and
``progress/extract.json`` (which org was extracted).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plumbing import warehouse
from reports.charts import BASELINE_COLOR, MODEL_COLORS
from reports.errors import MartsMissingError, WarehouseLockedError, WarehouseMissingError

Row = dict[str, Any]
Key = tuple[str, str]

SCHEMA = "marts"
#: The marts the report reads; all must exist.
MARTS = (
    "backtest_summary",
    "score_curves",
    "threshold_sweep",
    "score_calibration",
    "metrics_by_segment",
    "signal_progression",
    "ae_signal_progression",
    "model_comparison",
    "review_misses",
    "data_quality",
    "cohort_metrics",
    "cohort_trend",
    "score_drift",
    "progression_curves",
    "revenue_capture",
    "revenue_capture_curve",
    "model_cards",
    "model_card_terms",
)
#: The baseline model's name when model_comparison is empty (the first of dbt var baseline_models).
DEFAULT_BASELINE = "demographic"


@dataclass
class ReportData:
    """The figures behind the report, keyed by (model, model_version) where per model."""

    db: Path
    summaries: list[Row]
    sweep: list[Row]
    calibration: list[Row]
    segments: list[Row]
    signals: list[Row]
    comparison: list[Row]
    misses: list[Row]
    #: marts.score_curves: ROC and precision-recall points, per model by point_rank.
    curves: list[Row]
    #: marts.ae_signal_progression: the signals in AE notes, per model by signal_rank.
    ae_signals: list[Row]
    progress: dict[str, Any] | None = None
    org: str | None = None
    baseline: str | None = None
    keys: list[Key] = field(default_factory=list)
    #: marts.data_quality: one row per object and check (affected_rows may be 0).
    data_quality: list[Row] = field(default_factory=list)
    #: marts.cohort_metrics, cohort_trend and score_drift: stability over cohorts.
    cohorts: list[Row] = field(default_factory=list)
    trend: list[Row] = field(default_factory=list)
    drift: list[Row] = field(default_factory=list)
    #: marts.progression_curves: Kaplan–Meier points per model, decision and day.
    progression: list[Row] = field(default_factory=list)
    #: marts.revenue_capture (per model) and revenue_capture_curve (per threshold).
    revenue: list[Row] = field(default_factory=list)
    revenue_curve: list[Row] = field(default_factory=list)
    #: marts.model_cards and model_card_terms: the fitted yardstick's card.
    cards: list[Row] = field(default_factory=list)
    card_terms: list[Row] = field(default_factory=list)

    def summary(self, key: Key) -> Row:
        """The backtest_summary row of one model."""
        return next(row for row in self.summaries if _key(row) == key)

    def rows(self, table: list[Row], key: Key) -> list[Row]:
        """The rows of a per-model list that belong to ``key``."""
        return [row for row in table if _key(row) == key]

    @property
    def first(self) -> Row:
        """Any summary row (as_of, window and the dbt vars are the same on all)."""
        return self.summaries[0]

    @property
    def under_test(self) -> list[Key]:
        """The models judged against the baseline (all models when there is no baseline)."""
        tested = [key for key in self.keys if key[0] != self.baseline]
        return tested or list(self.keys)

    @property
    def baseline_keys(self) -> list[Key]:
        """The baseline's versions present in the summary."""
        return [key for key in self.keys if key[0] == self.baseline]

    @property
    def primary(self) -> Key:
        """The model the report is about (the first model under test)."""
        return self.under_test[0]

    @property
    def baseline_key(self) -> Key | None:
        """The baseline version compared with (the first, when several were scored)."""
        return self.baseline_keys[0] if self.baseline_keys else None

    def color(self, key: Key) -> str:
        """A model's colour: the baseline orange, models under test from the palette."""
        if key[0] == self.baseline and key in self.baseline_keys and len(self.keys) > 1:
            return BASELINE_COLOR
        tested = self.under_test
        index = tested.index(key) if key in tested else len(tested)
        return MODEL_COLORS[index % len(MODEL_COLORS)]

    def dash(self, key: Key) -> str | None:
        """The baseline is drawn dashed, so models differ by more than colour."""
        return "7 4" if key[0] == self.baseline and len(self.keys) > 1 else None

    def current_threshold(self, key: Key) -> float | None:
        """The threshold marked current in the sweep (the dbt var qualification_threshold)."""
        row = next((r for r in self.rows(self.sweep, key) if r.get("is_current")), None)
        return None if row is None else float(row["threshold"])

    def label(self, key: Key) -> str:
        """A model's name, with its version when several versions of it were scored."""
        versions = {version for model, version in self.keys if model == key[0]}
        return key[0] if len(versions) <= 1 else f"{key[0]} {key[1]}"


def _key(row: Row) -> Key:
    return row["model"], row["model_version"]


@contextmanager
def connect(db: Path, *, wait: float = 10.0) -> Iterator[Any]:
    """A read-only DuckDB connection; waits up to ``wait`` s while a stage holds the file."""
    if not db.exists():
        raise WarehouseMissingError(f"warehouse {db} does not exist: run `make backtest` first")
    try:
        with warehouse.connect(db, read_only=True, wait=wait) as con:
            yield con
    except warehouse.WarehouseLockedError as exc:
        raise WarehouseLockedError(str(exc)) from exc
    except warehouse.WarehouseOpenError as exc:
        raise WarehouseMissingError(str(exc)) from exc


#: Misses shown per model and kind in the review list (the rest: one query away, said so).
REVIEW_PER_KIND = 25


def fetch(con: Any, sql: str, params: list[Any] | None = None) -> list[Row]:
    """Rows of ``sql`` as dicts."""
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def require_marts(con: Any, db: Path) -> None:
    """Raise :class:`MartsMissingError` naming the missing marts."""
    found = {
        row["table_name"]
        for row in fetch(
            con,
            "select table_name from information_schema.tables where table_schema = ?",
            [SCHEMA],
        )
    }
    missing = [name for name in MARTS if name not in found]
    if missing:
        names = ", ".join(f"{SCHEMA}.{name}" for name in missing)
        raise MartsMissingError(f"{db} has no {names}: run `make transform` first")


def _order_keys(summaries: list[Row], baseline: str | None) -> list[Key]:
    keys = sorted({_key(row) for row in summaries})
    return [k for k in keys if k[0] != baseline] + [k for k in keys if k[0] == baseline]


def _baseline(comparison: list[Row], summaries: list[Row]) -> str | None:
    if comparison:
        return str(comparison[0]["baseline_model"])
    models = {row["model"] for row in summaries}
    return DEFAULT_BASELINE if DEFAULT_BASELINE in models and len(models) > 1 else None


def split_signals(text: str | None) -> list[tuple[str, str]]:
    """``"budget_confirmed (positive), no_budget (negative)"`` -> [(signal, polarity), ...]."""
    pairs = []
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        name, _, rest = item.partition(" (")
        pairs.append((name.strip(), rest.rstrip(")").strip() or "neutral"))
    return pairs


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def read_progress(db: Path) -> dict[str, Any] | None:
    """The last scoring run's published progress (``<warehouse dir>/progress/score.json``)."""
    return _read_json(db.parent / "progress" / "score.json")


def read_org(db: Path) -> str | None:
    """The extracted org's identity (``demo:5000``, ``export:<path>``, ``live:<url>``)."""
    marker = _read_json(db.parent / "progress" / "extract.json")
    org = marker.get("org") if marker else None
    return str(org) if org else None


def load(db: Path) -> ReportData:
    """Read every figure the report needs; the connection is closed before returning."""
    with connect(db) as con:
        require_marts(con, db)
        summaries = fetch(con, f"select * from {SCHEMA}.backtest_summary")
        if not summaries:
            raise MartsMissingError(
                f"{SCHEMA}.backtest_summary in {db} is empty: no model was scored; run "
                "`make score` then `make transform`"
            )
        comparison = fetch(
            con, f"select * from {SCHEMA}.model_comparison order by baseline_model, model"
        )
        baseline = _baseline(comparison, summaries)
        keys = _order_keys(summaries, baseline)
        data = ReportData(
            db=db,
            summaries=summaries,
            sweep=fetch(con, f"select * from {SCHEMA}.threshold_sweep order by threshold"),
            calibration=fetch(
                con, f"select * from {SCHEMA}.score_calibration order by score_decile"
            ),
            # ordered so that ties keep one order from run to run
            segments=fetch(
                con,
                f"select * from {SCHEMA}.metrics_by_segment "
                "order by segment_type, segment_value, model, model_version",
            ),
            signals=fetch(
                con,
                f"select * from {SCHEMA}.signal_progression "
                "order by signal, polarity, model, model_version",
            ),
            comparison=comparison,
            misses=fetch(
                con,
                f"select * from {SCHEMA}.review_misses where kind_rank <= ? order by review_rank",
                [REVIEW_PER_KIND],
            ),
            curves=fetch(con, f"select * from {SCHEMA}.score_curves order by point_rank"),
            ae_signals=fetch(
                con, f"select * from {SCHEMA}.ae_signal_progression order by signal_rank"
            ),
            data_quality=fetch(
                con, f"select * from {SCHEMA}.data_quality order by object_name, check_name"
            ),
            baseline=baseline,
            keys=keys,
            cohorts=fetch(con, f"select * from {SCHEMA}.cohort_metrics order by cohort_start"),
            trend=fetch(con, f"select * from {SCHEMA}.cohort_trend order by model"),
            drift=fetch(con, f"select * from {SCHEMA}.score_drift order by cohort_start"),
            progression=fetch(
                con, f"select * from {SCHEMA}.progression_curves order by model, decision, day"
            ),
            revenue=fetch(con, f"select * from {SCHEMA}.revenue_capture order by model"),
            revenue_curve=fetch(
                con, f"select * from {SCHEMA}.revenue_capture_curve order by threshold desc"
            ),
            cards=fetch(con, f"select * from {SCHEMA}.model_cards order by model"),
            card_terms=fetch(
                con, f"select * from {SCHEMA}.model_card_terms order by model, term_rank"
            ),
        )
    data.progress = read_progress(db)
    data.org = read_org(db)
    return data


def describe_org(org: str | None) -> tuple[str, bool | None]:
    """A readable name for the org identity, and whether it is the demo org (None: unknown)."""
    if not org:
        return "not recorded (extracted before the org was noted, or loaded another way)", None
    kind, _, detail = org.partition(":")
    if kind == "demo":
        size = f" ({int(detail):,} generated contacts)" if detail.isdigit() else ""
        return f"the built-in demo org{size}", True
    if kind == "export":
        return f"a Salesforce Data Export ({Path(detail).name or detail})", False
    if kind == "live":
        return f"a live Salesforce org ({detail})", False
    return org, None


def generated_at() -> dt.datetime:
    """Now, in UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
