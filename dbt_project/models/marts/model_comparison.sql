-- Each model (and version) against each baseline (var baseline_models, default demographic
-- then fitted_history; a baseline also against the baselines before it, see int_model_pairs):
-- the headline metrics side by side with deltas (model minus baseline; for brier_score lower
-- is better), and paired tests on the decided contacts both scored: McNemar's test of whether
-- one is right more often than the other beyond chance (two-sided, the exact binomial tail
-- below 25 discordant pairs, else chi-square with continuity correction), DeLong's test of
-- the AUC difference, and paired bootstrap intervals of the precision, recall and F1
-- differences.
{%- set compared_metrics = [
    'model_accuracy', 'model_precision', 'model_recall', 'f1', 'specificity',
    'qualification_rate', 'roc_auc', 'average_precision', 'brier_score',
    'ae_model_alignment_avg',
] %}

with

summary as (

    select * from {{ ref('backtest_summary') }}

),

pair_contacts as (

    select * from {{ ref('int_model_pairs') }}

),

delong as (

    select * from {{ ref('int_model_pairs_delong') }}

),

bootstrap as (

    select * from {{ ref('int_model_pairs_bootstrap') }}

),

versions as (

    select distinct
        model,
        model_version

    from summary

),

pairs as (

    {{ comparison_pairs('versions') }}

),

paired as (

    select
        model,
        model_version,
        baseline_model,
        baseline_model_version,
        count(*) as shared_contacts,
        sum(case when qualified = label and baseline_qualified = label then 1 else 0 end)
            as both_correct,
        sum(case when qualified = label and baseline_qualified <> label then 1 else 0 end)
            as only_model_correct,
        sum(case when qualified <> label and baseline_qualified = label then 1 else 0 end)
            as only_baseline_correct,
        sum(case when qualified <> label and baseline_qualified <> label then 1 else 0 end)
            as both_wrong

    from pair_contacts
    group by model, model_version, baseline_model, baseline_model_version

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
        paired.baseline_model,
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
            partition by model, model_version, baseline_model, baseline_model_version
            order by successes
            rows between unbounded preceding and current row
        ))) as combinations

    from binomial_steps

),

exact_tails as (

    select
        model,
        model_version,
        baseline_model,
        baseline_model_version,
        sum(combinations) / power(2, max(discordant_pairs)) as lower_tail

    from binomial_terms
    group by model, model_version, baseline_model, baseline_model_version

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
            and paired.baseline_model = exact_tails.baseline_model
            and paired.baseline_model_version = exact_tails.baseline_model_version

),

final as (

    select
        cast(pairs.model as {{ dbt.type_string() }}) as model,
        cast(pairs.model_version as {{ dbt.type_string() }}) as model_version,
        cast(pairs.baseline_model as {{ dbt.type_string() }}) as baseline_model,
        cast(pairs.baseline_model_version as {{ dbt.type_string() }}) as baseline_model_version,
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
        cast(paired.mcnemar_p_value as {{ type_double() }}) as mcnemar_p_value,
        cast(delong.auc_difference as {{ type_double() }}) as paired_auc_difference,
        cast(delong.auc_difference_se as {{ type_double() }}) as auc_difference_se,
        cast(delong.delong_z as {{ type_double() }}) as delong_z,
        cast(delong.delong_p_value as {{ type_double() }}) as delong_p_value,
        cast(coalesce(bootstrap.bootstrap_resamples, 0) as {{ dbt.type_bigint() }}) as bootstrap_resamples,
        {%- for metric in ['precision', 'recall', 'f1'] %}
            cast(bootstrap.{{ metric }}_difference_low as {{ type_double() }}) as {{ metric }}_difference_low,
            cast(bootstrap.{{ metric }}_difference_high as {{ type_double() }}) as {{ metric }}_difference_high,
        {%- endfor %}
        cast(
            case
                when delong.delong_p_value < 0.05 and delong.auc_difference > 0 then 'better'
                when delong.delong_p_value < 0.05 and delong.auc_difference < 0 then 'worse'
                when delong.delong_p_value is not null then 'within chance'
                else 'not measurable'
            end as {{ dbt.type_string() }}
        ) as auc_verdict,
        cast(
            case
                when bootstrap.f1_difference_low > 0 then 'better'
                when bootstrap.f1_difference_high < 0 then 'worse'
                when bootstrap.f1_difference_low is not null then 'within chance'
                else 'not measurable'
            end as {{ dbt.type_string() }}
        ) as f1_verdict

    from pairs
    inner join summary as models
        on
            pairs.model = models.model
            and pairs.model_version = models.model_version
    inner join summary as baselines
        on
            pairs.baseline_model = baselines.model
            and pairs.baseline_model_version = baselines.model_version
    {%- for relation in ['tested as paired', 'delong', 'bootstrap'] %}
        {%- set alias = relation.split(' ')[-1] %}
        left join {{ relation }}
            on
                pairs.model = {{ alias }}.model
                and pairs.model_version = {{ alias }}.model_version
                and pairs.baseline_model = {{ alias }}.baseline_model
                and pairs.baseline_model_version = {{ alias }}.baseline_model_version
    {%- endfor %}

)

select * from final
