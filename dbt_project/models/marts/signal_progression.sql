-- Which business-context patterns go with progression: per model and taxonomy signal found
-- in the model's reasoning or lists, how many decided contacts carried it and how many of
-- them the AEs progressed, against the model's base rate.
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}

),

signals as (

    select * from {{ ref('int_qualification_signals') }}

),

base_rates as (

    select
        model,
        model_version,
        sum(case when ae_progressed then 1 else 0 end) as progressed_contacts,
        sum(case when is_decided then 1 else 0 end) as decided_contacts

    from outcomes
    group by model, model_version

),

tagged as (

    select
        signals.model,
        signals.model_version,
        signals.signal,
        signals.polarity,
        signals.category,
        outcomes.is_pending,
        outcomes.is_decided,
        outcomes.is_qualified,
        outcomes.ae_progressed,
        outcomes.qualification_score

    from signals
    inner join outcomes
        on
            signals.contact_id = outcomes.contact_id
            and signals.model = outcomes.model
            and signals.model_version = outcomes.model_version

),

counted as (

    select
        model,
        model_version,
        signal,
        polarity,
        category,
        count(*) as total_contacts,
        sum(case when is_decided then 0 else 1 end) as pending_contacts,
        sum(case when is_decided then 1 else 0 end) as decided_contacts,
        sum(case when ae_progressed then 1 else 0 end) as progressed_contacts,
        sum(case when is_qualified then 1 else 0 end) as model_qualified,
        avg(qualification_score) as mean_score

    from tagged
    group by model, model_version, signal, polarity, category

),

final as (

    select
        cast(counted.model as {{ dbt.type_string() }}) as model,
        cast(counted.model_version as {{ dbt.type_string() }}) as model_version,
        cast(counted.signal as {{ dbt.type_string() }}) as signal,
        cast(counted.polarity as {{ dbt.type_string() }}) as polarity,
        cast(counted.category as {{ dbt.type_string() }}) as category,
        cast(counted.total_contacts as {{ dbt.type_bigint() }}) as total_contacts,
        cast(counted.pending_contacts as {{ dbt.type_bigint() }}) as pending_contacts,
        cast(counted.decided_contacts as {{ dbt.type_bigint() }}) as decided_contacts,
        cast(counted.progressed_contacts as {{ dbt.type_bigint() }}) as progressed_contacts,
        cast(counted.model_qualified as {{ dbt.type_bigint() }}) as model_qualified,
        cast(counted.mean_score as {{ type_double() }}) as mean_score,
        {{ safe_ratio('counted.progressed_contacts', 'counted.decided_contacts') }} as progression_rate,
        {{ safe_ratio('base_rates.progressed_contacts', 'base_rates.decided_contacts') }} as base_rate,
        case
            when counted.decided_contacts > 0 and base_rates.progressed_contacts > 0
                then (cast(counted.progressed_contacts as {{ type_double() }}) / counted.decided_contacts)
                    / (cast(base_rates.progressed_contacts as {{ type_double() }}) / base_rates.decided_contacts)
        end as lift

    from counted
    inner join base_rates
        on counted.model = base_rates.model and counted.model_version = base_rates.model_version

)

select * from final
