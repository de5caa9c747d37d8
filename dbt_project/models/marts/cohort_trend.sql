-- One sentence per model and version on the stability of its quality: the weighted
-- least-squares slope of the cohorts' ROC AUC over the cohort index (weights 1 / SE^2 from
-- cohort_metrics), its standard error and z. |z| >= 1.96: the AUC got better or worse beyond
-- noise; below: it stayed within noise. Fewer than three cohorts with a measurable AUC (and a
-- non-zero SE): not measurable.
{%- set z = 1.96 %}
with

cohorts as (

    select * from {{ ref('cohort_metrics') }}

),

indexed as (

    select
        model,
        model_version,
        cohort_grain,
        cohort_start,
        roc_auc,
        cast(dense_rank() over (
            partition by model, model_version order by cohort_start
        ) - 1 as {{ type_double() }}) as cohort_index,
        case when roc_auc_se > 0 then 1.0 / (roc_auc_se * roc_auc_se) end as weight

    from cohorts

),

usable as (

    select * from indexed
    where roc_auc is not null and weight is not null

),

means as (

    select
        model,
        model_version,
        count(*) as cohorts_measured,
        sum(weight * cohort_index) / sum(weight) as index_mean,
        sum(weight * roc_auc) / sum(weight) as auc_mean

    from usable
    group by model, model_version

),

sums as (

    select
        usable.model,
        usable.model_version,
        sum(
            usable.weight * (usable.cohort_index - means.index_mean)
            * (usable.roc_auc - means.auc_mean)
        ) as cross_sum,
        sum(
            usable.weight * (usable.cohort_index - means.index_mean)
            * (usable.cohort_index - means.index_mean)
        ) as spread_sum

    from usable
    inner join means
        on
            usable.model = means.model
            and usable.model_version = means.model_version
    group by usable.model, usable.model_version

),

ends as (

    select
        model,
        model_version,
        max(cohort_grain) as cohort_grain,
        count(*) as cohorts,
        min(cohort_start) as first_cohort_start,
        max(cohort_start) as last_cohort_start,
        max(case when measured_rank_up = 1 then roc_auc end) as first_cohort_auc,
        max(case when measured_rank_down = 1 then roc_auc end) as last_cohort_auc

    from (
        select
            *,
            case when roc_auc is not null then row_number() over (
                        partition by model, model_version
                        order by case when roc_auc is null then 1 else 0 end, cohort_start
                    )
            end as measured_rank_up,
            case when roc_auc is not null then row_number() over (
                        partition by model, model_version
                        order by case when roc_auc is null then 1 else 0 end, cohort_start desc
                    )
            end as measured_rank_down
        from indexed
    ) as with_ranks
    group by model, model_version

),

slopes as (

    select
        ends.*,
        coalesce(means.cohorts_measured, 0) as cohorts_measured,
        case
            when means.cohorts_measured >= 3 and sums.spread_sum > 0
                then sums.cross_sum / sums.spread_sum
        end as auc_slope,
        case
            when means.cohorts_measured >= 3 and sums.spread_sum > 0
                then sqrt(1.0 / sums.spread_sum)
        end as auc_slope_se

    from ends
    left join means
        on
            ends.model = means.model
            and ends.model_version = means.model_version
    left join sums
        on
            ends.model = sums.model
            and ends.model_version = sums.model_version

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(cohort_grain as {{ dbt.type_string() }}) as cohort_grain,
        cast(cohorts as {{ dbt.type_bigint() }}) as cohorts,
        cast(cohorts_measured as {{ dbt.type_bigint() }}) as cohorts_measured,
        first_cohort_start,
        last_cohort_start,
        cast(first_cohort_auc as {{ type_double() }}) as first_cohort_auc,
        cast(last_cohort_auc as {{ type_double() }}) as last_cohort_auc,
        cast(auc_slope as {{ type_double() }}) as auc_slope,
        cast(auc_slope_se as {{ type_double() }}) as auc_slope_se,
        cast(auc_slope / auc_slope_se as {{ type_double() }}) as auc_slope_z,
        cast(
            case
                when auc_slope is null then 'not measurable'
                when auc_slope / auc_slope_se >= {{ z }} then 'better'
                when auc_slope / auc_slope_se <= -{{ z }} then 'worse'
                else 'within noise'
            end as {{ dbt.type_string() }}
        ) as stability

    from slopes

)

select * from final
