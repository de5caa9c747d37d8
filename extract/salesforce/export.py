"""Read a Salesforce Data Export (weekly export or Data Loader CSVs), folder or ``.zip``.

One CSV per object named by API name (``Account.csv``; some tools write ``account.csv``),
API field names as headers, every value quoted, far more columns than we load. Booleans
are ``"0"``/``"1"``, datetimes ``"2018-10-13 17:16:45"`` (UTC), empty strings mean null.
Files may be UTF-8 (with or without BOM) or Latin-1, CRLF or LF, with multi-line values.
Only the columns we load are parsed; the rest are skipped by the CSV reader.

Field history: ``AccountHistory.csv``, ``ContactHistory.csv`` and
``OpportunityFieldHistory.csv`` where the export has them; else the rows of
``EntityHistory.csv`` whose ``ParentSobjectType`` is Account, Contact or Opportunity, its
columns read under their history-object names (``ParentId`` -> ``AccountId``, ``FieldName``
-> ``Field``, ``OldValString`` -> ``OldValue``, ...).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from extract.errors import BadRecordError, ConfigError
from extract.salesforce.arrow import strings_to_table
from extract.salesforce.objects import OBJECTS, REQUIRED_FIELDS, FieldType, SObject

BLOCK_BYTES = 16 << 20  # ~16 MiB of CSV per chunk: big enough for speed, small for memory


@dataclass(frozen=True)
class ExportFile:
    """One object's CSV inside an export folder or zip."""

    object_name: str
    location: Path
    member: str | None = None  # name inside a zip, or None for a plain file
    #: Set when the rows come from ``EntityHistory.csv``: its ``ParentSobjectType`` to keep.
    entity_history_parent: str | None = None

    def describe(self) -> str:
        where = f"{self.location}:{self.member}" if self.member else str(self.location)
        if self.entity_history_parent:
            return f"{where} (rows of {self.entity_history_parent})"
        return where

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        if self.member is None:
            with open(self.location, "rb") as fh:
                yield fh
        else:
            with zipfile.ZipFile(self.location) as archive, archive.open(self.member) as fh:
                yield fh


_ENTITY_HISTORY = "EntityHistory"

#: EntityHistory.csv column -> the history-object field it fills (first match wins).
_ENTITY_HISTORY_ALIASES: dict[str, tuple[str, ...]] = {
    "Field": ("Field", "FieldName"),
    "OldValue": ("OldValue", "OldValString", "OldValueText", "OldValNumber", "OldValueNumber"),
    "NewValue": ("NewValue", "NewValString", "NewValueText", "NewValNumber", "NewValueNumber"),
}


def _entity_history_columns(file: ExportFile, header: list[str]) -> dict[str, str]:
    """History-object field -> EntityHistory.csv column, for the columns present."""
    parent = file.entity_history_parent
    assert parent is not None
    aliases = {**_ENTITY_HISTORY_ALIASES, f"{parent}Id": ("ParentId",)}
    mapping = {}
    for field in OBJECTS[file.object_name].fields:
        for candidate in aliases.get(field, (field,)):
            if candidate in header:
                mapping[field] = candidate
                break
    if "ParentSobjectType" not in header:
        raise ConfigError(
            f"{file.describe()} has no ParentSobjectType column: cannot tell which object "
            "each history row belongs to. Export AccountHistory, ContactHistory and "
            "OpportunityFieldHistory instead, or remove EntityHistory.csv."
        )
    return mapping


def find_export_files(path: Path) -> dict[str, ExportFile]:
    """Map object API names to their CSV in ``path`` (a folder or a .zip); case-insensitive."""
    if not path.exists():
        raise ConfigError(f"ORG={path}: no such folder or .zip. Point ORG at a Data Export.")
    wanted = {name.lower() + ".csv": name for name in (*OBJECTS, _ENTITY_HISTORY)}
    found: dict[str, ExportFile] = {}
    if path.is_dir():
        for file in sorted(path.iterdir()):
            name = wanted.get(file.name.lower())
            if name and file.is_file():
                found[name] = ExportFile(name, file)
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                name = wanted.get(member.rsplit("/", 1)[-1].lower())
                if name:
                    found[name] = ExportFile(name, path, member)
    else:
        raise ConfigError(f"ORG={path} is neither a folder nor a .zip of a Data Export.")
    entity_history = found.pop(_ENTITY_HISTORY, None)
    if entity_history is not None:
        for obj in OBJECTS.values():
            if obj.entity_history_parent and obj.name not in found:
                found[obj.name] = ExportFile(
                    obj.name,
                    entity_history.location,
                    entity_history.member,
                    entity_history_parent=obj.entity_history_parent,
                )
    if "Contact" not in found:
        raise ConfigError(
            f"{path} holds no Contact.csv. A Salesforce Data Export has one CSV per object "
            "named by API name (Contact.csv, Account.csv, Opportunity.csv, ...)."
        )
    return found


def sniff_encoding(file: ExportFile) -> str:
    """``utf-8`` when the whole file decodes as UTF-8 (BOM or not), else ``latin-1``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with file.open() as fh:
        try:
            while chunk := fh.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


#: A header line longer than this is not a Salesforce export's (hundreds of field names fit).
HEADER_BYTES = 1 << 20


def read_header(file: ExportFile, encoding: str) -> list[str]:
    """The column names: the first line only, whatever size the values below it have."""
    with file.open() as fh:
        head = fh.read(HEADER_BYTES)
    line = head.split(b"\n", 1)[0]
    if len(line) == len(head) and len(head) == HEADER_BYTES:
        raise BadRecordError(
            f"{file.describe()}: its first line (the header) is longer than "
            f"{HEADER_BYTES >> 20} MiB, so it is not a Salesforce export CSV. Re-export "
            "the object, or remove the file from the export."
        )
    text = line.removeprefix(b"\xef\xbb\xbf").decode(encoding, errors="replace")
    names = next(csv.reader([text.lstrip("\ufeff").rstrip("\r")]), [])
    return names


def check_required_columns(file: ExportFile, header: list[str]) -> None:
    """Refuse a file that lacks a column the backtest needs, naming the file, the column
    and what it is needed for (``REQUIRED_FIELDS``)."""
    present = set(header)
    missing = {
        name: why
        for name, why in REQUIRED_FIELDS.get(file.object_name, {}).items()
        if name not in present
    }
    if missing:
        reasons = "; ".join(f"{name}: {why}" for name, why in missing.items())
        raise ConfigError(
            f"{file.describe()} has no {', '.join(missing)} column "
            f"({reasons}). Re-export {file.object_name} with "
            f"{'these fields' if len(missing) > 1 else 'this field'} included."
        )


def read_export_tables(file: ExportFile, *, fields: dict[str, FieldType]) -> Iterator[pa.Table]:
    """Yield the object's rows as typed tables (raw column names), a chunk at a time."""
    obj: SObject = OBJECTS[file.object_name]
    encoding = sniff_encoding(file)
    header = read_header(file, encoding)
    if file.entity_history_parent:
        yield from _read_entity_history(file, obj, header, encoding=encoding, fields=fields)
        return
    present = [f for f in fields if f in header]
    if "Id" not in present:
        raise ConfigError(f"{file.describe()} has no Id column; is it a Salesforce export?")
    check_required_columns(file, header)
    for chunk in _read_strings(file, header, encoding=encoding, columns=present):
        columns = {name: chunk.column(name) for name in present}
        yield strings_to_table(obj, columns, fields=fields)


def _read_entity_history(
    file: ExportFile,
    obj: SObject,
    header: list[str],
    *,
    encoding: str,
    fields: dict[str, FieldType],
) -> Iterator[pa.Table]:
    """The rows of EntityHistory.csv whose ParentSobjectType is the object's parent."""
    mapping = _entity_history_columns(file, header)
    if "Id" not in mapping:
        raise ConfigError(f"{file.describe()} has no Id column; is it a Salesforce export?")
    raw = ExportFile(file.object_name, file.location, file.member)
    wanted = sorted({*mapping.values(), "ParentSobjectType"})
    for chunk in _read_strings(raw, header, encoding=encoding, columns=wanted):
        keep = pc.equal(chunk.column("ParentSobjectType"), file.entity_history_parent)
        chunk = chunk.filter(pc.fill_null(keep, False))
        columns = {field: chunk.column(column) for field, column in mapping.items()}
        yield strings_to_table(obj, columns, fields=fields)


def _read_strings(
    file: ExportFile, header: list[str], *, encoding: str, columns: list[str]
) -> Iterator[pa.Table]:
    """The named columns of a CSV as string tables, a chunk at a time."""
    with file.open() as fh:
        stream = io.BufferedReader(fh, buffer_size=1 << 20) if file.member else fh
        try:
            reader = _open_csv(stream, encoding=encoding, header=header, present=columns)
        except pa.ArrowInvalid as exc:
            raise _unreadable(file, 1, exc) from None
        row = 1
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as exc:
                raise _unreadable(file, row, exc) from None
            row += batch.num_rows
            yield pa.Table.from_batches([batch])


def _open_csv(
    stream: IO[bytes], *, encoding: str, header: list[str], present: list[str]
) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(
            encoding=encoding, block_size=BLOCK_BYTES, column_names=header, skip_rows=1
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            include_columns=present,
            column_types={name: pa.string() for name in present},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _unreadable(file: ExportFile, row: int, exc: pa.ArrowInvalid) -> BadRecordError:
    """One line for a CSV that pyarrow cannot parse, naming the file and the row."""
    if "straddl" in str(exc):
        return BadRecordError(
            f"{file.describe()}: a value after data row {row} is larger than "
            f"{BLOCK_BYTES >> 20} MiB. Salesforce text fields hold at most 131,072 "
            "characters, so the file is damaged or not an export: re-export the object."
        )
    return BadRecordError(
        f"{file.describe()}: the CSV cannot be parsed after data row {row} ({exc}). "
        "Re-export the file, or check it was not cut short or edited by hand."
    )
