{#
    Tag texts with the signal taxonomy (seeds/signal_taxonomy.csv): one output row per text
    and matching signal. Patterns are matched against the text (callers lowercase it) with
    its negated phrases taken out first (negations_removed): "no budget concerns" is not the
    no_budget disqualifier, "not a student" is not student.

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
        affirmed.{{ text_column }},
        {{ taxonomy }}.signal,
        {{ taxonomy }}.polarity,
        {{ taxonomy }}.category
    from (
        select
            {{ text_column }},
            {{ negations_removed(text_column) }} as affirmed_text
        from {{ texts }}
    ) as affirmed
    inner join {{ taxonomy }}
        on
        {%- if patterns | length > 0 %}
            case {{ taxonomy }}.signal
            {%- for signal, pattern in patterns %}
                when '{{ signal | replace("'", "''") }}'
                    then {{ regex_matches('affirmed.affirmed_text', regex_literal(pattern)) }}
            {%- endfor %}
                else false
            end
        {%- else %}
            {{ regex_matches('affirmed.affirmed_text', taxonomy ~ '.pattern') }}
        {%- endif %}
{%- endmacro %}

{#
    The text with negated phrases blanked out, so that the taxonomy does not read them as
    signals: "no budget/price/cost concerns|issues|problems|constraints|objections" (budget is
    not a problem), and a negation cue (not, never, no longer, isn't, doesn't, ...) with the
    one to three words after it ("not a student", "isn't too small", "never chose another
    vendor"). A cue's reach stops at punctuation. A plain "no budget" stays a disqualifier.
#}
{% macro negations_removed(text) -%}
    {%- set benign = '\\bno (budget|price|pricing|cost|money) (concerns?|issues?|problems?|constraints?|worries|objections?)\\b' -%}
    {%- set negated = "\\b(not|never|no longer|[a-z]+n't)( +[a-z0-9_-]+){1,3}" -%}
    {{ regex_replace_all(regex_replace_all(text, benign, ' '), negated, ' ') }}
{%- endmacro %}

{% macro taxonomy_patterns(taxonomy_relation) -%}
    {#- In a unit test the taxonomy is a fixture (no schema): join on its pattern column. -#}
    {%- if not execute or taxonomy_relation.schema is none -%}
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
