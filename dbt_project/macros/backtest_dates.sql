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
        {{ exceptions.raise_compiler_error("var('as_of') (AS_OF) must be YYYY-MM-DD or empty (today), got '" ~ raw ~ "'") }}
    {%- endif -%}
    {#- run_started_at is UTC; the linter's templater has no such variable. -#}
    {%- set today = (run_started_at if run_started_at is defined else modules.datetime.datetime.utcnow()).strftime('%Y-%m-%d') -%}
    {%- if raw > today -%}
        {{ exceptions.raise_compiler_error(
            "var('as_of') (AS_OF) is " ~ raw ~ ", after today (" ~ today ~ ", UTC): a backtest "
            ~ "can only be judged at a date that has passed. Leave AS_OF empty for today."
        ) }}
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

{# Exclusive upper bound for timestamps: as_of (or another SQL date) + 1 day, as a timestamp. #}
{% macro as_of_cutoff(date=none) -%}
    cast({{ dbt.dateadd('day', 1, date if date is not none else as_of_date()) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#
    fitted_history's clock (DESIGN.md "No leakage: point in time"): it learns only what was
    known before the window starts, i.e. as of the day before the window's first day
    (as_of - window_days), from contacts old enough by then to have matured
    (created on or before that day - maturity_days).
#}
{% macro training_known_by() -%}
    {{ window_start_exclusive() }}
{%- endmacro %}

{% macro training_created_by() -%}
    cast({{ dbt.dateadd('day', -1 * days_var('maturity_days', 0), window_start_exclusive()) }} as date)
{%- endmacro %}

{# Exclusive lower bound of the backtest window: as_of - window_days, as a date. #}
{% macro window_start_exclusive() -%}
    cast({{ dbt.dateadd('day', -1 * days_var('window_days'), as_of_date()) }} as date)
{%- endmacro %}

{#
    A whole-number var (window_days, maturity_days, attribution_window_days), checked:
    dbt's `| int` turns 'abc' or '' into 0, which would silently empty every mart.
#}
{% macro days_var(name, minimum=1) -%}
    {%- set raw = var(name) | string | trim -%}
    {%- set setting = {
        'window_days': 'DAYS', 'maturity_days': 'MATURITY_DAYS',
        'attribution_window_days': 'ATTRIBUTION_DAYS',
    }.get(name, name) -%}
    {%- if not modules.re.match('^[0-9]+$', raw) or (raw | int) < minimum -%}
        {{ exceptions.raise_compiler_error(
            "var('" ~ name ~ "') (" ~ setting ~ ") must be a whole number of days, at least "
            ~ minimum ~ ", got '" ~ raw ~ "'"
        ) }}
    {%- endif -%}
    {{ return(raw | int) }}
{%- endmacro %}

{# The cohort grain (var cohort, COHORT=week|month): a compile error names anything else. #}
{% macro cohort_grain() -%}
    {%- set raw = var('cohort', 'week') | string | trim | lower -%}
    {%- if raw not in ('week', 'month') -%}
        {{ exceptions.raise_compiler_error(
            "var('cohort') (COHORT) must be week or month, got '" ~ raw ~ "'"
        ) }}
    {%- endif -%}
    {{ return(raw) }}
{%- endmacro %}

{# The first day of the cohort (week from Monday, or month) a timestamp falls in, as a date. #}
{% macro cohort_start(timestamp) -%}
    cast({{ dbt.date_trunc(cohort_grain(), 'cast(' ~ timestamp ~ ' as date)') }} as date)
{%- endmacro %}
