with

source as (

    {{ source_columns(source('salesforce', 'opportunity_contact_role'), raw_columns('opportunity_contact_role')) }}

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
