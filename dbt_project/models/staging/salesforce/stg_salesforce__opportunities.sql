{#- The AE reasoning fields (var ae_reasoning_fields) are kept under their raw names; a
    configured field missing from the raw table is null. -#}
{%- set columns = {
    'id': 'id', 'account_id': 'id', 'name': 'string', 'stage_name': 'string',
    'stage_sort_order': 'int', 'amount': 'double', 'probability': 'double',
    'close_date': 'date', 'is_closed': 'bool', 'is_won': 'bool', 'type': 'string',
    'lead_source': 'string', 'description': 'string', 'next_step': 'string',
    'contact_id': 'id', 'last_stage_change_date': 'datetime',
    'owner_id': 'id', 'is_deleted': 'bool', 'created_date': 'datetime',
    'last_modified_date': 'datetime', 'system_modstamp': 'datetime',
    '_dlt_load_id': 'string', 'currency_iso_code': 'string',
} -%}
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
