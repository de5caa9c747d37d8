with

source as (

    {{ source_columns(source('salesforce', 'user'), {
        'id': 'id', 'name': 'string', 'first_name': 'string', 'last_name': 'string',
        'email': 'string', 'title': 'string', 'department': 'string', 'is_active': 'bool',
        'created_date': 'datetime', 'last_modified_date': 'datetime',
        'system_modstamp': 'datetime', '_dlt_load_id': 'string',
    }) }}

),

newest as (

    {{ newest_version('source', has_is_deleted=false) }}

),

renamed as (

    select
        {{ sf_id('id') }} as user_id,
        coalesce(
            nullif(trim(name), ''),
            nullif(trim({{ join_non_null(' ', ['first_name', 'last_name']) }}), '')
        ) as user_name,
        email,
        title,
        department,
        is_active,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at

    from newest

)

select * from renamed
