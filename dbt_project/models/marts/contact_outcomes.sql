-- One row per contact in the window, model and model version: the model's decision against
-- the AE outcome. Pending and undetermined contacts are shown but carry no label
-- (ae_progressed is null) and stay out of the confusion matrix.
with

qualifications as (

    select * from {{ ref('int_qualifications_windowed') }}

),

contacts as (

    select * from {{ ref('int_contacts_progressed') }}

),

joined as (

    select
        qualifications.contact_id,
        qualifications.model,
        qualifications.model_version,
        qualifications.as_of,
        contacts.created_at as contact_created_at,
        contacts.contact_age_days,
        qualifications.score,
        qualifications.is_qualified,
        qualifications.confidence,
        qualifications.input_point_in_time,
        contacts.is_pending,
        contacts.is_undetermined,
        contacts.is_decided,
        contacts.unknown_stage_opportunities,
        contacts.is_progressed,
        contacts.ae_outcome,
        contacts.attributed_opportunities,
        contacts.attribution_method,
        contacts.progressed_opportunities,
        contacts.first_progressed_at,
        contacts.has_won_opportunity,
        contacts.has_late_stage_opportunity,
        contacts.has_opportunity_closed_at_stage_one

    from qualifications
    inner join contacts
        on qualifications.contact_id = contacts.contact_id

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        as_of,
        contact_created_at,
        cast(contact_age_days as {{ dbt.type_bigint() }}) as contact_age_days,
        cast(score as {{ type_double() }}) as qualification_score,
        is_qualified,
        confidence,
        cast(input_point_in_time as {{ dbt.type_string() }}) as input_point_in_time,
        case when is_decided then is_progressed end as ae_progressed,
        is_pending,
        is_undetermined,
        is_decided,
        ae_outcome,
        case
            when is_undetermined then 'undetermined'
            when is_pending then 'pending'
            when is_qualified and is_progressed then 'TP'
            when is_qualified then 'FP'
            when is_progressed then 'FN'
            else 'TN'
        end as outcome,
        attributed_opportunities,
        attribution_method,
        progressed_opportunities,
        unknown_stage_opportunities,
        first_progressed_at,
        has_won_opportunity,
        has_late_stage_opportunity,
        has_opportunity_closed_at_stage_one

    from joined

)

select * from final
