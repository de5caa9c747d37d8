-- Precision, recall, F1 and qualified share if contacts were qualified at score >= threshold,
-- for thresholds 0.05, 0.10, ..., 0.95 (and var qualification_threshold), per model.
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}

),

series as (

    {{ dbt.generate_series(19) }}

),

thresholds as (

    select cast(generated_number as {{ type_double() }}) / 20 as threshold
    from series

    union

    select cast({{ var('qualification_threshold') }} as {{ type_double() }}) as threshold

),

judged as (

    select
        outcomes.model,
        outcomes.model_version,
        thresholds.threshold,
        outcomes.qualification_score >= thresholds.threshold as is_qualified_at_threshold,
        {{ confusion_outcome(
            'outcomes.qualification_score >= thresholds.threshold', 'outcomes.ae_progressed', 'outcomes.is_decided'
        ) }} as threshold_outcome

    from outcomes
    cross join thresholds

),

swept as (

    select
        model,
        model_version,
        threshold,
        count(*) as total_contacts,
        sum(case when is_qualified_at_threshold then 1 else 0 end) as qualified_contacts,
        {{ confusion_counts('threshold_outcome') }}

    from judged
    group by model, model_version, threshold

),

rates as (

    select
        *,
        {{ safe_ratio('true_positives', 'true_positives + false_positives') }} as threshold_precision,
        {{ safe_ratio('true_positives', 'true_positives + false_negatives') }} as threshold_recall,
        {{ safe_ratio('2 * true_positives', '2 * true_positives + false_positives + false_negatives') }} as f1,
        {{ safe_ratio('true_positives + true_negatives', 'true_positives + false_positives + true_negatives + false_negatives') }}
            as threshold_accuracy,
        {{ safe_ratio('qualified_contacts', 'total_contacts') }} as qualified_share

    from swept

),

marked as (

    select
        *,
        abs(threshold - {{ var('qualification_threshold') }}) < 1e-9 as is_current,
        row_number() over (
            partition by model, model_version
            order by case when f1 is null then 1 else 0 end, f1 desc, threshold asc
        ) as f1_rank

    from rates

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(threshold as {{ type_double() }}) as threshold,
        cast(total_contacts as {{ dbt.type_bigint() }}) as total_contacts,
        cast(qualified_contacts as {{ dbt.type_bigint() }}) as qualified_contacts,
        cast(true_positives as {{ dbt.type_bigint() }}) as true_positives,
        cast(false_positives as {{ dbt.type_bigint() }}) as false_positives,
        cast(true_negatives as {{ dbt.type_bigint() }}) as true_negatives,
        cast(false_negatives as {{ dbt.type_bigint() }}) as false_negatives,
        threshold_precision,
        threshold_recall,
        f1,
        threshold_accuracy,
        qualified_share,
        is_current,
        f1_rank = 1 and f1 is not null as is_best_f1

    from marked

)

select * from final
