"""The raw-table contract is written once (extract/salesforce/objects.py) and derived elsewhere."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from extract.salesforce import dbt_sources
from extract.salesforce.arrow import ARROW_TYPES, ARROWS_FOR_JSON, arrow_schema
from extract.salesforce.objects import FIELD_TYPES, OBJECTS, column_name

STAGING = Path(__file__).resolve().parents[1] / "dbt_project/models/staging/salesforce"


def test_the_committed_sources_yaml_is_the_one_the_contract_generates() -> None:
    assert dbt_sources.main(["--check"]) == 0, "run `make sources`"


def test_a_field_added_to_the_contract_makes_the_yaml_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    committed = dbt_sources.SOURCES_YAML.read_text(encoding="utf-8")
    contact = OBJECTS["Contact"]
    grown = dataclasses.replace(contact, fields={**contact.fields, "Shoe_Size__c": "int"})
    monkeypatch.setitem(OBJECTS, "Contact", grown)
    text, undocumented = dbt_sources.render(yaml.safe_load(committed))
    assert text != committed
    assert undocumented == ["contact.shoe_size_c"]
    table = next(t for t in yaml.safe_load(text)["sources"][0]["tables"] if t["name"] == "contact")
    assert {"name": "shoe_size_c", "data_type": "int", "description": ""} in table["columns"]


def test_the_sources_yaml_declares_every_contract_column_with_its_type() -> None:
    source = yaml.safe_load(dbt_sources.SOURCES_YAML.read_text(encoding="utf-8"))["sources"][0]
    declared = {
        table["name"]: {c["name"]: c["data_type"] for c in table["columns"]}
        for table in source["tables"]
    }
    for obj in OBJECTS.values():
        expected = {column_name(n): kind for n, kind in obj.fields.items()}
        assert declared[obj.table] == expected | {"_dlt_load_id": "string"}, obj.name


def test_every_field_type_has_one_arrow_type_and_a_json_reading() -> None:
    assert set(ARROW_TYPES) == set(FIELD_TYPES) == set(ARROWS_FOR_JSON)
    for obj in OBJECTS.values():
        assert set(obj.fields.values()) <= set(FIELD_TYPES), obj.name
        schema = arrow_schema(obj)
        assert schema.names == [column_name(n) for n in obj.fields]


@pytest.mark.parametrize(
    "model", sorted(STAGING.glob("stg_salesforce__*.sql")), ids=lambda p: p.stem
)
def test_staging_models_take_their_columns_from_the_sources_yaml(model: Path) -> None:
    sql = model.read_text(encoding="utf-8")
    assert "raw_columns(" in sql or "field_history_staging(" in sql
    # A column list written out by hand ({'id': 'id', ...}) restates the contract.
    assert not re.search(r"'\w+': '(id|string|bool|int|double|date|datetime)'", sql)


def test_the_readme_lists_every_object_with_its_fields() -> None:
    """README "What is loaded" restates the contract for readers: it must not drift."""
    readme = (STAGING.parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### What is loaded") :]
    listed: dict[str, set[str]] = {}
    for row in (line for line in section.splitlines() if "`raw_salesforce." in line):
        objects, _, fields = (cell.strip() for cell in row.strip("|").split("|"))
        names = set(re.sub(r"\([^)]*\)", "", fields).replace("/", ",").split(","))
        for obj in re.findall(r"\b[A-Z]\w+\b", re.sub(r"\([^)]*\)", "", objects)):
            listed[obj] = {n.strip() for n in names}
    assert set(listed) == set(OBJECTS)
    for name, obj in OBJECTS.items():
        parents = {f"{p}Id" for p in ("Account", "Contact", "Opportunity")}
        expected = set(obj.fields) | (parents if obj.entity_history_parent else set())
        assert listed[name] == expected, name
