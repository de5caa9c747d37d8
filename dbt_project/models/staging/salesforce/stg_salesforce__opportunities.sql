{#- The AE reasoning fields (var ae_reasoning_fields) are kept under their raw names; a
    configured field missing from the raw table is null. -#}
{%- set columns = raw_columns('opportunity') -%}
{%- set extra_fields = [] -%}
{%- for field in var('ae_reasoning_fields') if (field | lower) not in columns -%}
    {%- do extra_fields.append(field | lower) -%}
{%- endfor -%}
{%- for name in extra_fields -%}
    {%- do columns.update({name: 'string'}) -%}
{%- endfor -%}

with

source as (

    {{ source_columns(source('salesforce', 'opportunity'), columns) }}

),

newest as (

    {{ newest_version('source') }}

),

renamed as (

    select
        {{ sf_id('id') }} as opportunity_id,
        {{ sf_id('account_id') }} as account_id,
        {{ sf_id('owner_id') }} as owner_id,
        {{ sf_id('contact_id') }} as contact_id,
        name as opportunity_name,
        stage_name,
        stage_sort_order,
        amount,
        upper(nullif(trim(currency_iso_code), '')) as currency_iso_code,
        probability,
        close_date,
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        type as opportunity_type,
        lead_source,
        description,
        next_step,
        {%- for name in extra_fields %}
            {{ name }},
        {%- endfor %}
        created_date as created_at,
        last_stage_change_date as last_stage_changed_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at

    from newest

)

select * from renamed
