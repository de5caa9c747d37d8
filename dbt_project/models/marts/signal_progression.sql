-- Which business-context patterns go with progression: per model and taxonomy signal found
-- in the model's reasoning or lists, how many decided contacts carried it and how many of
-- them the AEs progressed, against the model's base rate: the progression rate and its lift
-- over the base rate, each with a Wilson 95% interval (the lift's is the rate's interval
-- divided by the base rate); lift_rank orders a model's signals on decided contacts by lift.
{%- set z = 1.96 %}
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

rated as (

    select
        counted.*,
        base_rates.progressed_contacts as base_progressed_contacts,
        base_rates.decided_contacts as base_decided_contacts,
        {{ safe_ratio('base_rates.progressed_contacts', 'base_rates.decided_contacts') }} as base_rate,
        case
            when counted.decided_contacts > 0 and base_rates.progressed_contacts > 0
                then (cast(counted.progressed_contacts as {{ type_double() }}) / counted.decided_contacts)
                    / (cast(base_rates.progressed_contacts as {{ type_double() }}) / base_rates.decided_contacts)
        end as lift

    from counted
    inner join base_rates
        on counted.model = base_rates.model and counted.model_version = base_rates.model_version

),

intervals as (

    select
        *,
        {{ wilson_bound('progressed_contacts', 'decided_contacts', z, 'lower') }} as progression_ci_low,
        {{ wilson_bound('progressed_contacts', 'decided_contacts', z, 'upper') }} as progression_ci_high,
        case
            when decided_contacts > 0
                then row_number() over (
                        partition by model, model_version, case when decided_contacts > 0 then 1 else 0 end
                        order by lift desc nulls last, signal asc, polarity asc
                    )
        end as lift_rank

    from rated

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(signal as {{ dbt.type_string() }}) as signal,
        cast(polarity as {{ dbt.type_string() }}) as polarity,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(total_contacts as {{ dbt.type_bigint() }}) as total_contacts,
        cast(pending_contacts as {{ dbt.type_bigint() }}) as pending_contacts,
        cast(decided_contacts as {{ dbt.type_bigint() }}) as decided_contacts,
        cast(progressed_contacts as {{ dbt.type_bigint() }}) as progressed_contacts,
        cast(model_qualified as {{ dbt.type_bigint() }}) as model_qualified,
        {{ safe_ratio('model_qualified', 'total_contacts') }} as qualification_rate,
        cast(mean_score as {{ type_double() }}) as mean_score,
        {{ safe_ratio('progressed_contacts', 'decided_contacts') }} as progression_rate,
        progression_ci_low,
        progression_ci_high,
        base_rate,
        lift,
        case when base_rate > 0 then progression_ci_low / base_rate end as lift_ci_low,
        case when base_rate > 0 then progression_ci_high / base_rate end as lift_ci_high,
        cast(lift_rank as {{ dbt.type_bigint() }}) as lift_rank

    from intervals

)

select * from final
