-- Each model (and version) against the baseline (var baseline_model, default demographic):
-- the headline metrics side by side with deltas (model minus baseline; for brier_score lower
-- is better), and a paired view on the decided contacts both scored, with McNemar's test of
-- whether one is right more often than the other beyond chance: two-sided, the exact binomial
-- tail below 25 discordant pairs, else chi-square with continuity correction.
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

-- The exact test: twice the binomial(n, 1/2) tail up to the smaller discordant count, for
-- n < 25 discordant pairs; C(n, k) is built as the running product of (n - j + 1) / j.
series as (

    {{ dbt.generate_series(25) }}

),

binomial_steps as (

    select
        paired.model,
        paired.model_version,
        paired.baseline_model_version,
        paired.only_model_correct + paired.only_baseline_correct as discordant_pairs,
        series.generated_number - 1 as successes,
        case
            when series.generated_number = 1 then cast(0 as {{ type_double() }})
            else ln(
                    cast(
                        paired.only_model_correct + paired.only_baseline_correct - series.generated_number + 2
                        as {{ type_double() }}
                    )
                    / (series.generated_number - 1)
                )
        end as log_step

    from paired
    cross join series
    where
        paired.only_model_correct + paired.only_baseline_correct < 25
        and series.generated_number - 1 <= least(paired.only_model_correct, paired.only_baseline_correct)

),

binomial_terms as (

    select
        *,
        round(exp(sum(log_step) over (
            partition by model, model_version, baseline_model_version
            order by successes
            rows between unbounded preceding and current row
        ))) as combinations

    from binomial_steps

),

exact_tails as (

    select
        model,
        model_version,
        baseline_model_version,
        sum(combinations) / power(2, max(discordant_pairs)) as lower_tail

    from binomial_terms
    group by model, model_version, baseline_model_version

),

tested as (

    select
        paired.*,
        case
            when paired.only_model_correct + paired.only_baseline_correct = 0 then null
            when paired.only_model_correct + paired.only_baseline_correct < 25
                then least(cast(1 as {{ type_double() }}), 2 * exact_tails.lower_tail)
            else {{ mcnemar_chi_square_p('paired.only_model_correct', 'paired.only_baseline_correct') }}
        end as mcnemar_p_value

    from paired
    left join exact_tails
        on
            paired.model = exact_tails.model
            and paired.model_version = exact_tails.model_version
            and paired.baseline_model_version = exact_tails.baseline_model_version

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
        cast(coalesce(paired.both_wrong, 0) as {{ dbt.type_bigint() }}) as both_wrong,
        cast(paired.mcnemar_p_value as {{ type_double() }}) as mcnemar_p_value

    from models
    cross join baselines
    left join tested as paired
        on
            models.model = paired.model
            and models.model_version = paired.model_version
            and baselines.model_version = paired.baseline_model_version

)

select * from final
