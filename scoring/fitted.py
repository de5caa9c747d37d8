"""``python -m scoring.fitted``: fitted_history, a yardstick fitted on the org's own history.

It answers the question a skeptical VP asks first: is the model under test better than what
our own CRM already knows? A logistic regression (scikit-learn, seeded, deterministic) on the
inputs the demographic baseline sees (employees, annual revenue, title seniority) plus
industry and lead source, trained only on ``marts.contacts_to_fit`` — contacts that matured
before the backtest window starts, inputs as of each one's arrival, labelled from stage
changes dated before the window (dbt builds it; this module restates none of its rules) —
then scoring ``marts.contacts_to_score`` into ``scoring.qualifications`` as model
``fitted_history``, so every mart judges it like the others. Its card goes to
``scoring.model_cards`` and ``scoring.model_card_terms`` (dbt marts ``model_cards``,
``model_card_terms``).

When history is too short (fewer than ``MIN_CONTACTS`` training contacts, or fewer than
``MIN_CLASS`` of either class) it is not trained: one log line and the card say why, and any
fitted_history rows for this as_of are removed, so the rest of the backtest runs unchanged.

Errors are the scoring package's (``scoring.errors``); ``main`` is the CLI edge.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from plumbing.failures import fail
from plumbing.logs import log_path
from plumbing.runlock import hold
from plumbing.settings import check_settings
from scoring.errors import ConfigError, ScoringError, WarehouseError
from scoring.models import seniority
from scoring.warehouse import (
    INPUTS,
    QUALIFICATIONS,
    SCHEMA,
    connect,
    ensure_table,
    export_parquet,
    rows_table,
)

MODEL = "fitted_history"
TRAINING = "marts.contacts_to_fit"
CARDS = f"{SCHEMA}.model_cards"
TERMS = f"{SCHEMA}.model_card_terms"

#: Below these, history is too short to train on (documented in the README and dbt docs).
MIN_CONTACTS = 200
MIN_CLASS = 20
#: A level of industry or lead source seen on fewer training contacts is grouped as "other".
MIN_LEVEL = 20
SEED = 0
CV_FOLDS = 5
#: Above this many training contacts, fitted_history is fitted on a sample of this many, the
#: same every run (the contacts with the lowest hash of their id): a logistic regression on
#: five inputs gains nothing from millions of rows but minutes and gigabytes
#: (``FITTED_MAX_ROWS``, env ``BACKTEST_FITTED_MAX_ROWS``).
MAX_TRAINING_ROWS = 200_000
#: The window is scored this many contacts at a time.
WINDOW_SLICE = 100_000

NUMBERS = ("employees", "annual_revenue")
CATEGORIES = ("seniority", "industry", "lead_source")
FEATURES = (*NUMBERS, *CATEGORIES)

#: The card's columns (dbt source scoring.model_cards) -> DuckDB type.
CARD_COLUMNS: dict[str, str] = {
    "model": "varchar",
    "model_version": "varchar",
    "as_of": "date",
    "trained_at": "timestamp",
    "status": "varchar",
    "note": "varchar",
    "training_known_by": "date",
    "training_created_by": "date",
    "training_first_created_on": "date",
    "training_contacts": "bigint",
    "training_positives": "bigint",
    "training_auc": "double",
    "cv_auc": "double",
    "cv_folds": "bigint",
    "features": "varchar",
    "intercept": "double",
    "threshold": "double",
    "fit_seconds": "double",
}
#: The coefficients' columns (dbt source scoring.model_card_terms) -> DuckDB type.
TERM_COLUMNS: dict[str, str] = {
    "model": "varchar",
    "model_version": "varchar",
    "as_of": "date",
    "term": "varchar",
    "feature": "varchar",
    "level": "varchar",
    "coefficient": "double",
}
_TRAINING_COLUMNS = (
    "contact_id",
    "created_at",
    *NUMBERS,
    "title",
    "industry",
    "lead_source",
    "is_progressed",
    "training_created_by",
    "training_known_by",
    "as_of",
    "window_days",
)
_WINDOW_COLUMNS = (
    "contact_id",
    *NUMBERS,
    "title",
    "industry",
    "lead_source",
    "input_point_in_time",
    "inputs_edited_after",
    "point_in_time_mode",
    "as_of",
    "window_days",
)


def _level(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    return text or "missing"


def raw_features(rows: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The model's inputs from rows of contacts_to_fit or contacts_to_score: the two numbers
    as read, and the three categories as levels (seniority read from the title the way the
    demographic baseline reads it; a missing value is the level ``missing``)."""
    return {
        "employees": rows["employees"],
        "annual_revenue": rows["annual_revenue"],
        "seniority": [_level(seniority(title)) for title in rows["title"]],
        "industry": [_level(v) for v in rows["industry"]],
        "lead_source": [_level(v) for v in rows["lead_source"]],
    }


@dataclass(frozen=True)
class Design:
    """How raw inputs become the model's columns, learnt from the training rows only:
    log1p of each number standardised (a missing number sits at the training mean and sets
    its ``_missing`` column), and one column per kept level of each category beside its
    reference level (the most frequent); levels on fewer than ``MIN_LEVEL`` training
    contacts, and levels never seen in training, fall into ``other`` (the reference when
    no training level was rare)."""

    means: dict[str, float]
    scales: dict[str, float]
    missing: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]
    references: dict[str, str]
    terms: tuple[tuple[str, str, str | None], ...] = field(default=())

    @classmethod
    def learn(cls, raw: dict[str, list[Any]]) -> Design:
        """The design fitted to the training rows' raw features."""
        means, scales, missing = {}, {}, []
        for name in NUMBERS:
            logs = [math.log1p(max(float(v), 0.0)) for v in raw[name] if v is not None]
            means[name] = float(np.mean(logs)) if logs else 0.0
            scale = float(np.std(logs)) if logs else 0.0
            scales[name] = scale if scale > 0 else 1.0
            if len(logs) < len(raw[name]):
                missing.append(name)
        levels, references = {}, {}
        for name in CATEGORIES:
            counts = Counter(raw[name])
            kept = sorted(level for level, n in counts.items() if n >= MIN_LEVEL)
            grouped = Counter(level if level in kept else "other" for level in raw[name])
            reference = min(grouped, key=lambda level: (-grouped[level], level))
            references[name] = reference
            levels[name] = tuple(level for level in sorted(grouped) if level != reference)
        terms: list[tuple[str, str, str | None]] = []
        for name in NUMBERS:
            terms.append((f"{name}_log", name, None))
            if name in missing:
                terms.append((f"{name}_missing", name, None))
        for name in CATEGORIES:
            terms.extend((f"{name}={level}", name, level) for level in levels[name])
        return cls(means, scales, tuple(missing), levels, references, tuple(terms))

    def matrix(self, raw: dict[str, list[Any]]) -> np.ndarray:
        """The design matrix (rows x terms) of raw features."""
        n = len(raw[NUMBERS[0]])
        columns: list[np.ndarray] = []
        for name in NUMBERS:
            values = raw[name]
            logs = np.array(
                [self.means[name] if v is None else math.log1p(max(float(v), 0.0)) for v in values]
            )
            columns.append((logs - self.means[name]) / self.scales[name])
            if name in self.missing:
                columns.append(np.array([1.0 if v is None else 0.0 for v in values]))
        for name in CATEGORIES:
            kept = set(self.levels[name]) | {self.references[name]}
            grouped = [v if v in kept else "other" for v in raw[name]]
            for level in self.levels[name]:
                columns.append(np.array([1.0 if v == level else 0.0 for v in grouped]))
        return np.column_stack(columns) if columns else np.zeros((n, 0))


@dataclass(frozen=True)
class Fitted:
    """A trained fitted_history: its design, regression, threshold and training figures."""

    design: Design
    coefficients: tuple[float, ...]
    intercept: float
    threshold: float
    training_auc: float
    cv_auc: float | None

    def scores(self, raw: dict[str, list[Any]]) -> np.ndarray:
        """Probabilities of progressing for raw features."""
        logits = self.design.matrix(raw) @ np.array(self.coefficients) + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))


def too_short(labels: Sequence[bool]) -> str | None:
    """Why history is too short to train on, or None when it suffices."""
    positives = sum(1 for label in labels if label)
    negatives = len(labels) - positives
    if len(labels) < MIN_CONTACTS:
        return f"{len(labels):,} training contacts matured before the window (needs {MIN_CONTACTS})"
    if positives < MIN_CLASS or negatives < MIN_CLASS:
        return (
            f"{positives:,} progressed and {negatives:,} not progressed among "
            f"{len(labels):,} training contacts (needs {MIN_CLASS} of each)"
        )
    return None


def _regression() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, solver="lbfgs", tol=1e-8, max_iter=5000, random_state=SEED)


def _best_f1_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The score cut-off with the best F1 on out-of-fold training predictions (ties: the
    higher cut-off)."""
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_labels = scores[order], labels[order]
    true_positives = np.cumsum(sorted_labels)
    qualified = np.arange(1, len(scores) + 1)
    f1 = 2 * true_positives / (qualified + sorted_labels.sum())
    # Only cut between distinct scores: the last index of each run of equal scores.
    last_of_run = np.append(sorted_scores[1:] != sorted_scores[:-1], True)
    best = int(np.flatnonzero(last_of_run)[np.argmax(f1[last_of_run])])
    return float(sorted_scores[best])


def fit(raw: dict[str, list[Any]], labels: Sequence[bool]) -> Fitted:
    """Fit fitted_history on the training rows (seeded: the same rows give the same model)."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    design = Design.learn(raw)
    x = design.matrix(raw)
    y = np.array([1 if label else 0 for label in labels])
    regression = _regression().fit(x, y)
    training_auc = float(roc_auc_score(y, regression.predict_proba(x)[:, 1]))
    folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=SEED)
    out_of_fold = cross_val_predict(_regression(), x, y, cv=folds, method="predict_proba")[:, 1]
    cv_auc = float(roc_auc_score(y, out_of_fold))
    return Fitted(
        design=design,
        coefficients=tuple(float(c) for c in regression.coef_[0]),
        intercept=float(regression.intercept_[0]),
        threshold=_best_f1_threshold(out_of_fold, y),
        training_auc=training_auc,
        cv_auc=cv_auc,
    )


def _read(
    con: Any, relation: str, columns: Sequence[str], *, limit: int | None = None
) -> dict[str, list[Any]]:
    """``columns`` of ``relation`` by contact id; with ``limit``, only the ``limit`` contacts
    with the lowest hash of their id (a sample that is the same every run)."""
    source = relation
    if limit is not None:
        source = f"(select * from {relation} order by hash(contact_id), contact_id limit {limit})"
    table = con.sql(
        f"select {', '.join(columns)} from {source} order by contact_id"
    ).to_arrow_table()
    return {name: table.column(name).to_pylist() for name in columns}


def max_training_rows() -> int:
    """FITTED_MAX_ROWS, checked as ``make settings`` checks it (for a run without make)."""
    value = (os.environ.get("BACKTEST_FITTED_MAX_ROWS") or "").strip()
    if not value:
        return MAX_TRAINING_ROWS
    problems = check_settings({"BACKTEST_FITTED_MAX_ROWS": value})
    if problems:
        raise ConfigError(problems[0])
    return int(value)


def _require(con: Any, relation: str) -> None:
    schema, name = relation.split(".")
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()[0][0]
    if not found:
        raise WarehouseError(f"the warehouse has no {relation}: run `make score`, which builds it")


def _reasons(fitted: Fitted, raw: dict[str, list[Any]], *, top: int = 2) -> list[str]:
    """Per contact, the terms that moved its score most (term and log-odds contribution)."""
    contributions = fitted.design.matrix(raw) * np.array(fitted.coefficients)
    names = [term for term, _, _ in fitted.design.terms]
    lines = []
    for row in contributions:
        order = np.argsort(-np.abs(row), kind="stable")[:top]
        parts = [f"{names[i]} ({row[i]:+.2f})" for i in order if row[i] != 0]
        lines.append(
            "Fitted on the org's history; strongest inputs: " + (", ".join(parts) or "none")
        )
    return lines


def _confidence(score: float, threshold: float) -> str:
    distance = abs(score - threshold)
    if distance >= 0.3:
        return "HIGH"
    if distance >= 0.15:
        return "CONFIDENT"
    if distance >= 0.05:
        return "UNCERTAIN"
    return "LOW"


@dataclass(frozen=True)
class Card:
    """What one run did: trained (with its figures) or not, and why."""

    as_of: dt.date | None
    note: str
    model_version: str = ""
    fitted: Fitted | None = None
    training_contacts: int = 0
    training_positives: int = 0
    training_known_by: dt.date | None = None
    training_created_by: dt.date | None = None
    training_first_created_on: dt.date | None = None
    fit_seconds: float = 0.0
    scored: int = 0

    def row(self, trained_at: dt.datetime) -> dict[str, Any]:
        fitted = self.fitted
        return {
            "model": MODEL,
            "model_version": self.model_version,
            "as_of": self.as_of,
            "trained_at": trained_at,
            "status": "trained" if fitted else "not trained",
            "note": self.note,
            "training_known_by": self.training_known_by,
            "training_created_by": self.training_created_by,
            "training_first_created_on": self.training_first_created_on,
            "training_contacts": self.training_contacts,
            "training_positives": self.training_positives,
            "training_auc": fitted.training_auc if fitted else None,
            "cv_auc": fitted.cv_auc if fitted else None,
            "cv_folds": CV_FOLDS if fitted else None,
            "features": ", ".join(FEATURES),
            "intercept": fitted.intercept if fitted else None,
            "threshold": fitted.threshold if fitted else None,
            "fit_seconds": round(self.fit_seconds, 3),
        }


def _table(rows: list[dict[str, Any]], columns: dict[str, str]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=_arrow_schema(columns)) if rows else None


def _arrow_schema(columns: dict[str, str]) -> pa.Schema:
    kinds = {
        "varchar": pa.string(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
        "bigint": pa.int64(),
        "double": pa.float64(),
    }
    return pa.schema([(name, kinds[kind]) for name, kind in columns.items()])


def _ensure(con: Any, relation: str, columns: dict[str, str]) -> None:
    body = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(f"create table if not exists {relation} ({body})")


def _write(con: Any, card: Card, scored: pa.Table | None) -> None:
    """Replace this as_of's fitted_history rows, card and terms in one transaction."""
    ensure_table(con)
    _ensure(con, CARDS, CARD_COLUMNS)
    _ensure(con, TERMS, TERM_COLUMNS)
    trained_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    terms = []
    if card.fitted:
        for (term, feature, level), coefficient in zip(
            card.fitted.design.terms, card.fitted.coefficients, strict=True
        ):
            terms.append(
                {
                    "model": MODEL,
                    "model_version": card.model_version,
                    "as_of": card.as_of,
                    "term": term,
                    "feature": feature,
                    "level": level,
                    "coefficient": coefficient,
                }
            )
    con.execute("begin transaction")
    try:
        for relation in (QUALIFICATIONS, CARDS, TERMS):
            con.execute(
                f"delete from {relation} where model = ? and as_of = ?", [MODEL, card.as_of]
            )
        con.register("fitted_card", _table([card.row(trained_at)], CARD_COLUMNS))
        con.execute(f"insert into {CARDS} by name select * from fitted_card")
        if terms:
            con.register("fitted_terms", _table(terms, TERM_COLUMNS))
            con.execute(f"insert into {TERMS} by name select * from fitted_terms")
        if scored is not None and scored.num_rows:
            con.register("fitted_rows", scored)
            con.execute(f"insert into {QUALIFICATIONS} by name select * from fitted_rows")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _export_for_spark(db: Path) -> None:
    """TARGET=spark reads the scoring tables as parquet folders (see scoring.warehouse)."""
    root = Path(os.environ.get("BACKTEST_PARQUET_DIR") or "data/parquet").resolve()
    export_parquet(db, root)
    with connect(db, read_only=True) as con:
        for relation in (CARDS, TERMS):
            folder = root / SCHEMA / relation.split(".")[1]
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / "part.parquet.partial"
            con.execute(
                f"copy (select * from {relation}) to '{partial.as_posix()}' (format parquet)"
            )
            partial.replace(folder / f"{relation.split('.')[1]}.parquet")


def switch_off(db: Path) -> Card:
    """FITTED=off: a card saying so, and no fitted_history rows for this as_of."""
    with connect(db, read_only=True) as con:
        _require(con, INPUTS)
        as_of = con.execute(f"select max(as_of) from {INPUTS}").fetchall()[0][0]
    card = Card(as_of=as_of, note="not trained: switched off (FITTED=off)")
    if as_of is not None:
        with connect(db) as con:
            _write(con, card, None)
    return card


def run(db: Path, *, as_of: dt.date | None = None) -> Card:
    """Train fitted_history on contacts_to_fit, score contacts_to_score, write rows and card."""
    started = time.monotonic()
    with connect(db, read_only=True) as con:
        _require(con, TRAINING)
        _require(con, INPUTS)
        available = con.execute(f"select count(*) from {TRAINING}").fetchall()[0][0]
        cap = max_training_rows()
        sample = cap if available > cap else None
        training = _read(con, TRAINING, _TRAINING_COLUMNS, limit=sample)
        window_size = con.execute(f"select count(*) from {INPUTS}").fetchall()[0][0]
        settings = con.execute(f"select max(as_of), max(window_days) from {INPUTS}").fetchall()[0]
        fit_settings = con.execute(
            f"select max(as_of), max(window_days), max(training_known_by), "
            f"max(training_created_by) from {TRAINING}"
        ).fetchall()[0]
    window_as_of = settings[0] or as_of
    if window_as_of is None:
        return Card(as_of=None, note=f"not trained: {INPUTS} is empty, nothing to score")
    if training["contact_id"] and window_size and fit_settings[:2] != settings:
        raise WarehouseError(
            f"{TRAINING} was built for as_of {fit_settings[0]}, {fit_settings[1]} days but "
            f"{INPUTS} for {settings[0]}, {settings[1]} days: run `make score` again"
        )
    labels = [bool(v) for v in training["is_progressed"]]
    common = {
        "as_of": window_as_of,
        "training_contacts": len(labels),
        "training_positives": sum(labels),
        "training_known_by": fit_settings[2],
        "training_created_by": fit_settings[3],
        "training_first_created_on": (
            min(training["created_at"]).date() if training["created_at"] else None
        ),
    }
    reason = too_short(labels)
    if reason:
        card = Card(note=f"not trained: {reason}", **common)
        with connect(db) as con:
            _write(con, card, None)
        return card
    fitted = fit(raw_features(training), labels)
    version = f"trained-{common['training_first_created_on']}..{common['training_created_by']}"
    constants = {
        "model": MODEL,
        "model_version": version,
        "as_of": window_as_of,
        "scored_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "domain_source": "none",
        "status": "ok",
    }
    parts = [rows_table({"contact_id": []}, constants=constants)]
    with connect(db, read_only=True) as con:
        # The window a slice at a time: a 2,400,000-contact window never sits in Python lists.
        reader = con.sql(
            f"select {', '.join(_WINDOW_COLUMNS)} from {INPUTS} order by contact_id"
        ).to_arrow_reader(WINDOW_SLICE)
        for batch in reader:
            window = {name: batch.column(name).to_pylist() for name in _WINDOW_COLUMNS}
            parts.append(_scored(fitted, window, constants))
    table = pa.concat_tables(parts)
    fit_seconds = time.monotonic() - started
    sampled = f" (a sample of {available:,}, the same every run)" if sample else ""
    note = (
        f"trained on {len(labels):,} contacts{sampled} created "
        f"{common['training_first_created_on']} to "
        f"{common['training_created_by']} ({sum(labels):,} progressed within the horizon); "
        f"training AUC {fitted.training_auc:.3f}, {CV_FOLDS}-fold cross-validated AUC "
        f"{fitted.cv_auc:.3f}; qualified at a score of {fitted.threshold:.3f} or more"
    )
    card = Card(
        note=note,
        model_version=version,
        fitted=fitted,
        fit_seconds=fit_seconds,
        scored=table.num_rows,
        **common,
    )
    with connect(db) as con:
        _write(con, card, table)
    return card


def _scored(fitted: Fitted, window: dict[str, list[Any]], constants: dict[str, Any]) -> pa.Table:
    """fitted_history's rows for one slice of the window."""
    raw = raw_features(window)
    scores = fitted.scores(raw) if window["contact_id"] else np.zeros(0)
    return rows_table(
        {
            "contact_id": window["contact_id"],
            "score": [float(s) for s in scores],
            "is_qualified": [bool(s >= fitted.threshold) for s in scores],
            "confidence": [_confidence(float(s), fitted.threshold) for s in scores],
            "reasoning": _reasons(fitted, raw),
            "input_point_in_time": window["input_point_in_time"],
            "inputs_edited_after": window["inputs_edited_after"],
            "point_in_time_mode": window["point_in_time_mode"],
        },
        constants=constants,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scoring.fitted", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--db", type=Path, default=os.environ.get("BACKTEST_DB") or "data/backtest.duckdb"
    )
    parser.add_argument(
        "--fitted",
        default=os.environ.get("BACKTEST_FITTED") or "auto",
        help="auto (train when history suffices) or off (FITTED)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run fitted_history and print one line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        mode = str(args.fitted).strip().lower()
        if mode not in ("auto", "off"):
            raise ConfigError(f"FITTED must be auto or off, got {args.fitted!r}")
        db = args.db.resolve()
        with hold(db, "score"):
            card = switch_off(db) if mode == "off" else run(db)
            if os.environ.get("BACKTEST_TARGET", "").strip().lower() == "spark":
                _export_for_spark(db)
    except ScoringError as exc:
        print(f"❌ fitted_history: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # the CLI edge: one line here, the traceback in score.log
        db = args.db.resolve()
        line, code = fail(exc, stage="fitted_history", log_file=log_path(db, "score"), db=db)
        print(line, file=sys.stderr)
        return code
    if card.fitted is None:
        print(f"📐 fitted_history {card.note}; left out of the backtest")
    else:
        print(
            f"📐 fitted_history {card.note}; scored {card.scored:,} window contacts "
            f"in {card.fit_seconds:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
