-- Each model (and version) against the baseline (var baseline_model, default demographic):
-- the headline metrics side by side with deltas (model minus baseline; for brier_score lower
-- is better), and a paired view on the decided contacts both scored.
{%- set compared_metrics = [
    'model_accuracy', 'model_precision', 'model_recall', 'f1', 'specificity',
    'qualification_rate', 'roc_auc', 'average_precision', 'brier_score',
    'ae_model_alignment_avg',
] %}

with

summary as (

    select * from {{ ref('backtest_summary') }}

),

outcomes as (

    select * from {{ ref('contact_outcomes') }}
    where is_decided

),

models as (

    select * from summary
    where model <> '{{ var('baseline_model') }}'

),

baselines as (

    select * from summary
    where model = '{{ var('baseline_model') }}'

),

paired as (

    select
        model_outcomes.model,
        model_outcomes.model_version,
        baseline_outcomes.model_version as baseline_model_version,
        count(*) as shared_contacts,
        sum(
            case when model_outcomes.is_qualified = model_outcomes.ae_progressed
                    and baseline_outcomes.is_qualified = baseline_outcomes.ae_progressed then 1
                else 0
            end
        ) as both_correct,
        sum(
            case when model_outcomes.is_qualified = model_outcomes.ae_progressed
                    and baseline_outcomes.is_qualified <> baseline_outcomes.ae_progressed then 1
                else 0
            end
        ) as only_model_correct,
        sum(
            case when model_outcomes.is_qualified <> model_outcomes.ae_progressed
                    and baseline_outcomes.is_qualified = baseline_outcomes.ae_progressed then 1
                else 0
            end
        ) as only_baseline_correct,
        sum(
            case when model_outcomes.is_qualified <> model_outcomes.ae_progressed
                    and baseline_outcomes.is_qualified <> baseline_outcomes.ae_progressed then 1
                else 0
            end
        ) as both_wrong

    from outcomes as model_outcomes
    inner join outcomes as baseline_outcomes
        on model_outcomes.contact_id = baseline_outcomes.contact_id
    where
        model_outcomes.model <> '{{ var('baseline_model') }}'
        and baseline_outcomes.model = '{{ var('baseline_model') }}'
    group by model_outcomes.model, model_outcomes.model_version, baseline_outcomes.model_version

),

final as (

    select
        cast(models.model as {{ dbt.type_string() }}) as model,
        cast(models.model_version as {{ dbt.type_string() }}) as model_version,
        cast(baselines.model as {{ dbt.type_string() }}) as baseline_model,
        cast(baselines.model_version as {{ dbt.type_string() }}) as baseline_model_version,
        models.total_contacts,
        baselines.total_contacts as baseline_total_contacts,
        {%- for metric in compared_metrics %}
            models.{{ metric }},
            baselines.{{ metric }} as baseline_{{ metric }},
            models.{{ metric }} - baselines.{{ metric }} as {{ metric }}_delta,
        {%- endfor %}
        cast(coalesce(paired.shared_contacts, 0) as {{ dbt.type_bigint() }}) as shared_decided_contacts,
        cast(coalesce(paired.both_correct, 0) as {{ dbt.type_bigint() }}) as both_correct,
        cast(coalesce(paired.only_model_correct, 0) as {{ dbt.type_bigint() }}) as only_model_correct,
        cast(coalesce(paired.only_baseline_correct, 0) as {{ dbt.type_bigint() }}) as only_baseline_correct,
        cast(coalesce(paired.both_wrong, 0) as {{ dbt.type_bigint() }}) as both_wrong

    from models
    cross join baselines
    left join paired
        on
            models.model = paired.model
            and models.model_version = paired.model_version
            and baselines.model_version = paired.baseline_model_version

)

select * from final
