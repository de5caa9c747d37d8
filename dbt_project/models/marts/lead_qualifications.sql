-- The seed's lead_qualifications: one row per contact in the window, model and model version
-- scored (status ok) for as_of.
with

qualifications as (

    select * from {{ ref('int_qualifications_windowed') }}

),

contacts as (

    select * from {{ ref('int_contacts_windowed') }}

),

final as (

    select
        cast(qualifications.contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(qualifications.model as {{ dbt.type_string() }}) as model,
        cast(qualifications.model_version as {{ dbt.type_string() }}) as model_version,
        cast(contacts.contact_name as {{ dbt.type_string() }}) as contact_name,
        cast(contacts.account_name as {{ dbt.type_string() }}) as company_name,
        cast(qualifications.score as {{ type_double() }}) as qualification_score,
        qualifications.is_qualified,
        qualifications.confidence,
        qualifications.industries,
        qualifications.use_cases,
        qualifications.enterprise_indicators,
        qualifications.reasoning,
        qualifications.business_signals,
        qualifications.domain,
        qualifications.domain_source,
        qualifications.as_of,
        qualifications.scored_at,
        cast(qualifications.input_point_in_time as {{ dbt.type_string() }}) as input_point_in_time,
        cast(qualifications.inputs_edited_after as {{ dbt.type_string() }}) as inputs_edited_after

    from qualifications
    inner join contacts
        on qualifications.contact_id = contacts.contact_id

)

select * from final
