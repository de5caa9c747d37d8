"""Record shaping: Salesforce values (REST JSON or export strings) to typed arrow columns."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from extract.errors import BadRecordError
from extract.salesforce.arrow import records_to_table, strings_to_table
from extract.salesforce.objects import OBJECTS, column_name

ACCOUNT = OBJECTS["Account"]
OPPORTUNITY = OBJECTS["Opportunity"]


@pytest.mark.parametrize(
    ("api_name", "column"),
    [
        ("StageName", "stage_name"),
        ("Loss_Reason__c", "loss_reason_c"),
        ("AE_Reason__c", "ae_reason_c"),
        ("SystemModstamp", "system_modstamp"),
        ("ConvertedOpportunityId", "converted_opportunity_id"),
    ],
)
def test_column_names_follow_dlt_snake_case(api_name: str, column: str) -> None:
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    assert column_name(api_name) == column
    assert NamingConvention().normalize_identifier(api_name) == column


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01T10:00:00.000+0000", datetime(2026, 11, 1, 10, tzinfo=UTC)),
        ("2026-11-01T10:00:00.123+0000", datetime(2026, 11, 1, 10, 0, 0, 123000, tzinfo=UTC)),
        ("2026-11-01T10:00:00.000-0130", datetime(2026, 11, 1, 11, 30, tzinfo=UTC)),
        ("2026-11-01T10:00:00Z", datetime(2026, 11, 1, 10, tzinfo=UTC)),
        ("2018-10-13 17:16:45", datetime(2018, 10, 13, 17, 16, 45, tzinfo=UTC)),
        ("2013-09-16", datetime(2013, 9, 16, tzinfo=UTC)),
        ("", None),
    ],
)
def test_datetimes_from_rest_and_exports(text: str, expected: datetime | None) -> None:
    table = strings_to_table(
        ACCOUNT,
        {"Id": pa.array(["001A"]), "CreatedDate": pa.array([text])},
        fields={"Id": "id", "CreatedDate": "datetime"},
    )
    assert table["created_date"].to_pylist() == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2013-09-16", date(2013, 9, 16)), ("2013-09-16 00:00:00", date(2013, 9, 16)), ("", None)],
)
def test_dates_accept_both_export_shapes(text: str, expected: date | None) -> None:
    table = strings_to_table(
        OPPORTUNITY,
        {"Id": pa.array(["006A"]), "CloseDate": pa.array([text])},
        fields={"Id": "id", "CloseDate": "date"},
    )
    assert table["close_date"].to_pylist() == [expected]


def test_export_strings_become_typed_and_empty_means_null() -> None:
    table = strings_to_table(
        ACCOUNT,
        {
            "Id": pa.array(["001A", "001B"]),
            "IsDeleted": pa.array(["0", "1"]),
            "NumberOfEmployees": pa.array(["12", ""]),
            "AnnualRevenue": pa.array(["1.5e6", ""]),
            "Name": pa.array(["Acme", ""]),
        },
        fields=ACCOUNT.all_fields(["Custom__c"]),
    )
    rows = table.to_pylist()
    assert rows[0]["is_deleted"] is False and rows[1]["is_deleted"] is True
    assert rows[0]["number_of_employees"] == 12 and rows[1]["number_of_employees"] is None
    assert rows[0]["annual_revenue"] == 1.5e6
    assert rows[1]["name"] is None
    assert rows[0]["custom_c"] is None  # a configured field the file lacks is a null column
    assert table.schema.field("number_of_employees").type == pa.int64()


def test_rest_records_keep_native_json_types() -> None:
    records = [
        {
            "attributes": {"type": "Account"},
            "Id": "001A",
            "NumberOfEmployees": 40,
            "AnnualRevenue": 12.5,
            "IsDeleted": False,
            "SystemModstamp": "2026-11-01T10:00:00.000+0000",
        },
        {"attributes": {"type": "Account"}, "Id": "001B", "Name": None},
    ]
    table = records_to_table(ACCOUNT, records, fields=ACCOUNT.all_fields())
    assert table.column_names[0] == "id"
    assert table["number_of_employees"].to_pylist() == [40, None]
    assert table["is_deleted"].to_pylist() == [False, None]
    assert table["system_modstamp"].to_pylist()[0] == datetime(2026, 11, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "ftype", "value", "words"),
    [
        ("CreatedDate", "datetime", "13/10/2018", "as a Salesforce datetime"),
        ("NumberOfEmployees", "int", "12.5", "as a whole number"),
        ("IsDeleted", "bool", "yes", "as a boolean"),
        ("AnnualRevenue", "double", "lots", "as a number"),
    ],
)
def test_bad_values_name_object_field_record_and_fix(
    field: str, ftype: str, value: str, words: str
) -> None:
    with pytest.raises(BadRecordError) as caught:
        strings_to_table(
            ACCOUNT,
            {"Id": pa.array(["001OK", "001BAD"]), field: pa.array(["", value])},
            fields={"Id": "id", field: ftype},
        )
    message = str(caught.value)
    assert f"Account.{field} of record 001BAD" in message
    assert repr(value) in message and words in message
    assert "Fix the value" in message
