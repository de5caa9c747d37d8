-- The ROC and precision-recall curves of each model, point by point, over decided (not
-- pending, not undetermined) contacts: every distinct score is a threshold (contacts with
-- the same score form one step, as in backtest_summary's roc_auc and average_precision),
-- walked from the highest score down. Point 0 is the origin: no contact qualified yet; on the
-- precision-recall curve it sits at recall 0 with the first threshold's precision. Models
-- without a progressed decided contact have no points (neither curve exists); the ROC
-- columns are null when no decided contact was left unprogressed.
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}
    where is_decided and qualification_score is not null

),

score_groups as (

    select
        model,
        model_version,
        qualification_score as score_threshold,
        count(*) as contacts_at_score,
        sum(case when ae_progressed then 1 else 0 end) as progressed_at_score

    from outcomes
    group by model, model_version, qualification_score

),

cumulative as (

    select
        model,
        model_version,
        score_threshold,
        contacts_at_score,
        progressed_at_score,
        row_number() over (
            partition by model, model_version order by score_threshold desc
        ) as point_rank,
        sum(progressed_at_score) over (
            partition by model, model_version order by score_threshold desc
            rows between unbounded preceding and current row
        ) as true_positives,
        sum(contacts_at_score - progressed_at_score) over (
            partition by model, model_version order by score_threshold desc
            rows between unbounded preceding and current row
        ) as false_positives,
        sum(progressed_at_score) over (partition by model, model_version) as positives,
        sum(contacts_at_score - progressed_at_score) over (partition by model, model_version) as negatives

    from score_groups

),

thresholds as (

    select
        *,
        cast(true_positives as {{ type_double() }}) / (true_positives + false_positives) as curve_precision

    from cumulative
    where positives > 0

),

origins as (

    select
        model,
        model_version,
        0 as point_rank,
        cast(null as {{ type_double() }}) as score_threshold,
        0 as contacts_at_score,
        0 as progressed_at_score,
        0 as true_positives,
        0 as false_positives,
        positives,
        negatives,
        curve_precision

    from thresholds
    where point_rank = 1

),

points as (

    select
        model,
        model_version,
        point_rank,
        score_threshold,
        contacts_at_score,
        progressed_at_score,
        true_positives,
        false_positives,
        positives,
        negatives,
        curve_precision

    from thresholds

    union all

    select * from origins

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(point_rank as {{ dbt.type_bigint() }}) as point_rank,
        cast(score_threshold as {{ type_double() }}) as score_threshold,
        cast(contacts_at_score as {{ dbt.type_bigint() }}) as contacts_at_score,
        cast(progressed_at_score as {{ dbt.type_bigint() }}) as progressed_at_score,
        cast(true_positives as {{ dbt.type_bigint() }}) as true_positives,
        cast(false_positives as {{ dbt.type_bigint() }}) as false_positives,
        {{ safe_ratio('false_positives', 'negatives') }} as curve_false_positive_rate,
        {{ safe_ratio('true_positives', 'positives') }} as curve_recall,
        cast(curve_precision as {{ type_double() }}) as curve_precision

    from points

)

select * from final
