{#
    The backtest clock. Everything is judged "as of" var('as_of') (YYYY-MM-DD; '' = today, UTC):
    a record or stage change counts when its timestamp is strictly before as_of + 1 day.
#}

{% macro as_of_value() -%}
    {%- set raw = var('as_of', '') | string | trim -%}
    {%- if raw in ('', 'None', 'none', 'today') -%}
        {{ return('') }}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', raw) -%}
        {{ exceptions.raise_compiler_error("var('as_of') must be YYYY-MM-DD or empty (today), got '" ~ raw ~ "'") }}
    {%- endif -%}
    {{ return(raw) }}
{%- endmacro %}

{# The as_of date as a SQL date expression. #}
{% macro as_of_date() -%}
    {%- set raw = as_of_value() -%}
    {%- if raw == '' -%}
        current_date
    {%- else -%}
        cast('{{ raw }}' as date)
    {%- endif -%}
{%- endmacro %}

{# Exclusive upper bound for timestamps: as_of + 1 day, as a timestamp. #}
{% macro as_of_cutoff() -%}
    cast({{ dbt.dateadd('day', 1, as_of_date()) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{# Exclusive lower bound of the backtest window: as_of - window_days, as a date. #}
{% macro window_start_exclusive() -%}
    cast({{ dbt.dateadd('day', -1 * (var('window_days') | int), as_of_date()) }} as date)
{%- endmacro %}
