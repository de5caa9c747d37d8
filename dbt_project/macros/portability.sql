{#
    Engine-specific SQL lives here, behind adapter.dispatch: a `default__` version that
    DuckDB (and PostgreSQL-like engines) run, and a `spark__` version for Spark/Databricks.
#}

{# A double-precision float type (dbt.type_float() is a 4-byte REAL on some engines). #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    {{ return('double') }}
{%- endmacro %}

{% macro postgres__type_double() -%}
    {{ return('double precision') }}
{%- endmacro %}

{# A regular expression as a SQL string literal. #}
{% macro regex_literal(pattern) -%}
    {{ return(adapter.dispatch('regex_literal')(pattern)) }}
{%- endmacro %}

{% macro default__regex_literal(pattern) -%}
    {{ return("'" ~ (pattern | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{#
    Spark matches with Java regular expressions, DuckDB with RE2. Patterns are written in
    their common syntax, where two escapes still differ: Java 17's `\b` counts every Unicode
    letter as a word character (RE2's `\b`, like `\w` in both, only [A-Za-z0-9_]), and Java's
    `\s` also matches the vertical tab. Both are rewritten to RE2's meaning before quoting.
    Still different: `(?i)` folds only ASCII in Java (texts are lowercased before matching
    instead), and `$` also matches before a final newline in Java.
#}
{% macro spark__regex_literal(pattern) -%}
    {%- set word = '[A-Za-z0-9_]' -%}
    {%- set boundary = '(?:(?<=' ~ word ~ ')(?!' ~ word ~ ')|(?<!' ~ word ~ ')(?=' ~ word ~ '))' -%}
    {%- set inside = '(?:(?<=' ~ word ~ ')(?=' ~ word ~ ')|(?<!' ~ word ~ ')(?!' ~ word ~ '))' -%}
    {%- set space = '\\t\\n\\f\\r ' -%}
    {%- set outside_class = {'\\b': boundary, '\\B': inside, '\\s': '[' ~ space ~ ']', '\\S': '[^' ~ space ~ ']'} -%}
    {%- set state = {'in_class': false} -%}
    {%- set parts = [] -%}
    {%- for token in modules.re.findall('\\\\.|\\[|\\]|[^\\\\\\[\\]]+', pattern | string) -%}
        {%- if state.in_class -%}
            {%- do parts.append(space if token == '\\s' else token) -%}
            {%- if token == ']' -%}{%- do state.update({'in_class': false}) -%}{%- endif -%}
        {%- else -%}
            {%- do parts.append(outside_class.get(token, token)) -%}
            {%- if token == '[' -%}{%- do state.update({'in_class': true}) -%}{%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {#- (?d): `.` stops at \n only, as in RE2 (Java's also stops at \r and Unicode line ends). -#}
    {{ return(spark_string_literal('(?d)' ~ parts | join(''))) }}
{%- endmacro %}

{#
    A timestamp `days` days later (an integer). dbt.dateadd on Spark goes through Unix seconds
    and drops the fraction of a second.
#}
{% macro add_days(days, timestamp) -%}
    {{ return(adapter.dispatch('add_days')(days, timestamp)) }}
{%- endmacro %}

{% macro default__add_days(days, timestamp) -%}
    {{ return(dbt.dateadd('day', days, timestamp)) }}
{%- endmacro %}

{% macro spark__add_days(days, timestamp) -%}
    timestampadd(day, {{ days }}, {{ timestamp }})
{%- endmacro %}

{# True when the regular expression (a SQL string expression) matches anywhere in text. #}
{% macro regex_matches(text, pattern_sql) -%}
    {{ return(adapter.dispatch('regex_matches')(text, pattern_sql)) }}
{%- endmacro %}

{% macro default__regex_matches(text, pattern_sql) -%}
    regexp_matches({{ text }}, {{ pattern_sql }})
{%- endmacro %}

{% macro postgres__regex_matches(text, pattern_sql) -%}
    ({{ text }} ~ {{ pattern_sql }})
{%- endmacro %}

{% macro spark__regex_matches(text, pattern_sql) -%}
    ({{ text }} rlike {{ pattern_sql }})
{%- endmacro %}

{# Replace every match of a regular expression (given as a plain string). #}
{% macro regex_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ regex_literal(pattern) }}, '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ regex_literal(pattern) }}, '{{ replacement }}')
{%- endmacro %}

{#
    Rich text to plain text: tags removed, the common HTML entities decoded, whitespace
    folded to single spaces and trimmed; empty results become null.
#}
{% macro clean_text(text) -%}
    {%- set stripped = strip_html(text) -%}
    nullif(trim({{ regex_replace_all(stripped, '\\s+', ' ') }}), '')
{%- endmacro %}

{% macro strip_html(text) -%}
    {{ return(adapter.dispatch('strip_html')(text)) }}
{%- endmacro %}

{% macro default__strip_html(text) -%}
    {%- set no_tags = regex_replace_all(text, '<[^>]*>', ' ') -%}
    replace(replace(replace(replace(replace(replace(replace(
        {{ no_tags }},
        '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&apos;', ''''), '&amp;', '&')
{%- endmacro %}

{% macro spark__strip_html(text) -%}
    {%- set no_tags = regex_replace_all(text, '<[^>]*>', ' ') -%}
    replace(replace(replace(replace(replace(replace(replace(
        {{ no_tags }},
        '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', "'"), '&apos;', "'"), '&amp;', '&')
{%- endmacro %}

{#
    One row per item of a ", "-joined list column: use as a select-list expression
    (`{{ split_list_items('industries') }} as industry`) in a query over the list rows.
#}
{% macro split_list_items(list_column) -%}
    {{ return(adapter.dispatch('split_list_items')(list_column)) }}
{%- endmacro %}

{% macro default__split_list_items(list_column) -%}
    unnest(string_split({{ list_column }}, ','))
{%- endmacro %}

{% macro spark__split_list_items(list_column) -%}
    explode(split({{ list_column }}, ','))
{%- endmacro %}

{# Join the non-null string expressions with a separator (null when all are null). #}
{% macro join_non_null(separator, expressions) -%}
    {{ return(adapter.dispatch('join_non_null')(separator, expressions)) }}
{%- endmacro %}

{% macro default__join_non_null(separator, expressions) -%}
    nullif(concat_ws('{{ separator }}', {{ expressions | join(', ') }}), '')
{%- endmacro %}

{# A cast that yields null instead of failing on text that is not of the type. #}
{% macro try_cast(expression, type) -%}
    {{ return(adapter.dispatch('try_cast')(expression, type)) }}
{%- endmacro %}

{% macro default__try_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}

{% macro postgres__try_cast(expression, type) -%}
    cast({{ expression }} as {{ type }})
{%- endmacro %}
