-- OpportunityStage may be absent (Data Exports lack it) or empty: then this view has no rows.
with

source as (

    {{ source_columns(source('salesforce', 'opportunity_stage'), raw_columns('opportunity_stage')) }}

),

newest as (

    {{ newest_version('source', has_is_deleted=false) }}

),

renamed as (

    select
        {{ sf_id('id') }} as opportunity_stage_id,
        master_label as stage_name,
        sort_order,
        coalesce(is_active, true) as is_active,
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        default_probability,
        forecast_category_name,
        created_date as created_at,
        last_modified_date as last_modified_at,
        system_modstamp as system_modified_at

    from newest

)

select * from renamed
