"""Turn Salesforce records into pyarrow tables typed by the field contract.

Both sources end here: REST pages (JSON values: strings, numbers, booleans) and Data Export
CSVs (every value a string). One page or CSV chunk becomes one ``pyarrow.Table`` whose
columns are the snake_case raw column names; dlt loads such tables ~50x faster than dicts.

Salesforce datetimes arrive as ``2026-11-01T10:00:00.000+0000`` (REST) or
``2018-10-13 17:16:45`` (exports, UTC, no zone); both become ``timestamp[ms, tz=UTC]``.
A value that cannot be read raises ``BadRecordError`` naming object, field, record and value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from extract.errors import BadRecordError
from extract.salesforce.objects import FieldType, SObject, column_name

TIMESTAMP = pa.timestamp("us", tz="UTC")

ARROW_TYPES: dict[FieldType, pa.DataType] = {
    "id": pa.string(),
    "string": pa.string(),
    "bool": pa.bool_(),
    "int": pa.int64(),
    "double": pa.float64(),
    "date": pa.date32(),
    "datetime": TIMESTAMP,
}

_DATETIME_RE = (
    r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<time>\d{2}:\d{2}:\d{2})"
    r"(?:\.(?P<frac>\d{1,6}))?\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?)?$"
)


def arrow_schema(obj: SObject, extra: Sequence[str] = ()) -> pa.Schema:
    """The raw table's schema: one typed column per field, snake_case names."""
    return pa.schema(
        [
            pa.field(column_name(n), ARROW_TYPES[t], nullable=n != "Id")
            for n, t in obj.all_fields(extra).items()
        ]
    )


def _bad(obj: SObject, field: str, ids: Sequence[Any], index: int, value: Any, what: str) -> None:
    record = ids[index] if index < len(ids) else f"row {index + 1}"
    raise BadRecordError(
        f"{obj.name}.{field} of record {record}: cannot read {str(value)[:80]!r} as {what}. "
        f"Fix the value in Salesforce (or the export file), or drop {field} from the "
        f"configured fields of {obj.name}."
    )


def _first_invalid(source: pa.Array, parsed: pa.Array) -> int | None:
    """Index of the first non-empty input that parsed to null, if any."""
    given = pc.and_(pc.is_valid(source), pc.not_equal(pc.utf8_length(source), 0))
    lost = pc.and_(given, pc.is_null(parsed))
    if not pc.any(lost).as_py():
        return None
    return int(pc.index(lost, True).as_py())


def _parse_datetimes(values: pa.Array, *, date_only: bool) -> pa.Array:
    parts = pc.extract_regex(pc.utf8_trim_whitespace(values), _DATETIME_RE)
    date = pc.struct_field(parts, "date")
    if date_only:
        return pc.cast(
            pc.strptime(date, format="%Y-%m-%d", unit="s", error_is_null=True), pa.date32()
        )
    time = pc.if_else(
        pc.equal(pc.struct_field(parts, "time"), ""), "00:00:00", pc.struct_field(parts, "time")
    )
    base = pc.strptime(
        pc.binary_join_element_wise(date, time, " "),
        format="%Y-%m-%d %H:%M:%S",
        unit="ms",
        error_is_null=True,
    )
    frac = pc.utf8_rpad(pc.struct_field(parts, "frac"), width=3, padding="0")
    millis = pc.cast(
        pc.if_else(pc.equal(frac, "000"), "0", pc.utf8_slice_codeunits(frac, 0, 3)), pa.int64()
    )
    zone = pc.replace_substring(pc.struct_field(parts, "zone"), ":", "")
    sign = pc.if_else(pc.starts_with(zone, "-"), -1, 1)
    hours = pc.cast(
        pc.if_else(pc.greater(pc.utf8_length(zone), 1), pc.utf8_slice_codeunits(zone, 1, 3), "0"),
        pa.int64(),
    )
    minutes = pc.cast(
        pc.if_else(pc.greater(pc.utf8_length(zone), 3), pc.utf8_slice_codeunits(zone, 3, 5), "0"),
        pa.int64(),
    )
    offset_ms = pc.multiply(pc.multiply(sign, pc.add(pc.multiply(hours, 60), minutes)), 60_000)
    epoch_ms = pc.subtract(pc.add(pc.cast(base, pa.int64()), millis), offset_ms)
    return pc.cast(pc.cast(epoch_ms, pa.timestamp("ms", tz="UTC")), TIMESTAMP)


def _cast_iso(text: pa.Array, target: pa.DataType) -> pa.Array | None:
    """Arrow's own ISO-8601 cast: REST datetimes carry a zone, export ones are UTC without.

    None when some value needs the slower, more forgiving parser (or is bad).
    """
    for via in (target, pa.timestamp("us")) if target == TIMESTAMP else (target,):
        try:
            return pc.cast(pc.cast(text, via), target)
        except pa.ArrowInvalid:
            continue
    return None


def _as_strings(values: pa.Array) -> pa.Array:
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return values
    return pc.cast(values, pa.string())


def convert_column(
    obj: SObject, field: str, ftype: FieldType, values: pa.Array, *, ids: Sequence[Any]
) -> pa.Array:
    """Convert one column (strings from CSV, or JSON-native values) to its declared type.

    Empty strings mean null, as in Salesforce exports.
    """
    target = ARROW_TYPES[ftype]
    if pa.types.is_null(values.type):
        return pa.nulls(len(values), target)
    if ftype in ("id", "string"):
        out = _as_strings(values)
        return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)
    if values.type == target:
        return values
    if ftype in ("date", "datetime"):
        text = _as_strings(values)
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        fast = _cast_iso(text, target)
        if fast is not None:
            return fast
        out = _parse_datetimes(text, date_only=ftype == "date")
        bad = _first_invalid(text, out)
        if bad is not None:
            _bad(obj, field, ids, bad, text[bad].as_py(), f"a Salesforce {ftype}")
        return out
    if pa.types.is_string(values.type):
        text = pc.utf8_trim_whitespace(values)
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        if ftype == "bool":
            lowered = pc.utf8_lower(text)
            ok = pc.is_in(lowered, value_set=pa.array(["1", "0", "true", "false"]))
            invalid = pc.and_(pc.is_valid(text), pc.invert(ok))
            if pc.any(invalid).as_py():
                i = int(pc.index(invalid, True).as_py())
                _bad(obj, field, ids, i, text[i].as_py(), 'a boolean ("0"/"1")')
            truthy = pc.is_in(lowered, value_set=pa.array(["1", "true"]))
            return pc.if_else(pc.is_valid(text), truthy, pa.scalar(None, pa.bool_()))
        try:
            number = pc.cast(text, pa.float64())
        except pa.ArrowInvalid:
            for i, v in enumerate(text.to_pylist()):
                try:
                    if v is not None:
                        float(v)
                except ValueError:
                    _bad(obj, field, ids, i, v, "a number")
            raise
        values = number
    try:
        return pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        for i, v in enumerate(values.to_pylist()):
            if v is not None and (ftype != "int" or float(v) != int(float(v))):
                _bad(obj, field, ids, i, v, "a whole number" if ftype == "int" else ftype)
        raise


def records_to_table(
    obj: SObject, records: Sequence[Mapping[str, Any]], *, fields: Mapping[str, FieldType]
) -> pa.Table:
    """One REST page (``records`` of a query response) as a typed table.

    Fields absent from the records (export-only fields) become null columns. The fast path
    converts the whole page in one C++ call; a page with an odd value (a number where text
    is expected, say) takes the per-field path, which names the record if it is bad.
    """
    ids = [r.get("Id") for r in records]
    struct = pa.struct([(name, ARROWS_FOR_JSON[ftype]) for name, ftype in fields.items()])
    try:
        page = pa.array(records, struct)
        columns = {name: page.field(name) for name in fields}
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        columns = {
            name: _json_column([r.get(name) for r in records], ftype)
            for name, ftype in fields.items()
        }
    arrays = [
        convert_column(obj, name, ftype, columns[name], ids=ids) for name, ftype in fields.items()
    ]
    return pa.Table.from_arrays(arrays, names=[column_name(n) for n in fields])


def _json_column(values: list[Any], ftype: FieldType) -> pa.Array:
    try:
        return pa.array(values, None if ftype in ("int", "double") else ARROWS_FOR_JSON[ftype])
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


# JSON gives booleans, numbers and strings natively; dates/datetimes come as strings.
ARROWS_FOR_JSON: dict[FieldType, pa.DataType] = {
    **ARROW_TYPES,
    "date": pa.string(),
    "datetime": pa.string(),
}


def strings_to_table(
    obj: SObject, columns: Mapping[str, pa.Array], *, fields: Mapping[str, FieldType]
) -> pa.Table:
    """A Data Export chunk (every value a string) as a typed table.

    ``columns`` maps API field names to string arrays; fields missing from the file become
    null columns (an export may lack a field a newer org has).
    """
    length = len(next(iter(columns.values()))) if columns else 0
    id_column = columns.get("Id")
    ids = id_column.to_pylist() if id_column is not None else []
    arrays = []
    for name, ftype in fields.items():
        values = columns.get(name)
        if values is None:
            arrays.append(pa.nulls(length, ARROW_TYPES[ftype]))
        else:
            arrays.append(convert_column(obj, name, ftype, values, ids=ids))
    return pa.Table.from_arrays(arrays, names=[column_name(n) for n in fields])
