"""The Data Export source: folders and zips of Salesforce CSVs into the same raw tables."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest

from extract.errors import BadRecordError, ConfigError
from extract.pipeline import choose_org, run_extract
from tests.org_fixtures import serve_org, tiny_org, write_org
from tests.test_extract_rest import FAST, snapshot

EXTRA = '{"Opportunity": ["Loss_Reason__c"]}'


def load(org: str | Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("BACKTEST_DB", str(db))
    run_extract(choose_org(str(org)), **FAST)
    return snapshot(db)


def without(tables: dict, table: str, position: int) -> dict:
    """Drop one column (by position) from one table's rows."""
    out = dict(tables)
    out[table] = [row[:position] + row[position + 1 :] for row in tables[table]]
    return out


def test_export_folder_gives_the_same_tables_as_the_org_over_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = tiny_org(tmp_path / "org")
    monkeypatch.setenv("SOURCES__SALESFORCE__EXTRA_FIELDS", EXTRA)
    exported = load(org, tmp_path / "export.duckdb", monkeypatch)
    with serve_org(org) as url:
        monkeypatch.setenv("SALESFORCE_CLIENT_ID", "demo-client-id")
        monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "demo-client-secret")
        monkeypatch.setenv("SALESFORCE_LOGIN_URL", url)
        served = load("live", tmp_path / "rest.duckdb", monkeypatch)
    # StageSortOrder is in exports only (not queryable over REST): column 4 of opportunity.
    assert [r[4] for r in exported["opportunity"]] == [2]
    assert [r[4] for r in served["opportunity"]] == [None]
    assert without(exported, "opportunity", 4) == without(served, "opportunity", 4)
    assert len(exported["contact"]) == 25


def test_zip_latin1_bom_crlf_lowercase_names_and_multiline_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = tiny_org(tmp_path / "org")
    reference = load(org, tmp_path / "ref.duckdb", monkeypatch)

    messy = tmp_path / "messy"
    messy.mkdir()
    for file in org.iterdir():
        text = file.read_text(encoding="utf-8").replace("\n", "\r\n")
        if file.name == "Contact.csv":
            # Latin-1 with a junk multi-line column the loader must skip.
            header, *rows = text.split("\r\n")
            text = (
                "\r\n".join(
                    [header + ',"MailingStreet"']
                    + [r + ',"1 Rue de l\'Église\r\nBâtiment B"' for r in rows if r]
                )
                + "\r\n"
            )
            (messy / "contact.csv").write_bytes(text.encode("latin-1"))
        else:
            (messy / file.name.lower()).write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in messy.iterdir():
            zf.write(file, f"WE_00D_1/{file.name}")

    assert load(messy, tmp_path / "messy.duckdb", monkeypatch) == reference
    assert load(archive, tmp_path / "zip.duckdb", monkeypatch) == reference


def test_missing_objects_give_empty_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    org = tiny_org(tmp_path / "org")
    (org / "OpportunityStage.csv").unlink()  # Data Exports lack it
    db = tmp_path / "wh.duckdb"
    tables = load(org, db, monkeypatch)
    assert tables["opportunity_stage"] == [] and tables["lead"] == []
    with duckdb.connect(str(db), read_only=True) as con:
        count = con.execute("select count(*) from raw_salesforce.opportunity_stage").fetchone()
    assert count == (0,)


def test_a_bad_value_names_file_field_and_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = write_org(
        tmp_path / "org",
        {"Contact": [{"Id": "003BAD", "CreatedDate": "yesterday", "SystemModstamp": ""}]},
    )
    monkeypatch.setenv("BACKTEST_DB", str(tmp_path / "wh.duckdb"))
    with pytest.raises(BadRecordError, match="Contact.CreatedDate of record 003BAD"):
        run_extract(choose_org(str(org)), **FAST)


def test_a_folder_without_contacts_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no Contact.csv"):
        choose_org(str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="no such folder"):
        choose_org(str(tmp_path / "nowhere"))


def test_a_bad_record_late_in_a_file_loads_nothing_of_it_and_the_fixed_rerun_loads_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Export rows are in no particular order: keeping the chunks read before the bad one
    would advance the cursor past rows not yet read, and lose them on the next run."""
    import csv

    import extract.salesforce.export as export

    monkeypatch.setattr(export, "BLOCK_BYTES", 4096)  # many chunks from a small file
    org = tiny_org(tmp_path / "org", contacts=300)
    with open(org / "Contact.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    good = rows[250]["CreatedDate"]
    rows[250]["CreatedDate"] = "31/12/2026"
    write_org(org, {"Contact": rows})
    db = tmp_path / "wh.duckdb"
    monkeypatch.setenv("BACKTEST_DB", str(db))
    with pytest.raises(BadRecordError, match=f"record {rows[250]['Id']}"):
        run_extract(choose_org(str(org)), **FAST)
    if db.exists():
        with duckdb.connect(str(db), read_only=True) as con:
            tables = {
                t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()
            }
            if "contact" in tables:
                assert con.execute("select count(*) from raw_salesforce.contact").fetchone() == (0,)

    rows[250]["CreatedDate"] = good
    write_org(org, {"Contact": rows})
    assert len(load(org, db, monkeypatch)["contact"]) == 300
