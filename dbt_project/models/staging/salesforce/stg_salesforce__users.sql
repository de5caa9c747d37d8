with

source as (

    {{ source_columns(source('salesforce', 'user'), raw_columns('user')) }}

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
