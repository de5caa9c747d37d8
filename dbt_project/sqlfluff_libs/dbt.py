"""Stand-ins for dbt's cross-database macros (`dbt.<name>`) when sqlfluff renders models.

sqlfluff's jinja templater has no warehouse; these return DuckDB SQL of the same shape so
the rendered model parses. They are never used by dbt itself.
"""


def type_string():
    return "varchar"


def type_bigint():
    return "bigint"


def type_int():
    return "integer"


def type_boolean():
    return "boolean"


def type_timestamp():
    return "timestamp"


def type_float():
    return "double"


def type_numeric():
    return "numeric"


def concat(fields):
    return "concat(" + ", ".join(str(f) for f in fields) + ")"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"({from_date_or_timestamp} + cast({interval} as bigint) * interval 1 {datepart})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def safe_cast(field, type_):
    return f"try_cast({field} as {type_})"


def hash(field):  # noqa: A001 - mirrors dbt.hash
    return f"md5(cast({field} as varchar))"


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    order = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order})"


def generate_series(upper_bound):
    return f"select generate_series as generated_number from generate_series(1, {upper_bound})"
