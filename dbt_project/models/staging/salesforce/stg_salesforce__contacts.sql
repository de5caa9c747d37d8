with

source as (

    {{ source_columns(source('salesforce', 'contact'), raw_columns('contact')) }}

),

newest as (

    {{ newest_version('source') }}

),

renamed as (

    select
        {{ sf_id('id') }} as contact_id,
        {{ sf_id('account_id') }} as account_id,
        {{ sf_id('owner_id') }} as owner_id,
        first_name,
        last_name,
        coalesce(
            nullif(trim(name), ''),
            nullif(trim({{ join_non_null(' ', ['first_name', 'last_name']) }}), '')
        ) as contact_name,
        email,
        title,
        nullif(trim(lead_source), '') as lead_source,
        mailing_country,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at

    from newest

)

select * from renamed
