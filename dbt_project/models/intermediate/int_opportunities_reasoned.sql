{#- AE reasoning of every attributed opportunity as of as_of: the configured fields (var
    ae_reasoning_fields), each rebuilt from OpportunityFieldHistory where a change after
    as_of can be undone (the old value of the first such change), HTML stripped, whitespace
    folded, joined with " | ". A field edited after as_of that no history can undo keeps its
    current text and flags the opportunity (ae_text_point_in_time 'edited_after'). -#}
{%- set fields = [] -%}
{%- for field in var('ae_reasoning_fields') -%}
    {%- do fields.append(field | lower) -%}
{%- endfor -%}
{%- set cleaned_columns = [] -%}
{%- set labelled = [] -%}
{%- set edited = [] -%}
{%- for name in fields -%}
    {%- set label = (name[:-2] if name.endswith('_c') else name) | replace('_', ' ') | capitalize -%}
    {%- do cleaned_columns.append(clean_text(name ~ '_as_of') ~ ' as ' ~ name) -%}
    {%- do labelled.append(
        'case when ' ~ name ~ ' is not null then ' ~ dbt.concat(["'" ~ label ~ ": '", name]) ~ ' end'
    ) -%}
    {%- do edited.append("case when " ~ name ~ "_point_in_time = 'edited_after' then '" ~ name ~ "' end") -%}
{%- endfor -%}
{%- if fields | length == 0 -%}
    {%- do cleaned_columns.append('cast(null as ' ~ dbt.type_string() ~ ') as no_reasoning_field') -%}
    {%- do labelled.append('no_reasoning_field') -%}
    {%- do edited.append('cast(null as ' ~ dbt.type_string() ~ ')') -%}
{%- endif -%}

with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

attributed as (

    select distinct opportunity_id from {{ ref('int_contact_opportunities_attributed') }}

),

field_history as (

    select * from {{ ref('stg_salesforce__opportunity_field_histories') }}

),

later_changes as (

    select
        field_history.opportunity_id,
        field_history.field_key,
        field_history.old_value,
        field_history.has_values,
        row_number() over (
            partition by field_history.opportunity_id, field_history.field_key
            order by field_history.changed_at asc, field_history.history_id asc
        ) as change_rank

    from field_history
    inner join attributed
        on field_history.opportunity_id = attributed.opportunity_id
    where field_history.changed_at >= {{ as_of_cutoff() }}

),

changes_by_opportunity as (

    select
        opportunity_id,
        {%- for name in fields %}
            max(case when field_key = '{{ name | replace("_", "") }}' then 1 else 0 end) = 1
                as {{ name }}_changed,
            max(case when field_key = '{{ name | replace("_", "") }}' and has_values then 1 else 0 end) = 1
                as {{ name }}_undoable,
            max(case when field_key = '{{ name | replace("_", "") }}' then old_value end) as {{ name }}_before,
        {%- endfor %}
        count(*) as later_changes

    from later_changes
    where change_rank = 1
    group by opportunity_id

),

tracking as (

    select
        {%- for name in fields %}
            max(case when field_key = '{{ name | replace("_", "") }}' then 1 else 0 end) = 1
                as {{ name }}_tracked,
        {%- endfor %}
        count(*) as history_rows

    from field_history

),

joined as (

    select
        opportunities.*,
        {%- for name in fields %}
            coalesce(changes_by_opportunity.{{ name }}_changed, false) as {{ name }}_changed,
            coalesce(changes_by_opportunity.{{ name }}_undoable, false) as {{ name }}_undoable,
            changes_by_opportunity.{{ name }}_before,
            coalesce(tracking.{{ name }}_tracked, false) as {{ name }}_tracked,
        {%- endfor %}
        tracking.history_rows

    from opportunities
    inner join attributed
        on opportunities.opportunity_id = attributed.opportunity_id
    left join changes_by_opportunity
        on opportunities.opportunity_id = changes_by_opportunity.opportunity_id
    cross join tracking

),

judged as (

    select
        *,
        {%- for name in fields %}
            {{ field_point_in_time(name, 'last_modified_at >= ' ~ as_of_cutoff()) }} as {{ name }}_point_in_time,
        {%- endfor %}
        history_rows as field_history_rows

    from joined

),

as_of_values as (

    select
        *,
        {%- for name in fields %}
            case when {{ name }}_point_in_time = 'rebuilt' then {{ name }}_before else {{ name }} end
                as {{ name }}_as_of,
        {%- endfor %}
        {{ join_non_null(', ', edited) }} as ae_fields_edited_after

    from judged

),

cleaned as (

    select
        opportunity_id,
        ae_fields_edited_after,
        {{ cleaned_columns | join(',\n        ') }}

    from as_of_values

),

final as (

    select
        *,
        {{ join_non_null(' | ', labelled) }} as ae_reasoning,
        lower({{ join_non_null(' | ', fields if fields else ['no_reasoning_field']) }}) as ae_reasoning_text

    from cleaned

)

select
    *,
    ae_reasoning_text is not null as has_ae_text,
    case when ae_fields_edited_after is null then 'exact' else 'edited_after' end as ae_text_point_in_time
from final
