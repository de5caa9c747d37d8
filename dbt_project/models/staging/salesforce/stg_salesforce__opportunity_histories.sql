with

source as (

    {{ source_columns(source('salesforce', 'opportunity_history'), raw_columns('opportunity_history')) }}

),

newest as (

    {{ newest_version('source') }}

),

renamed as (

    select
        {{ sf_id('id') }} as opportunity_history_id,
        {{ sf_id('opportunity_id') }} as opportunity_id,
        {{ sf_id('created_by_id') }} as created_by_id,
        stage_name,
        amount,
        probability,
        close_date,
        created_date as created_at,
        system_modstamp as system_modified_at

    from newest

)

select * from renamed
