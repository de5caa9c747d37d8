{#- AE reasoning of every attributed opportunity: the configured fields (var
    ae_reasoning_fields), HTML stripped, whitespace folded, joined with " | ". -#}
{%- set fields = [] -%}
{%- set cleaned_columns = [] -%}
{%- set labelled = [] -%}
{%- for field in var('ae_reasoning_fields') -%}
    {%- set name = field | lower -%}
    {%- set label = (name[:-2] if name.endswith('_c') else name) | replace('_', ' ') | capitalize -%}
    {%- do fields.append(name) -%}
    {%- do cleaned_columns.append(clean_text('opportunities.' ~ name) ~ ' as ' ~ name) -%}
    {%- do labelled.append(
        'case when ' ~ name ~ ' is not null then ' ~ dbt.concat(["'" ~ label ~ ": '", name]) ~ ' end'
    ) -%}
{%- endfor -%}
{%- if fields | length == 0 -%}
    {%- do cleaned_columns.append('cast(null as ' ~ dbt.type_string() ~ ') as no_reasoning_field') -%}
    {%- do fields.append('no_reasoning_field') -%}
    {%- do labelled.append('no_reasoning_field') -%}
{%- endif -%}

with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

attributed as (

    select distinct opportunity_id from {{ ref('int_contact_opportunities_attributed') }}

),

cleaned as (

    select
        opportunities.opportunity_id,
        {{ cleaned_columns | join(',\n        ') }}

    from opportunities
    inner join attributed
        on opportunities.opportunity_id = attributed.opportunity_id

),

final as (

    select
        *,
        {{ join_non_null(' | ', labelled) }} as ae_reasoning,
        lower({{ join_non_null(' | ', fields) }}) as ae_reasoning_text

    from cleaned

)

select
    *,
    ae_reasoning_text is not null as has_ae_text
from final
