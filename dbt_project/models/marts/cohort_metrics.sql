-- Is the model's quality stable over time? Per cohort (the week, or month with COHORT=month,
-- in which contacts were created), model and version: precision and recall with Wilson 95%
-- intervals and ROC AUC with the Hanley-McNeil 95% interval. Every cohort is judged at the
-- same horizon (var cohort_horizon_days, default the maturity window): a contact counts as
-- progressed when it progressed within that many days of its creation, and is judged once it
-- is that old. Judged by as_of instead, recent cohorts would look worse only because their
-- deals had less time. Left out and counted: contacts younger than the horizon, undetermined
-- ones, and progressed ones whose progression has no date.
{%- set z = 1.96 %}
{%- set horizon = days_var('cohort_horizon_days', 1) %}
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}

),

timed as (

    select
        model,
        model_version,
        contact_created_at,
        contact_age_days,
        qualification_score,
        is_qualified,
        is_undetermined
        or (progressed_opportunities > 0 and first_progressed_at is null) as is_time_unknown,
        case
            when first_progressed_at is not null
                then {{ dbt.datediff('contact_created_at', 'first_progressed_at', 'day') }}
        end as days_to_progress

    from outcomes

),

cohorted as (

    select
        model,
        model_version,
        {{ cohort_start('contact_created_at') }} as cohort_start,
        qualification_score as score,
        is_qualified,
        contact_age_days >= {{ horizon }} and not is_time_unknown as is_judged,
        case when days_to_progress <= {{ horizon }} then 1 else 0 end as label

    from timed

),

counts as (

    select
        model,
        model_version,
        cohort_start,
        count(*) as contacts,
        sum(case when is_qualified then 1 else 0 end) as qualified,
        sum(case when is_judged then 1 else 0 end) as judged,
        sum(case when is_judged then label else 0 end) as progressed,
        sum(case when is_judged and is_qualified then label else 0 end) as true_positives,
        sum(case when is_judged and is_qualified then 1 - label else 0 end) as false_positives,
        sum(case when is_judged and not is_qualified then label else 0 end) as false_negatives

    from cohorted
    group by model, model_version, cohort_start

),

-- ROC AUC by score groups: each positive beats the negatives scored below it and ties half
-- of those scored the same (the Mann-Whitney statistic).
score_groups as (

    select
        model,
        model_version,
        cohort_start,
        score,
        sum(label) as positives,
        sum(1 - label) as negatives

    from cohorted
    where is_judged and score is not null
    group by model, model_version, cohort_start, score

),

negatives_below as (

    select
        *,
        coalesce(sum(negatives) over (
            partition by model, model_version, cohort_start
            order by score
            rows between unbounded preceding and 1 preceding
        ), 0) as negatives_scored_below

    from score_groups

),

ranks as (

    select
        model,
        model_version,
        cohort_start,
        sum(positives * (negatives_scored_below + 0.5 * negatives)) as positive_wins,
        sum(positives) as positives,
        sum(negatives) as negatives

    from negatives_below
    group by model, model_version, cohort_start

),

aucs as (

    select
        model,
        model_version,
        cohort_start,
        positives,
        negatives,
        case
            when positives > 0 and negatives > 0
                then positive_wins / (cast(positives as {{ type_double() }}) * negatives)
        end as roc_auc

    from ranks

),

-- Hanley & McNeil (1982): Q1 = A / (2 - A), Q2 = 2A^2 / (1 + A).
auc_errors as (

    select
        *,
        sqrt(
            (
                roc_auc * (1 - roc_auc)
                + (positives - 1) * (roc_auc / (2 - roc_auc) - roc_auc * roc_auc)
                + (negatives - 1) * (2 * roc_auc * roc_auc / (1 + roc_auc) - roc_auc * roc_auc)
            ) / (cast(positives as {{ type_double() }}) * negatives)
        ) as roc_auc_se

    from aucs

),

final as (

    select
        cast(counts.model as {{ dbt.type_string() }}) as model,
        cast(counts.model_version as {{ dbt.type_string() }}) as model_version,
        cast('{{ cohort_grain() }}' as {{ dbt.type_string() }}) as cohort_grain,
        counts.cohort_start,
        cast(counts.contacts as {{ dbt.type_bigint() }}) as contacts,
        cast(counts.qualified as {{ dbt.type_bigint() }}) as qualified,
        cast({{ horizon }} as {{ dbt.type_bigint() }}) as horizon_days,
        cast(counts.judged as {{ dbt.type_bigint() }}) as judged,
        cast(counts.progressed as {{ dbt.type_bigint() }}) as progressed,
        cast(counts.true_positives as {{ dbt.type_bigint() }}) as true_positives,
        cast(counts.false_positives as {{ dbt.type_bigint() }}) as false_positives,
        cast(counts.false_negatives as {{ dbt.type_bigint() }}) as false_negatives,
        cast(
            {{ safe_ratio('counts.true_positives', 'counts.true_positives + counts.false_positives') }}
            as {{ type_double() }}
        ) as model_precision,
        cast(
            {{ wilson_bound('counts.true_positives', 'counts.true_positives + counts.false_positives', z, 'lower') }}
            as {{ type_double() }}
        ) as precision_low,
        cast(
            {{ wilson_bound('counts.true_positives', 'counts.true_positives + counts.false_positives', z, 'upper') }}
            as {{ type_double() }}
        ) as precision_high,
        cast(
            {{ safe_ratio('counts.true_positives', 'counts.true_positives + counts.false_negatives') }}
            as {{ type_double() }}
        ) as model_recall,
        cast(
            {{ wilson_bound('counts.true_positives', 'counts.true_positives + counts.false_negatives', z, 'lower') }}
            as {{ type_double() }}
        ) as recall_low,
        cast(
            {{ wilson_bound('counts.true_positives', 'counts.true_positives + counts.false_negatives', z, 'upper') }}
            as {{ type_double() }}
        ) as recall_high,
        cast(auc_errors.roc_auc as {{ type_double() }}) as roc_auc,
        cast(auc_errors.roc_auc_se as {{ type_double() }}) as roc_auc_se,
        cast(
            case
                when auc_errors.roc_auc_se is not null
                    then greatest(0.0, auc_errors.roc_auc - {{ z }} * auc_errors.roc_auc_se)
            end as {{ type_double() }}
        ) as roc_auc_low,
        cast(
            case
                when auc_errors.roc_auc_se is not null
                    then least(1.0, auc_errors.roc_auc + {{ z }} * auc_errors.roc_auc_se)
            end as {{ type_double() }}
        ) as roc_auc_high

    from counts
    left join auc_errors
        on
            counts.model = auc_errors.model
            and counts.model_version = auc_errors.model_version
            and counts.cohort_start = auc_errors.cohort_start

)

select * from final
