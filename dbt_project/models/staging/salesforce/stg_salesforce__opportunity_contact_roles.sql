with

source as (

    {{ source_columns(source('salesforce', 'opportunity_contact_role'), {
        'id': 'id', 'opportunity_id': 'id', 'contact_id': 'id', 'role': 'string',
        'is_primary': 'bool', 'is_deleted': 'bool', 'created_date': 'datetime',
        'last_modified_date': 'datetime', 'system_modstamp': 'datetime',
        '_dlt_load_id': 'string',
    }) }}

),

newest as (

    {{ newest_version('source') }}

),

renamed as (

    select
        {{ sf_id('id') }} as opportunity_contact_role_id,
        {{ sf_id('opportunity_id') }} as opportunity_id,
        {{ sf_id('contact_id') }} as contact_id,
        role as contact_role,
        coalesce(is_primary, false) as is_primary,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at

    from newest

)

select * from renamed
