{#
    Point in time (DESIGN.md "No leakage: point in time"). The fields the scoring step sends
    to the model, each rebuilt as it was at an earlier instant from field history:

    - key: the field's API name folded (lowercase, no underscores), as field history
      staging gives it (`field_key`);
    - object: account or contact; column: the staging column; output: the name the
      scoring input uses; type: its SQL type.
#}
{% macro sent_fields() -%}
    {{ return([
        {'key': 'name', 'object': 'account', 'column': 'account_name', 'output': 'company_name', 'type': dbt.type_string()},
        {'key': 'website', 'object': 'account', 'column': 'website', 'output': 'website', 'type': dbt.type_string()},
        {'key': 'industry', 'object': 'account', 'column': 'industry', 'output': 'industry', 'type': dbt.type_string()},
        {'key': 'numberofemployees', 'object': 'account', 'column': 'number_of_employees', 'output': 'employees', 'type': dbt.type_bigint()},
        {'key': 'annualrevenue', 'object': 'account', 'column': 'annual_revenue', 'output': 'annual_revenue', 'type': type_double()},
        {'key': 'description', 'object': 'account', 'column': 'account_description', 'output': 'description', 'type': dbt.type_string()},
        {'key': 'title', 'object': 'contact', 'column': 'title', 'output': 'title', 'type': dbt.type_string()},
        {'key': 'email', 'object': 'contact', 'column': 'email', 'output': 'email', 'type': dbt.type_string()},
        {'key': 'leadsource', 'object': 'contact', 'column': 'lead_source', 'output': 'lead_source', 'type': dbt.type_string()},
    ]) }}
{%- endmacro %}

{# var('point_in_time'): flag (send the current value of a field edited later, flagged) or strict (send null). #}
{% macro point_in_time_mode() -%}
    {%- set mode = var('point_in_time', 'flag') | string | trim | lower -%}
    {%- if mode == '' -%}{%- set mode = 'flag' -%}{%- endif -%}
    {%- if mode not in ('flag', 'strict') -%}
        {{ exceptions.raise_compiler_error(
            "var('point_in_time') (POINT_IN_TIME) must be flag or strict, got '" ~ mode ~ "'"
        ) }}
    {%- endif -%}
    {{ return(mode) }}
{%- endmacro %}

{#
    How sure the value of one field is at an earlier instant, given the columns
    `<prefix>_changed` (a history row for the field after the instant), `<prefix>_undoable`
    (that first row kept its old value), `<prefix>_tracked` (the org has history for the
    field at all), and `edited_later` (a SQL condition: the record was modified after it):
      'rebuilt'      history undid a later edit (the old value is used);
      'unchanged'    no edit after the instant (tracked field, or record untouched since);
      'edited_after' edited later and no history can undo it (current value, flagged).
    Used for the scoring inputs (at each contact's CreatedDate) and the AE text (at as_of).
#}
{% macro field_point_in_time(prefix, edited_later) -%}
    case
        when {{ prefix }}_changed and {{ prefix }}_undoable then 'rebuilt'
        when {{ prefix }}_changed then 'edited_after'
        when {{ prefix }}_tracked then 'unchanged'
        when {{ edited_later }} then 'edited_after'
        else 'unchanged'
    end
{%- endmacro %}

{# A history value (text) as the field's type; numbers may come as "5000" or "5000.0". #}
{% macro rebuilt_value(text, type) -%}
    {%- if type == dbt.type_string() -%}
        {{ text }}
    {%- elif type == dbt.type_bigint() -%}
        cast({{ try_cast(text, type_double()) }} as {{ type }})
    {%- else -%}
        {{ try_cast(text, type) }}
    {%- endif -%}
{%- endmacro %}
