"""Small hand-made orgs in the Data Export layout, and a running demo server for tests."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from extract.salesforce.objects import OBJECTS


def write_org(folder: Path, rows: Mapping[str, Sequence[Mapping[str, str]]]) -> Path:
    """Write one all-quoted CSV per object; missing fields are empty (null)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in rows.items():
        header = list(OBJECTS[name].fields)
        for record in records:
            header += [k for k in record if k not in header]
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
            writer.writerow(header)
            for record in records:
                writer.writerow([record.get(k, "") for k in header])
    return folder


def stamp(day: int, second: int = 0) -> str:
    """An export datetime on 2026-11-<day>."""
    return f"2026-11-{day:02d} 10:00:{second:02d}"


def tiny_org(folder: Path, *, contacts: int = 25, stamp_day: int = 1) -> Path:
    """Accounts, contacts (three deleted), an opportunity ladder; many shared timestamps."""
    accounts = [
        {
            "Id": f"001{i:015d}",
            "Name": f"Acme {i}",
            "Website": f"https://www.acme{i}.com",
            "Industry": "Technology",
            "NumberOfEmployees": str(10 * i),
            "IsDeleted": "0",
            "CreatedDate": stamp(stamp_day),
            "SystemModstamp": stamp(stamp_day),
        }
        for i in range(5)
    ]
    people = [
        {
            "Id": f"003{i:015d}",
            "AccountId": f"001{i % 5:015d}",
            "FirstName": "Zoë",
            "LastName": f"Ng {i}",
            "Name": f"Zoë Ng {i}",
            "Email": f"z{i}@acme{i % 5}.com",
            "Title": "CFO",
            "IsDeleted": "1" if i < 3 else "0",
            "CreatedDate": stamp(stamp_day),
            "SystemModstamp": stamp(stamp_day, i % 3),
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
            "CreatedDate": stamp(1),
            "SystemModstamp": stamp(1),
        }
        for i, (label, closed, won) in enumerate(
            [
                ("Prospecting", "0", "0"),
                ("Qualification", "0", "0"),
                ("Closed Won", "1", "1"),
                ("Closed Lost", "1", "0"),
            ]
        )
    ]
    opps = [
        {
            "Id": "006000000000000001",
            "AccountId": accounts[0]["Id"],
            "Name": "Deal",
            "StageName": "Qualification",
            "StageSortOrder": "2",
            "IsClosed": "0",
            "IsWon": "0",
            "Amount": "1000.5",
            "CloseDate": "2026-12-01",
            "Description": "<p>API use case</p>",
            "Loss_Reason__c": "",
            "IsDeleted": "0",
            "CreatedDate": stamp(2),
            "SystemModstamp": stamp(2),
        }
    ]
    return write_org(
        folder,
        {"Account": accounts, "Contact": people, "OpportunityStage": stages, "Opportunity": opps},
    )


@contextmanager
def serve_org(
    folder: Path,
    *,
    batch_size: int = 2000,
    secret: str = "demo-client-secret",
    options: Sequence[str] = (),
) -> Iterator[str]:
    """Run ``python -m extract.demo.server --test-hooks`` on a free loopback port; yield its
    URL. ``options``: more server flags (``--bulk-job-seconds 0.2``, ...)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "extract.demo.server",
            "--org",
            str(folder),
            "--batch-size",
            str(batch_size),
            "--client-secret",
            secret,
            "--test-hooks",
            *options,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("PORT="), f"server did not start: {line!r}"
        yield f"http://127.0.0.1:{int(line.split('=')[1])}"
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout:
            process.stdout.close()


def inject(
    url: str, kind: str, *, after: int = 0, count: int = 1, seconds: float = 0, path: str = ""
) -> None:
    """Ask the demo server to misbehave on a coming request (whose path matches the regular
    expression ``path``, if given)."""
    spec = {"kind": kind, "after": after, "count": count, "seconds": seconds, "path": path}
    httpx.post(f"{url}/_faults", json=spec).raise_for_status()
