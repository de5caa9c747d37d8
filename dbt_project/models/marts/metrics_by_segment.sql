-- The confusion matrix and rates per segment: account industry, the model's industries and
-- use cases (a contact counts in each listed item), confidence, company size band and class
-- (the seed's enterprise: 1,000+ employees; small business: under 200), lead source and AE
-- owner (the contact's owner). Missing values form the segment 'unknown'.
-- Progression rates carry their Wilson 95% interval; recall_rank_in_type ranks the segments
-- of a type with at least 10 progressed contacts from the lowest recall up.
{%- set z = 1.96 %}
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}

),

contacts as (

    select * from {{ ref('int_contacts_windowed') }}

),

qualifications as (

    select * from {{ ref('int_qualifications_windowed') }}

),

described as (

    select
        outcomes.*,
        contacts.account_industry,
        contacts.company_size_band,
        contacts.number_of_employees,
        contacts.lead_source,
        contacts.owner_name

    from outcomes
    inner join contacts
        on outcomes.contact_id = contacts.contact_id

),

list_items as (

    select
        contact_id,
        model,
        model_version,
        'model_industry' as segment_type,
        {{ split_list_items('industries') }} as segment_value

    from qualifications
    where industries is not null

    union all

    select
        contact_id,
        model,
        model_version,
        'use_case' as segment_type,
        {{ split_list_items('use_cases') }} as segment_value

    from qualifications
    where use_cases is not null

),

list_segments as (

    select distinct
        contact_id,
        model,
        model_version,
        segment_type,
        trim(segment_value) as segment_value

    from list_items
    where trim(segment_value) <> ''

),

segments as (

    select
        described.*,
        'account_industry' as segment_type,
        coalesce(described.account_industry, 'unknown') as segment_value
    from described

    union all

    select
        described.*,
        'confidence' as segment_type,
        coalesce(described.confidence, 'unknown') as segment_value
    from described

    union all

    select
        described.*,
        'company_size_band' as segment_type,
        described.company_size_band as segment_value
    from described

    union all

    select
        described.*,
        'company_size_class' as segment_type,
        case
            when described.number_of_employees >= 1000 then 'enterprise'
            when described.number_of_employees >= 200 then 'mid_market'
            when described.number_of_employees is not null then 'small_business'
            else 'unknown'
        end as segment_value
    from described

    union all

    select
        described.*,
        'lead_source' as segment_type,
        coalesce(described.lead_source, 'unknown') as segment_value
    from described

    union all

    select
        described.*,
        'ae_owner' as segment_type,
        coalesce(described.owner_name, 'unknown') as segment_value
    from described

    union all

    select
        described.*,
        list_segments.segment_type,
        list_segments.segment_value
    from described
    inner join list_segments
        on
            described.contact_id = list_segments.contact_id
            and described.model = list_segments.model
            and described.model_version = list_segments.model_version

),

counted as (

    select
        model,
        model_version,
        segment_type,
        segment_value,
        count(*) as total_contacts,
        sum(case when is_decided then 0 else 1 end) as pending_contacts,
        sum(case when is_qualified then 1 else 0 end) as model_qualified,
        sum(case when ae_progressed then 1 else 0 end) as progressed_contacts,
        {{ confusion_counts('outcome') }},
        avg(qualification_score) as mean_score

    from segments
    group by model, model_version, segment_type, segment_value

),

ranked as (

    select
        *,
        total_contacts - pending_contacts as decided_contacts,
        {{ safe_ratio('true_positives', 'true_positives + false_negatives') }} as segment_recall

    from counted

),

recall_ranked as (

    select
        *,
        case
            when true_positives + false_negatives >= 10
                then row_number() over (
                        partition by
                            model, model_version, segment_type,
                            case when true_positives + false_negatives >= 10 then 1 else 0 end
                        order by segment_recall asc, segment_value asc
                    )
        end as recall_rank_in_type

    from ranked

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment_value as {{ dbt.type_string() }}) as segment_value,
        cast(total_contacts as {{ dbt.type_bigint() }}) as total_contacts,
        cast(pending_contacts as {{ dbt.type_bigint() }}) as pending_contacts,
        cast(model_qualified as {{ dbt.type_bigint() }}) as model_qualified,
        cast(progressed_contacts as {{ dbt.type_bigint() }}) as progressed_contacts,
        cast(true_positives as {{ dbt.type_bigint() }}) as true_positives,
        cast(false_positives as {{ dbt.type_bigint() }}) as false_positives,
        cast(true_negatives as {{ dbt.type_bigint() }}) as true_negatives,
        cast(false_negatives as {{ dbt.type_bigint() }}) as false_negatives,
        cast(decided_contacts as {{ dbt.type_bigint() }}) as decided_contacts,
        cast(mean_score as {{ type_double() }}) as mean_score,
        {{ safe_ratio('model_qualified', 'total_contacts') }} as qualification_rate,
        {{ safe_ratio('progressed_contacts', 'decided_contacts') }} as progression_rate,
        {{ wilson_bound('progressed_contacts', 'decided_contacts', z, 'lower') }} as progression_ci_low,
        {{ wilson_bound('progressed_contacts', 'decided_contacts', z, 'upper') }} as progression_ci_high,
        {{ safe_ratio('true_positives + true_negatives', 'decided_contacts') }} as segment_accuracy,
        {{ safe_ratio('true_positives', 'true_positives + false_positives') }} as segment_precision,
        segment_recall,
        cast(recall_rank_in_type as {{ dbt.type_bigint() }}) as recall_rank_in_type

    from recall_ranked

)

select * from final
