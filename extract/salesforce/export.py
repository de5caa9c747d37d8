"""Read a Salesforce Data Export (weekly export or Data Loader CSVs), folder or ``.zip``.

One CSV per object named by API name (``Account.csv``; some tools write ``account.csv``),
API field names as headers, every value quoted, far more columns than we load. Booleans
are ``"0"``/``"1"``, datetimes ``"2018-10-13 17:16:45"`` (UTC), empty strings mean null.
Files may be UTF-8 (with or without BOM) or Latin-1, CRLF or LF, with multi-line values.
Only the columns we load are parsed; the rest are skipped by the CSV reader.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyarrow as pa
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

    def describe(self) -> str:
        return f"{self.location}:{self.member}" if self.member else str(self.location)

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        if self.member is None:
            with open(self.location, "rb") as fh:
                yield fh
        else:
            with zipfile.ZipFile(self.location) as archive, archive.open(self.member) as fh:
                yield fh


def find_export_files(path: Path) -> dict[str, ExportFile]:
    """Map object API names to their CSV in ``path`` (a folder or a .zip); case-insensitive."""
    if not path.exists():
        raise ConfigError(f"ORG={path}: no such folder or .zip. Point ORG at a Data Export.")
    wanted = {name.lower() + ".csv": name for name in OBJECTS}
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


def read_header(file: ExportFile, encoding: str) -> list[str]:
    with file.open() as fh:
        reader = pacsv.open_csv(
            fh,
            read_options=pacsv.ReadOptions(encoding=encoding, block_size=1 << 16),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(include_columns=[]),
        )
        return [name.lstrip("\ufeff") for name in reader.schema.names]


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
    present = [f for f in fields if f in header]
    if "Id" not in present:
        raise ConfigError(f"{file.describe()} has no Id column; is it a Salesforce export?")
    check_required_columns(file, header)
    with file.open() as fh:
        stream = io.BufferedReader(fh, buffer_size=1 << 20) if file.member else fh
        reader = pacsv.open_csv(
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
        row = 1
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as exc:
                raise BadRecordError(
                    f"{file.describe()}: the CSV cannot be parsed after data row {row} ({exc}). "
                    "Re-export the file, or check it was not cut short or edited by hand."
                ) from None
            row += batch.num_rows
            columns = {name: batch.column(name) for name in present}
            yield strings_to_table(obj, columns, fields=fields)
