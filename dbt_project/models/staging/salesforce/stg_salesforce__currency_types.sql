-- CurrencyType: present only in multi-currency orgs; otherwise this view has no rows.
with

source as (

    {{ source_columns(source('salesforce', 'currency_type'), raw_columns('currency_type')) }}

),

newest as (

    {{ newest_version('source', has_is_deleted=false) }}

),

renamed as (

    select
        {{ sf_id('id') }} as currency_type_id,
        upper(trim(iso_code)) as iso_code,
        conversion_rate,
        decimal_places,
        coalesce(is_active, true) as is_active,
        coalesce(is_corporate, false) as is_corporate,
        system_modstamp as system_modified_at

    from newest

)

select * from renamed
