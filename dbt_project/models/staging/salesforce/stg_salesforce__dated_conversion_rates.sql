-- DatedConversionRate: present only with advanced currency management; otherwise no rows.
with

source as (

    {{ source_columns(source('salesforce', 'dated_conversion_rate'), raw_columns('dated_conversion_rate')) }}

),

newest as (

    {{ newest_version('source', has_is_deleted=false) }}

),

renamed as (

    select
        {{ sf_id('id') }} as dated_conversion_rate_id,
        upper(trim(iso_code)) as iso_code,
        conversion_rate,
        start_date,
        next_start_date,
        system_modstamp as system_modified_at

    from newest

)

select * from renamed
