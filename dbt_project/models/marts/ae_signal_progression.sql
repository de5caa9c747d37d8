-- What the AEs write: per model and signal of the taxonomy found in the AE notes of an
-- opportunity (description, next step, loss reason, custom fields), how many of the model's
-- opportunities (of contacts not pending) carry it and how many of those progressed beyond
-- Stage 1. An opportunity counts once whatever number of contacts it is attributed to; its
-- notes count where at least one of them is linked to it (not by the account window alone),
-- as in deal_progressions' has_ae_reasoning. signal_rank orders the signals by progressed
-- opportunities, then opportunities.
with

deals as (

    select * from {{ ref('deal_progressions') }}
    where not is_pending

),

ae_signals as (

    select * from {{ ref('int_opportunity_signals') }}

),

opportunities as (

    select
        model,
        model_version,
        opportunity_id,
        max(case when beyond_stage_one then 1 else 0 end) as is_progressed

    from deals
    group by model, model_version, opportunity_id
    having max(case when has_ae_reasoning then 1 else 0 end) = 1

),

tagged as (

    select distinct
        opportunities.model,
        opportunities.model_version,
        opportunities.opportunity_id,
        opportunities.is_progressed,
        ae_signals.signal,
        ae_signals.polarity

    from opportunities
    inner join ae_signals
        on opportunities.opportunity_id = ae_signals.opportunity_id

),

counted as (

    select
        model,
        model_version,
        signal,
        polarity,
        count(*) as opportunities,
        sum(is_progressed) as progressed_opportunities

    from tagged
    group by model, model_version, signal, polarity

),

ranked as (

    select
        *,
        row_number() over (
            partition by model, model_version
            order by progressed_opportunities desc, opportunities desc, signal asc, polarity asc
        ) as signal_rank

    from counted

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(signal_rank as {{ dbt.type_bigint() }}) as signal_rank,
        cast(signal as {{ dbt.type_string() }}) as signal,
        cast(polarity as {{ dbt.type_string() }}) as polarity,
        cast(opportunities as {{ dbt.type_bigint() }}) as opportunities,
        cast(progressed_opportunities as {{ dbt.type_bigint() }}) as progressed_opportunities,
        {{ safe_ratio('progressed_opportunities', 'opportunities') }} as progression_rate

    from ranked

)

select * from final
