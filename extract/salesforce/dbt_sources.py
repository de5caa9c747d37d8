"""Write dbt's sources YAML for ``raw_salesforce`` from the contract in ``objects.py``.

``objects.py`` says which tables and columns exist and their types; the YAML adds the prose
(descriptions, freshness, quoting). This rewrites every table's column list from the contract
(name, ``data_type`` = the contract's field type, plus dlt's ``_dlt_load_id``) and keeps the
prose already written for each table and column. Staging models read their column lists from
the YAML (macro ``raw_columns``), so a field added to ``objects.py`` reaches dbt with
``make sources``; ``--check`` (run by the tests) fails while the YAML is stale or a column
lacks a description.

``python -m extract.salesforce.dbt_sources [--check]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from extract.salesforce.objects import OBJECTS, column_name

SOURCES_YAML = (
    Path(__file__).resolve().parents[2]
    / "dbt_project/models/staging/salesforce/_salesforce__sources.yml"
)
HEADER = (
    "# The columns (name, data_type) are generated from extract/salesforce/objects.py by\n"
    "# `make sources`; write descriptions and config here, fields and types there.\n"
)
#: Columns dlt adds to every raw table that staging reads (the load breaks modstamp ties).
DLT_COLUMNS = {"_dlt_load_id": "string"}


class _Dumper(yaml.SafeDumper):
    """Block style with indented lists (dbt's own examples), long text folded."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = ">" if len(value) > 80 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def render(current: dict[str, Any]) -> tuple[str, list[str]]:
    """The YAML text for ``current`` (the parsed YAML) with columns from the contract, and
    the columns that still lack a description."""
    source = next(s for s in current["sources"] if s["name"] == "salesforce")
    written = {table["name"]: table for table in source.get("tables", [])}
    tables, undocumented = [], []
    for obj in OBJECTS.values():
        prose = written.get(obj.table, {})
        described = {c["name"]: c.get("description") for c in prose.get("columns", [])}
        kinds = {column_name(name): kind for name, kind in obj.fields.items()} | DLT_COLUMNS
        columns = []
        for name, kind in kinds.items():
            description = (described.get(name) or "").strip()
            if not description:
                undocumented.append(f"{obj.table}.{name}")
            columns.append({"name": name, "data_type": kind, "description": description})
        table = {k: v for k, v in prose.items() if k not in ("name", "columns")}
        tables.append({"name": obj.table, **_strip(table), "columns": columns})
    out = {**current, "sources": [{**_strip(source), "tables": tables}]}
    text = yaml.dump(out, Dumper=_Dumper, sort_keys=False, width=92, allow_unicode=True)
    return HEADER + text, undocumented


def _strip(mapping: dict[str, Any]) -> dict[str, Any]:
    """Descriptions without the trailing newline a folded scalar carries."""
    return {
        k: v.strip() if k == "description" and isinstance(v, str) else v
        for k, v in mapping.items()
        if k != "tables"
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the YAML is stale")
    args = parser.parse_args(argv)
    committed = SOURCES_YAML.read_text(encoding="utf-8")
    text, undocumented = render(yaml.safe_load(committed))
    missing = f"; describe {', '.join(undocumented)} in {SOURCES_YAML.name}" if undocumented else ""
    if args.check:
        if text != committed or undocumented:
            stale = " is stale: run `make sources`" if text != committed else ""
            print(f"{SOURCES_YAML}{stale}{missing}", file=sys.stderr)
            return 1
        return 0
    SOURCES_YAML.write_text(text, encoding="utf-8")
    print(f"Wrote {SOURCES_YAML}{missing}")
    return 1 if undocumented else 0


if __name__ == "__main__":
    sys.exit(main())
