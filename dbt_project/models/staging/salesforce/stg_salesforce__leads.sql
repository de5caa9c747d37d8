with

source as (

    {{ source_columns(source('salesforce', 'lead'), raw_columns('lead')) }}

),

newest as (

    {{ newest_version('source') }}

),

renamed as (

    select
        {{ sf_id('id') }} as lead_id,
        {{ sf_id('converted_account_id') }} as converted_account_id,
        {{ sf_id('converted_contact_id') }} as converted_contact_id,
        {{ sf_id('converted_opportunity_id') }} as converted_opportunity_id,
        {{ sf_id('owner_id') }} as owner_id,
        first_name,
        last_name,
        company,
        email,
        title,
        industry,
        lead_source,
        status as lead_status,
        coalesce(is_converted, false) as is_converted,
        converted_date,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at

    from newest

)

select * from renamed
