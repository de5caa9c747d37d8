{#
    Tag texts with the signal taxonomy (seeds/signal_taxonomy.csv): one output row per text
    and matching signal. Patterns are matched against the text as given (callers lowercase it).

    The patterns are read from the seed when the model compiles and inlined as constant
    regular expressions: engines compile a constant pattern once, but a pattern taken from a
    joined column once per row (60x slower in DuckDB). Before the seed exists (e.g. `dbt
    compile` on an empty warehouse) the join on the pattern column is rendered instead; it
    gives the same rows.

    texts, taxonomy: names of CTEs (or relations); taxonomy_relation: ref('signal_taxonomy').
#}
{% macro tag_signals(texts, text_column, taxonomy, taxonomy_relation) -%}
    {%- set patterns = taxonomy_patterns(taxonomy_relation) -%}
    select
        {{ texts }}.{{ text_column }},
        {{ taxonomy }}.signal,
        {{ taxonomy }}.polarity,
        {{ taxonomy }}.category
    from {{ texts }}
    inner join {{ taxonomy }}
        on
        {%- if patterns | length > 0 %}
            case {{ taxonomy }}.signal
            {%- for signal, pattern in patterns %}
                when '{{ signal | replace("'", "''") }}'
                    then {{ regex_matches(texts ~ '.' ~ text_column, regex_literal(pattern)) }}
            {%- endfor %}
                else false
            end
        {%- else %}
            {{ regex_matches(texts ~ '.' ~ text_column, taxonomy ~ '.pattern') }}
        {%- endif %}
{%- endmacro %}

{% macro taxonomy_patterns(taxonomy_relation) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set relation = load_relation(taxonomy_relation) -%}
    {%- if relation is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set result = run_query(
        'select signal, pattern from ' ~ relation ~ ' where signal is not null and pattern is not null order by signal'
    ) -%}
    {%- set patterns = [] -%}
    {%- for row in result.rows -%}
        {%- do patterns.append([row[0], row[1]]) -%}
    {%- endfor -%}
    {{ return(patterns) }}
{%- endmacro %}

{# Sorted, ", "-joined distinct-free list of a string expression (nulls skipped). #}
{% macro sorted_string_agg(expression, separator=', ') -%}
    {{ return(adapter.dispatch('sorted_string_agg')(expression, separator)) }}
{%- endmacro %}

{% macro default__sorted_string_agg(expression, separator) -%}
    string_agg({{ expression }}, '{{ separator }}' order by {{ expression }})
{%- endmacro %}

{#- collect_list skips nulls; with none left, string_agg is null, array_join would be ''. -#}
{% macro spark__sorted_string_agg(expression, separator) -%}
    case
        when count({{ expression }}) > 0
            then array_join(array_sort(collect_list({{ expression }})), '{{ separator }}')
    end
{%- endmacro %}
