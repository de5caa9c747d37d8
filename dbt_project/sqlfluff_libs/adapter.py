"""Stand-in for dbt's `adapter` when sqlfluff renders models (see dbt.py).

`adapter.dispatch` returns DuckDB renderings of this project's dispatched macros, matching
their `default__` implementations in macros/portability.sql and macros/signal_tagging.sql.
"""


def _regex_literal(pattern):
    return "'" + str(pattern).replace("'", "''") + "'"


_RENDERERS = {
    "type_double": lambda: "double",
    "regex_literal": _regex_literal,
    "add_days": lambda days, timestamp: f"({timestamp} + cast({days} as bigint) * interval 1 day)",
    "regex_matches": lambda text, pattern_sql: f"regexp_matches({text}, {pattern_sql})",
    "regex_replace_all": lambda text, pattern, replacement: (
        f"regexp_replace({text}, {_regex_literal(pattern)}, '{replacement}', 'g')"
    ),
    "strip_html": lambda text: f"regexp_replace({text}, '<[^>]*>', ' ', 'g')",
    "split_list_items": lambda column: f"unnest(string_split({column}, ','))",
    "join_non_null": lambda separator, expressions: (
        f"nullif(concat_ws('{separator}', {', '.join(str(e) for e in expressions)}), '')"
    ),
    "sorted_string_agg": lambda expression, separator=", ": (
        f"string_agg({expression}, '{separator}' order by {expression})"
    ),
}


def dispatch(macro_name, macro_namespace=None):
    if macro_name in _RENDERERS:
        return _RENDERERS[macro_name]
    return lambda *args, **kwargs: f"{macro_name}({', '.join(str(a) for a in args)})"


def quote(identifier):
    return f'"{identifier}"'


def get_relation(database=None, schema=None, identifier=None):
    return None


def get_columns_in_relation(relation):
    return []
