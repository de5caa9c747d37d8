-- Calibration and lift by score bin over decided (not pending, not undetermined) contacts, per model.
-- Bins are cut on distinct-score boundaries: contacts with the same score always share a
-- bin (ntile would split a tie between deciles arbitrarily). A contact's bin is decided by
-- how many contacts score strictly lower (floor(10 * lower / n) + 1), then bins are
-- numbered densely, so coarse scores give fewer than ten bins (score_bins says how many).
-- The highest bin holds the highest scores; cumulative gain counts from the top bin down.
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}
    where is_decided

),

positioned as (

    select
        model,
        model_version,
        qualification_score,
        case when ae_progressed then 1 else 0 end as label,
        rank() over (partition by model, model_version order by qualification_score) - 1 as lower_contacts,
        count(*) over (partition by model, model_version) as scored_contacts

    from outcomes

),

cut as (

    select
        *,
        cast(floor(10.0 * lower_contacts / scored_contacts) as {{ dbt.type_bigint() }}) + 1 as raw_bin

    from positioned

),

bucketed as (

    select
        *,
        dense_rank() over (partition by model, model_version order by raw_bin) as score_decile

    from cut

),

bins as (

    select
        model,
        model_version,
        count(distinct raw_bin) as score_bins

    from bucketed
    group by model, model_version

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

deciles_binned as (

    select
        deciles.*,
        bins.score_bins

    from deciles
    inner join bins
        on deciles.model = bins.model and deciles.model_version = bins.model_version

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

    from deciles_binned

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(score_decile as {{ dbt.type_bigint() }}) as score_decile,
        cast(score_bins as {{ dbt.type_bigint() }}) as score_bins,
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
