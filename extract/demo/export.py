"""The Data Export files of the demo org: headers (contract fields plus the junk columns
real exports carry), writing every value quoted, reading them back as text."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from extract.demo import vocabulary as vocab
from extract.salesforce.objects import OBJECTS


def columns_of(object_name: str, *, multi_currency: bool = False) -> list[str]:
    """The header of ``<object_name>.csv``: every contract field, junk columns interleaved
    (the multi-currency fields only for a multi-currency org)."""
    junk = dict(vocab.JUNK_COLUMNS.get(object_name, ()))
    obj = OBJECTS[object_name]
    out: list[str] = []
    for name in obj.fields:
        if name in obj.multi_currency_fields and not multi_currency:
            continue
        out.append(name)
        if name in junk:
            out.append(junk[name])
    return out


_WRITE = pacsv.WriteOptions(include_header=True, quoting_style="all_valid", batch_size=8192)
_APPEND = pacsv.WriteOptions(include_header=False, quoting_style="all_valid", batch_size=8192)


def _table(
    object_name: str, columns: dict[str, pa.Array], *, multi_currency: bool = False
) -> pa.Table:
    """The columns of ``<object_name>.csv`` in header order (nulls as empty strings)."""
    header = columns_of(object_name, multi_currency=multi_currency)
    missing = set(header) - set(columns)
    unexpected = set(columns) - set(header)
    if missing or unexpected:
        raise ValueError(
            f"{object_name}: missing {sorted(missing)}, unexpected {sorted(unexpected)}"
        )
    return pa.table({name: pc.fill_null(columns[name], "") for name in header})


class ObjectFiles:
    """The CSV files of one org, each written in parts: the first part of an object creates
    its file (with the header), later parts are appended (a big org is written shard by
    shard, so no object is ever held whole). Files are written as ``.csv.tmp`` and moved
    into place when the ``with`` block ends without error; ``counts`` holds the rows written
    per object. (Each part goes through ``write_csv`` on its own: a ``CSVWriter`` kept open
    keeps the last table it wrote in memory.)"""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.counts: dict[str, int] = {}

    def write(
        self, object_name: str, columns: dict[str, pa.Array], *, multi_currency: bool = False
    ) -> None:
        """Append rows to ``<object_name>.csv`` (all values quoted)."""
        table = _table(object_name, columns, multi_currency=multi_currency)
        started = object_name in self.counts
        with pa.OSFile(str(self._tmp(object_name)), "ab" if started else "wb") as sink:
            pacsv.write_csv(table, sink, write_options=_APPEND if started else _WRITE)
        self.counts[object_name] = self.counts.get(object_name, 0) + table.num_rows

    def _tmp(self, object_name: str) -> Path:
        return self.out_dir / f"{object_name}.csv.tmp"

    def __enter__(self) -> ObjectFiles:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        for name in self.counts:
            tmp = self._tmp(name)
            if exc_type is None:
                os.replace(tmp, tmp.with_suffix(""))
            else:
                tmp.unlink(missing_ok=True)


def _write_object(
    out_dir: Path, object_name: str, columns: dict[str, pa.Array], *, multi_currency: bool = False
) -> int:
    """Write ``<object_name>.csv`` whole and return its row count."""
    with ObjectFiles(out_dir) as files:
        files.write(object_name, columns, multi_currency=multi_currency)
    return files.counts[object_name]


def _read_object(org_dir: Path, object_name: str) -> pa.Table:
    """Read a file this module wrote back as text columns (empty strings stay empty)."""
    path = org_dir / f"{object_name}.csv"
    with open(path, encoding="utf-8") as fh:
        header_line = fh.readline()
    names = [h.strip().strip('"') for h in header_line.split(",")]
    return pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
        ),
    )
