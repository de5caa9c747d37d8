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

{#
    The sent fields of each contact of `contacts` (a relation with contact_id, contact_name,
    created_at, account_id, last_modified_at and the contact's own sent fields: title, email,
    lead_source) as they were when it arrived: the body of
    int_contact_inputs_rebuilt (the window) and int_training_inputs_rebuilt (the training
    contacts of fitted_history), so both are rebuilt by one rule.
#}
{% macro inputs_at_arrival(contacts) -%}
{%- set fields = sent_fields() -%}
{%- set strict = point_in_time_mode() == 'strict' %}

with

contacts as (

    select * from {{ contacts }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

account_history as (

    select * from {{ ref('stg_salesforce__account_histories') }}

),

contact_history as (

    select * from {{ ref('stg_salesforce__contact_histories') }}

),

-- Changes made after each contact arrived: to its account's fields, and to its own.
later_changes as (

    select
        contacts.contact_id,
        'account' as object_name,
        account_history.field_key,
        account_history.old_value,
        account_history.has_values,
        account_history.changed_at,
        account_history.history_id

    from contacts
    inner join account_history
        on
            contacts.account_id = account_history.account_id
            and contacts.created_at < account_history.changed_at

    union all

    select
        contacts.contact_id,
        'contact' as object_name,
        contact_history.field_key,
        contact_history.old_value,
        contact_history.has_values,
        contact_history.changed_at,
        contact_history.history_id

    from contacts
    inner join contact_history
        on
            contacts.contact_id = contact_history.contact_id
            and contacts.created_at < contact_history.changed_at

),

first_changes as (

    select *
    from (
        select
            *,
            row_number() over (
                partition by contact_id, object_name, field_key
                order by changed_at asc, history_id asc
            ) as change_rank
        from later_changes
    ) as ranked
    where change_rank = 1

),

changes_by_contact as (

    select
        contact_id,
    {%- for field in fields %}
        max(
            case when object_name = '{{ field.object }}' and field_key = '{{ field.key }}' then 1 else 0 end
        ) = 1 as {{ field.output }}_changed,
        max(
            case
                when object_name = '{{ field.object }}' and field_key = '{{ field.key }}' and has_values
                    then 1
                else 0
            end
        ) = 1 as {{ field.output }}_undoable,
        max(
            case when object_name = '{{ field.object }}' and field_key = '{{ field.key }}' then old_value end
        ) as {{ field.output }}_before{{ ',' if not loop.last }}
    {%- endfor %}

    from first_changes
    group by contact_id

),

-- A field counts as tracked when the org has any history row for it.
tracked_fields as (

    select distinct
        'account' as object_name,
        field_key
    from account_history

    union all

    select distinct
        'contact' as object_name,
        field_key
    from contact_history

),

tracking as (

    select
    {%- for field in fields %}
            max(
                case when object_name = '{{ field.object }}' and field_key = '{{ field.key }}' then 1 else 0 end
            ) = 1 as {{ field.output }}_tracked{{ ',' if not loop.last }}
    {%- endfor %}

    from tracked_fields

),

joined as (

    select
        contacts.contact_id,
        contacts.contact_name,
        contacts.created_at,
        contacts.account_id,
        contacts.last_modified_at as contact_last_modified_at,
        {%- for field in fields %}
            {{ field.object }}s.{{ field.column }} as {{ field.output }}_current,
            coalesce(changes_by_contact.{{ field.output }}_changed, false) as {{ field.output }}_changed,
            coalesce(changes_by_contact.{{ field.output }}_undoable, false) as {{ field.output }}_undoable,
            changes_by_contact.{{ field.output }}_before,
            coalesce(tracking.{{ field.output }}_tracked, false) as {{ field.output }}_tracked,
        {%- endfor %}
        accounts.last_modified_at as account_last_modified_at

    from contacts
    left join accounts
        on contacts.account_id = accounts.account_id
    left join changes_by_contact
        on contacts.contact_id = changes_by_contact.contact_id
    cross join tracking

),

judged as (

    select
        *,
    {%- for field in fields %}
        {{ field_point_in_time(field.output, field.object ~ '_last_modified_at > created_at') }}
            as {{ field.output }}_point_in_time{{ ',' if not loop.last }}
    {%- endfor %}

    from joined

),

final as (

    select
        contact_id,
        contact_name,
        created_at,
        account_id,
        {%- for field in fields %}
            case
                when {{ field.output }}_point_in_time = 'rebuilt'
                    then {{ rebuilt_value(field.output ~ '_before', field.type) }}
                when {{ field.output }}_point_in_time = 'edited_after' and {{ strict }}
                    then cast(null as {{ field.type }})
                else {{ field.output }}_current
            end as {{ field.output }},
        {%- endfor %}
        {%- set edited = [] -%}
        {%- set rebuilt = [] -%}
        {%- for field in fields -%}
            {%- do edited.append("case when " ~ field.output ~ "_point_in_time = 'edited_after' then '" ~ field.output ~ "' end") -%}
            {%- do rebuilt.append("case when " ~ field.output ~ "_point_in_time = 'rebuilt' then '" ~ field.output ~ "' end") -%}
        {%- endfor %}
        {{ join_non_null(', ', edited) }} as inputs_edited_after,
        {{ join_non_null(', ', rebuilt) }} as inputs_rebuilt

    from judged

)

select
    *,
    case
        when inputs_edited_after is null then 'exact'
        {%- if strict %}
            else 'withheld'
        {%- else %}
            else 'edited_after'
        {%- endif %}
    end as input_point_in_time
from final
{%- endmacro %}
