-- Calibration and lift by score decile over decided (not pending, not undetermined) contacts, per model.
-- Decile 10 holds the highest scores; cumulative gain counts from the top decile down.
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}
    where is_decided

),

bucketed as (

    select
        model,
        model_version,
        qualification_score,
        case when ae_progressed then 1 else 0 end as label,
        ntile(10) over (partition by model, model_version order by qualification_score, contact_id) as score_decile

    from outcomes

),

deciles as (

    select
        model,
        model_version,
        score_decile,
        count(*) as contacts,
        sum(label) as progressed_contacts,
        min(qualification_score) as min_score,
        max(qualification_score) as max_score,
        avg(qualification_score) as mean_score

    from bucketed
    group by model, model_version, score_decile

),

totals as (

    select
        *,
        sum(contacts) over (partition by model, model_version) as model_contacts,
        sum(progressed_contacts) over (partition by model, model_version) as model_progressed,
        sum(contacts) over (
            partition by model, model_version order by score_decile desc
            rows between unbounded preceding and current row
        ) as cumulative_contacts,
        sum(progressed_contacts) over (
            partition by model, model_version order by score_decile desc
            rows between unbounded preceding and current row
        ) as cumulative_progressed

    from deciles

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(score_decile as {{ dbt.type_bigint() }}) as score_decile,
        cast(contacts as {{ dbt.type_bigint() }}) as contacts,
        cast(progressed_contacts as {{ dbt.type_bigint() }}) as progressed_contacts,
        cast(min_score as {{ type_double() }}) as min_score,
        cast(max_score as {{ type_double() }}) as max_score,
        cast(mean_score as {{ type_double() }}) as mean_score,
        {{ safe_ratio('progressed_contacts', 'contacts') }} as progression_rate,
        cast(mean_score as {{ type_double() }}) - {{ safe_ratio('progressed_contacts', 'contacts') }} as calibration_gap,
        case
            when model_progressed > 0
                then (cast(progressed_contacts as {{ type_double() }}) / contacts)
                    / (cast(model_progressed as {{ type_double() }}) / model_contacts)
        end as lift,
        {{ safe_ratio('cumulative_contacts', 'model_contacts') }} as cumulative_contacts_share,
        {{ safe_ratio('cumulative_progressed', 'model_progressed') }} as cumulative_gain

    from totals

)

select * from final
