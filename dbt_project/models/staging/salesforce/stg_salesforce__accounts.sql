with

source as (

    {{ source_columns(source('salesforce', 'account'), raw_columns('account')) }}

),

newest as (

    {{ newest_version('source') }}

),

renamed as (

    select
        {{ sf_id('id') }} as account_id,
        {{ sf_id('owner_id') }} as owner_id,
        name as account_name,
        website,
        nullif(trim(industry), '') as industry,
        type as account_type,
        number_of_employees,
        annual_revenue,
        description as account_description,
        billing_country,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at

    from newest

)

select * from renamed
