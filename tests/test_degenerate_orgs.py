"""Degenerate orgs, each run through the whole backtest to a report with ``make backtest``.

Every metric must be in range by construction (dbt's range tests run in the build), a
figure that does not exist is null in the marts, and the page says "not measurable" for it
instead of crashing or printing a placeholder. The cases (issue #10):

- ``all_progressed``: five mature contacts, every one with a deal that reached Stage 2;
- ``none_progressed``: five mature contacts, none with an opportunity;
- ``one_contact``: a single contact and a single model;

scored by a fixed-answer qualification API (real HTTP on 127.0.0.1) with the models
``nobody`` (0.2, never qualifies), ``everybody`` (0.8, always qualifies) and ``tied``
(0.5 for everyone, qualifies). With all five positives and nobody qualified, the Wilson
lower bound of recall came out as -3e-17 before it was clamped (the issue saw -1.08e-19 at
3,459), and dbt's range test stopped the run.

The expected figures are worked out by hand from the definitions in DESIGN.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from scoring.jsonfast import dumps, loads
from tests.org_fixtures import write_org
from tests.scoring_fixtures import serve

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-20"
#: Wilson 95% upper bound of 0 successes in 5 trials (and 1 minus the lower bound of 5 in 5).
WILSON_0_OF_5_HIGH = 0.43449
#: Wilson 95% lower bound of 1 success in 1 trial: 1 / (1 + 1.96^2).
WILSON_1_OF_1_LOW = 0.20655

FIXED = {"nobody": (0.2, False), "everybody": (0.8, True), "tied": (0.5, True)}


class FixedApi:
    """The qualification contract, answering a fixed score per model."""

    def __init__(self, models: tuple[str, ...]) -> None:
        self.models = models

    def answer(self, model: str) -> dict[str, Any]:
        score, qualified = FIXED[model]
        return {
            "score": score,
            "is_qualified": qualified,
            "confidence": "UNCERTAIN",
            "industries": [],
            "use_cases": [],
            "enterprise_indicators": [],
            "reasoning": f"fixed answer of the {model} model",
            "business_signals": {},
            "model": model,
            "model_version": "1.0",
        }

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = dict(p.split("=", 1) for p in scope["query_string"].decode().split("&") if p)
        model = query.get("model", self.models[0])
        path = scope["path"]
        if path == "/health":
            answer: Any = {
                "status": "ok",
                "models": [{"name": m, "version": "1.0"} for m in self.models],
            }
        elif path == "/qualify/batch":
            answer = {"results": [self.answer(model) for _ in loads(body)["items"]]}
        else:
            answer = self.answer(model)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": dumps(answer)})


def audit(day: int) -> dict[str, str]:
    at = f"2026-11-{day:02d} 10:00:00"
    return {"CreatedDate": at, "LastModifiedDate": at, "SystemModstamp": at}


LADDER = [("Prospecting", "0", "0"), ("Qualification", "0", "0"), ("Closed Won", "1", "1")]


def degenerate_org(folder: Path, *, contacts: int, progressed: bool) -> Path:
    """``contacts`` contacts created 2026-11-01 (mature on 2026-11-20), one account each;
    with ``progressed`` each has a contact role on its own deal that went Prospecting ->
    Qualification before AS_OF, else no opportunity at all."""
    accounts = [
        {
            "Id": f"001{i:015d}",
            "Name": f"Acme {i}",
            "Website": f"https://acme{i}.com",
            "Industry": "Technology",
            "IsDeleted": "0",
            **audit(1),
        }
        for i in range(contacts)
    ]
    people = [
        {
            "Id": f"003{i:015d}",
            "AccountId": f"001{i:015d}",
            "LastName": f"Ng {i}",
            "Name": f"Zoë Ng {i}",
            "Email": f"z{i}@acme{i}.com",
            "Title": "CFO",
            "IsDeleted": "0",
            **audit(1),
        }
        for i in range(contacts)
    ]
    stages = [
        {
            "Id": f"01J{i:015d}",
            "MasterLabel": label,
            "SortOrder": str(i + 1),
            "IsActive": "1",
            "IsClosed": closed,
            "IsWon": won,
            **audit(1),
        }
        for i, (label, closed, won) in enumerate(LADDER)
    ]
    rows: dict[str, list[dict[str, str]]] = {
        "Account": accounts,
        "Contact": people,
        "OpportunityStage": stages,
    }
    if progressed:
        rows["Opportunity"] = [
            {
                "Id": f"006{i:015d}",
                "AccountId": f"001{i:015d}",
                "Name": f"Deal {i}",
                "StageName": "Qualification",
                "StageSortOrder": "2",
                "IsClosed": "0",
                "IsWon": "0",
                "Amount": "1000",
                "CloseDate": "2026-12-15",
                "IsDeleted": "0",
                **audit(2),
                "LastModifiedDate": "2026-11-05 10:00:00",
                "SystemModstamp": "2026-11-05 10:00:00",
            }
            for i in range(contacts)
        ]
        rows["OpportunityHistory"] = [
            {
                "Id": f"008{2 * i + step:015d}",
                "OpportunityId": f"006{i:015d}",
                "StageName": stage,
                "IsDeleted": "0",
                "CreatedDate": f"2026-11-{2 + 3 * step:02d} 10:00:00",
                "SystemModstamp": f"2026-11-{2 + 3 * step:02d} 10:00:00",
            }
            for i in range(contacts)
            for step, stage in enumerate(["Prospecting", "Qualification"])
        ]
        rows["OpportunityContactRole"] = [
            {
                "Id": f"00K{i:015d}",
                "OpportunityId": f"006{i:015d}",
                "ContactId": f"003{i:015d}",
                "Role": "Decision Maker",
                "IsPrimary": "1",
                "IsDeleted": "0",
                **audit(2),
            }
            for i in range(contacts)
        ]
    return write_org(folder, rows)


def backtest(work: Path, org: Path, models: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    """``make backtest`` against the org and the fixed API; the warehouse is work/wh.duckdb."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "BACKTEST_"))}
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", MAKEFLAGS="")
    with serve(FixedApi(models)) as url:
        return subprocess.run(
            [
                "make",
                "--no-print-directory",
                "backtest",
                f"DB={work / 'wh.duckdb'}",
                f"ORG={org}",
                f"API_URL={url}",
                f"MODELS={','.join(models)}",
                f"AS_OF={AS_OF}",
                f"PYTHON={sys.executable}",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )


CASES = {
    "all_progressed": (5, True, ("nobody", "everybody", "tied")),
    "none_progressed": (5, False, ("nobody", "everybody", "tied")),
    "one_contact": (1, True, ("tied",)),
}


@pytest.fixture(scope="module", params=list(CASES))
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    contacts, progressed, models = CASES[request.param]
    work = tmp_path_factory.mktemp(request.param)
    org = degenerate_org(work / "org", contacts=contacts, progressed=progressed)
    done = backtest(work, org, models)
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    db = work / "wh.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute("select * from marts.backtest_summary")
        names = [c[0] for c in cursor.description]
        summary = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    page = (work / "report" / "index.html").read_text(encoding="utf-8")
    return request.param, summary, page, done.stdout


#: Expected figures per case and model, by hand; None means the figure does not exist.
EXPECTED: dict[str, dict[str, dict[str, Any]]] = {
    "all_progressed": {
        "nobody": {
            "true_positives": 0,
            "false_negatives": 5,
            "model_accuracy": 0.0,
            "model_precision": None,
            "model_recall": 0.0,
            "f1": 0.0,
            "specificity": None,
            "base_rate": 1.0,
            "precision_ci_low": None,
            "precision_ci_high": None,
            "recall_ci_low": 0.0,
            "recall_ci_high": WILSON_0_OF_5_HIGH,
            "roc_auc": None,
            "brier_score": 0.64,
        },
        "everybody": {
            "true_positives": 5,
            "model_accuracy": 1.0,
            "model_precision": 1.0,
            "model_recall": 1.0,
            "specificity": None,
            "precision_ci_low": 1 - WILSON_0_OF_5_HIGH,
            "precision_ci_high": 1.0,
            "recall_ci_low": 1 - WILSON_0_OF_5_HIGH,
            "recall_ci_high": 1.0,
            "roc_auc": None,
            "brier_score": 0.04,
        },
        "tied": {"true_positives": 5, "roc_auc": None, "average_precision": 1.0},
    },
    "none_progressed": {
        "nobody": {
            "true_negatives": 5,
            "model_accuracy": 1.0,
            "model_precision": None,
            "model_recall": None,
            "f1": None,
            "specificity": 1.0,
            "base_rate": 0.0,
            "recall_ci_low": None,
            "roc_auc": None,
            "average_precision": None,
            "brier_score": 0.04,
        },
        "everybody": {
            "false_positives": 5,
            "model_accuracy": 0.0,
            "model_precision": 0.0,
            "model_recall": None,
            "f1": 0.0,
            "specificity": 0.0,
            "precision_ci_low": 0.0,
            "precision_ci_high": WILSON_0_OF_5_HIGH,
            "brier_score": 0.64,
        },
        "tied": {"false_positives": 5, "roc_auc": None, "average_precision": None},
    },
    "one_contact": {
        "tied": {
            "total_contacts": 1,
            "true_positives": 1,
            "model_precision": 1.0,
            "model_recall": 1.0,
            "precision_ci_low": WILSON_1_OF_1_LOW,
            "precision_ci_high": 1.0,
            "roc_auc": None,
            "brier_score": 0.25,
        },
    },
}


def test_every_figure_matches_the_hand_worked_answer(run) -> None:
    case, summary, _page, _out = run
    assert set(summary) == set(EXPECTED[case])
    for model, expected in EXPECTED[case].items():
        for column, value in expected.items():
            got = summary[model][column]
            if value is None:
                assert got is None, (model, column, got)
            else:
                assert got == pytest.approx(value, abs=1e-5), (model, column, got)


def test_every_rate_is_in_range_exactly(run) -> None:
    _case, summary, _page, _out = run
    for model, row in summary.items():
        for column, value in row.items():
            if isinstance(value, float):
                assert 0.0 <= value <= 1.0, (model, column, value)


def test_the_report_says_not_measurable_and_prints_no_placeholder(run) -> None:
    _case, _summary, page, out = run
    assert "not measurable" in page
    for placeholder in ("None", "nan", "NaN", " is — ", "is — as", "{", "}%"):
        text = page.split("<body", 1)[1].split("<script", 1)[0]
        assert placeholder not in strip_tags(text), placeholder
    assert "Report written to" in out


def strip_tags(html_text: str) -> str:
    """The visible text of a page fragment (tags removed; no styles or scripts inside)."""
    import re

    return re.sub(r"<[^>]+>", " ", html_text)
