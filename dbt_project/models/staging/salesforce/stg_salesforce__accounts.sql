with

source as (

    {{ source_columns(source('salesforce', 'account'), {
        'id': 'id', 'name': 'string', 'website': 'string', 'industry': 'string',
        'type': 'string', 'number_of_employees': 'int', 'annual_revenue': 'double',
        'description': 'string', 'billing_country': 'string', 'owner_id': 'id',
        'is_deleted': 'bool', 'created_date': 'datetime', 'last_modified_date': 'datetime',
        'system_modstamp': 'datetime', '_dlt_load_id': 'string',
    }) }}

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
