-- Each model (and version) against the baseline (var baseline_model, default demographic):
-- the headline metrics side by side with deltas (model minus baseline; for brier_score lower
-- is better), and a paired view on the decided contacts both scored.
with

summary as (

    select * from {{ ref('backtest_summary') }}

),

outcomes as (

    select * from {{ ref('contact_outcomes') }}
    where not is_pending

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
        models.model_accuracy,
        baselines.model_accuracy as baseline_model_accuracy,
        models.model_accuracy - baselines.model_accuracy as model_accuracy_delta,
        models.model_precision,
        baselines.model_precision as baseline_model_precision,
        models.model_precision - baselines.model_precision as model_precision_delta,
        models.model_recall,
        baselines.model_recall as baseline_model_recall,
        models.model_recall - baselines.model_recall as model_recall_delta,
        models.f1,
        baselines.f1 as baseline_f1,
        models.f1 - baselines.f1 as f1_delta,
        models.specificity,
        baselines.specificity as baseline_specificity,
        models.specificity - baselines.specificity as specificity_delta,
        models.qualification_rate,
        baselines.qualification_rate as baseline_qualification_rate,
        models.qualification_rate - baselines.qualification_rate as qualification_rate_delta,
        models.roc_auc,
        baselines.roc_auc as baseline_roc_auc,
        models.roc_auc - baselines.roc_auc as roc_auc_delta,
        models.average_precision,
        baselines.average_precision as baseline_average_precision,
        models.average_precision - baselines.average_precision as average_precision_delta,
        models.brier_score,
        baselines.brier_score as baseline_brier_score,
        models.brier_score - baselines.brier_score as brier_score_delta,
        models.ae_model_alignment_avg,
        baselines.ae_model_alignment_avg as baseline_ae_model_alignment_avg,
        models.ae_model_alignment_avg - baselines.ae_model_alignment_avg as ae_model_alignment_avg_delta,
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
