-- One row per model and model version scored for as_of: counts, the confusion matrix over
-- decided (not pending, not undetermined) contacts, and the metrics defined in the column docs.
{%- set z = 1.96 %}

with

outcomes as (

    select * from {{ ref('contact_outcomes') }}

),

deals as (

    select * from {{ ref('deal_progressions') }}

),

stage_one as (

    select * from {{ ref('int_stage_one_chosen') }}

),

scoring_rows as (

    select * from {{ ref('stg_scoring__qualifications') }}
    where as_of = {{ as_of_date() }}

),

models as (

    select
        model,
        model_version,
        sum(case when status = 'ok' then 0 else 1 end) as scoring_errors

    from scoring_rows
    group by model, model_version

),

decided as (

    select
        model,
        model_version,
        contact_id,
        qualification_score as score,
        case when ae_progressed then 1 else 0 end as label

    from outcomes
    where is_decided

),

counts as (

    select
        model,
        model_version,
        count(*) as total_contacts,
        sum(case when is_qualified then 1 else 0 end) as model_qualified,
        sum(case when is_qualified then 0 else 1 end) as model_not_qualified,
        sum(case when is_pending then 1 else 0 end) as pending_contacts,
        sum(case when is_undetermined then 1 else 0 end) as undetermined_contacts,
        sum(case when input_point_in_time = 'exact' then 1 else 0 end) as inputs_exact_contacts,
        sum(case when input_point_in_time in ('edited_after', 'withheld') then 1 else 0 end)
            as inputs_edited_after_contacts,
        sum(case when is_decided then 1 else 0 end) as decided_contacts,
        sum(case when ae_progressed then 1 else 0 end) as deals_beyond_stage_one,
        sum(case when not ae_progressed then 1 else 0 end) as decided_not_progressed,
        avg(qualification_score) as mean_score,
        {{ confusion_counts('outcome') }},
        sum(case when is_pending and is_qualified then 1 else 0 end) as pending_qualified,
        sum(case when is_pending and attributed_opportunities > 0 then 1 else 0 end) as pending_with_opportunity,
        min(case when is_pending then contact_age_days end) as pending_youngest_days,
        max(case when is_pending then contact_age_days end) as pending_oldest_days,
        sum(case when outcome = 'FN' and has_won_opportunity then 1 else 0 end) as fn_won_contacts,
        sum(case when outcome = 'FN' and has_late_stage_opportunity then 1 else 0 end) as fn_late_stage_contacts,
        sum(case when outcome = 'FP' and has_opportunity_closed_at_stage_one then 1 else 0 end)
            as fp_closed_at_stage_one_contacts,
        sum(case when outcome = 'FP' and coalesce(attributed_opportunities, 0) = 0 then 1 else 0 end)
            as fp_without_opportunity_contacts,
        sum(
            case
                when not is_decided then null
                when ae_progressed then (qualification_score - 1) * (qualification_score - 1)
                else qualification_score * qualification_score
            end
        ) as squared_error_sum

    from outcomes
    group by model, model_version

),

-- ROC AUC by the rank (Mann-Whitney) formula: ranks ascending by score, tied scores share
-- their average rank; twice the average rank (2 * first rank + ties - 1) stays an integer.
ranked as (

    select
        model,
        model_version,
        label,
        rank() over (partition by model, model_version order by score) as first_rank,
        count(*) over (partition by model, model_version, score) as tie_count

    from decided

),

rank_sums as (

    select
        model,
        model_version,
        sum(case when label = 1 then 2 * first_rank + tie_count - 1 else 0 end) as twice_positive_rank_sum,
        sum(label) as positives,
        sum(1 - label) as negatives

    from ranked
    group by model, model_version

),

-- Average precision as scikit-learn computes it: tied scores are one threshold;
-- AP = sum over distinct scores, descending, of (positives at the score / all positives)
-- * precision at that threshold (positives / contacts with a score >= it).
score_groups as (

    select
        model,
        model_version,
        score,
        sum(label) as group_positives,
        count(*) as group_contacts

    from decided
    group by model, model_version, score

),

cumulative as (

    select
        model,
        model_version,
        group_positives,
        sum(group_positives) over (
            partition by model, model_version order by score desc
            rows between unbounded preceding and current row
        ) as positives_at_threshold,
        sum(group_contacts) over (
            partition by model, model_version order by score desc
            rows between unbounded preceding and current row
        ) as contacts_at_threshold

    from score_groups

),

precision_sums as (

    select
        model,
        model_version,
        sum(
            case
                when group_positives > 0
                    then cast(group_positives as {{ type_double() }}) * positives_at_threshold / contacts_at_threshold
                else 0
            end
        ) as weighted_precision_sum,
        sum(group_positives) as positives

    from cumulative
    group by model, model_version

),

alignment as (

    select
        model,
        model_version,
        count(*) as deal_rows,
        sum(case when has_ae_reasoning and alignment_score is not null then 1 else 0 end) as ae_reasoning_rows,
        avg(case when has_ae_reasoning then alignment_score end) as ae_model_alignment_avg,
        avg(case when has_ae_reasoning and alignment_score is not null then decision_agreement end)
            as decision_agreement_avg,
        avg(case when has_ae_reasoning and alignment_score is not null then signal_agreement end)
            as signal_agreement_avg

    from deals
    group by model, model_version

),

-- The opportunities of contacts that are not pending, once each: whether they progressed
-- beyond Stage 1 and whether the AE's notes name a signal (AE-side signals are the same
-- whichever model a row belongs to).
opportunities_judged as (

    select
        model,
        model_version,
        opportunity_id,
        max(case when beyond_stage_one then 1 else 0 end) as is_progressed,
        max(case when has_ae_reasoning then 1 else 0 end) as has_ae_signals

    from deals
    where not is_pending
    group by model, model_version, opportunity_id

),

ae_opportunities as (

    select
        model,
        model_version,
        count(*) as ae_opportunities,
        sum(is_progressed) as ae_opportunities_progressed,
        sum(has_ae_signals) as ae_opportunities_with_signals,
        sum(is_progressed * has_ae_signals) as ae_opportunities_progressed_with_signals

    from opportunities_judged
    group by model, model_version

),

joined as (

    select
        models.model,
        models.model_version,
        cast(models.scoring_errors as {{ dbt.type_bigint() }}) as scoring_errors,
        cast(coalesce(counts.total_contacts, 0) as {{ dbt.type_bigint() }}) as total_contacts,
        cast(coalesce(counts.model_qualified, 0) as {{ dbt.type_bigint() }}) as model_qualified,
        cast(coalesce(counts.model_not_qualified, 0) as {{ dbt.type_bigint() }}) as model_not_qualified,
        cast(coalesce(counts.pending_contacts, 0) as {{ dbt.type_bigint() }}) as pending_contacts,
        cast(coalesce(counts.undetermined_contacts, 0) as {{ dbt.type_bigint() }}) as undetermined_contacts,
        cast(coalesce(counts.inputs_exact_contacts, 0) as {{ dbt.type_bigint() }}) as inputs_exact_contacts,
        cast(coalesce(counts.inputs_edited_after_contacts, 0) as {{ dbt.type_bigint() }})
            as inputs_edited_after_contacts,
        cast(coalesce(counts.decided_contacts, 0) as {{ dbt.type_bigint() }}) as decided_contacts,
        cast(coalesce(counts.deals_beyond_stage_one, 0) as {{ dbt.type_bigint() }}) as deals_beyond_stage_one,
        cast(coalesce(counts.decided_not_progressed, 0) as {{ dbt.type_bigint() }}) as decided_not_progressed,
        cast(counts.mean_score as {{ type_double() }}) as mean_score,
        cast(coalesce(counts.true_positives, 0) as {{ dbt.type_bigint() }}) as true_positives,
        cast(coalesce(counts.false_positives, 0) as {{ dbt.type_bigint() }}) as false_positives,
        cast(coalesce(counts.true_negatives, 0) as {{ dbt.type_bigint() }}) as true_negatives,
        cast(coalesce(counts.false_negatives, 0) as {{ dbt.type_bigint() }}) as false_negatives,
        cast(coalesce(counts.pending_qualified, 0) as {{ dbt.type_bigint() }}) as pending_qualified,
        cast(coalesce(counts.pending_with_opportunity, 0) as {{ dbt.type_bigint() }}) as pending_with_opportunity,
        cast(counts.pending_youngest_days as {{ dbt.type_bigint() }}) as pending_youngest_days,
        cast(counts.pending_oldest_days as {{ dbt.type_bigint() }}) as pending_oldest_days,
        cast(coalesce(counts.fn_won_contacts, 0) as {{ dbt.type_bigint() }}) as fn_won_contacts,
        cast(coalesce(counts.fn_late_stage_contacts, 0) as {{ dbt.type_bigint() }}) as fn_late_stage_contacts,
        cast(coalesce(counts.fp_closed_at_stage_one_contacts, 0) as {{ dbt.type_bigint() }})
            as fp_closed_at_stage_one_contacts,
        cast(coalesce(counts.fp_without_opportunity_contacts, 0) as {{ dbt.type_bigint() }})
            as fp_without_opportunity_contacts,
        counts.squared_error_sum,
        rank_sums.twice_positive_rank_sum,
        rank_sums.positives,
        rank_sums.negatives,
        precision_sums.weighted_precision_sum,
        cast(coalesce(alignment.deal_rows, 0) as {{ dbt.type_bigint() }}) as deal_rows,
        cast(coalesce(alignment.ae_reasoning_rows, 0) as {{ dbt.type_bigint() }}) as ae_reasoning_rows,
        cast(alignment.ae_model_alignment_avg as {{ type_double() }}) as ae_model_alignment_avg,
        cast(alignment.decision_agreement_avg as {{ type_double() }}) as decision_agreement_avg,
        cast(alignment.signal_agreement_avg as {{ type_double() }}) as signal_agreement_avg,
        cast(coalesce(ae_opportunities.ae_opportunities, 0) as {{ dbt.type_bigint() }}) as ae_opportunities,
        cast(coalesce(ae_opportunities.ae_opportunities_progressed, 0) as {{ dbt.type_bigint() }})
            as ae_opportunities_progressed,
        cast(coalesce(ae_opportunities.ae_opportunities_with_signals, 0) as {{ dbt.type_bigint() }})
            as ae_opportunities_with_signals,
        cast(coalesce(ae_opportunities.ae_opportunities_progressed_with_signals, 0) as {{ dbt.type_bigint() }})
            as ae_opportunities_progressed_with_signals

    from models
    left join counts
        on models.model = counts.model and models.model_version = counts.model_version
    left join rank_sums
        on models.model = rank_sums.model and models.model_version = rank_sums.model_version
    left join precision_sums
        on models.model = precision_sums.model and models.model_version = precision_sums.model_version
    left join alignment
        on models.model = alignment.model and models.model_version = alignment.model_version
    left join ae_opportunities
        on models.model = ae_opportunities.model and models.model_version = ae_opportunities.model_version

),

rates as (

    select
        *,
        {{ safe_ratio('true_positives + true_negatives', 'decided_contacts') }} as model_accuracy,
        {{ safe_ratio('true_positives', 'true_positives + false_positives') }} as model_precision,
        {{ safe_ratio('true_positives', 'true_positives + false_negatives') }} as model_recall,
        {{ safe_ratio('2 * true_positives', '2 * true_positives + false_positives + false_negatives') }} as f1,
        {{ safe_ratio('true_negatives', 'true_negatives + false_positives') }} as specificity,
        {{ safe_ratio('false_positives', 'false_positives + true_negatives') }} as false_positive_rate,
        {{ safe_ratio('false_negatives', 'false_negatives + true_positives') }} as false_negative_rate,
        {{ safe_ratio('pending_contacts', 'total_contacts') }} as pending_share,
        {{ safe_ratio('pending_qualified', 'pending_contacts') }} as pending_qualification_rate,
        {{ safe_ratio('model_qualified', 'total_contacts') }} as qualification_rate,
        {{ safe_ratio('deals_beyond_stage_one', 'decided_contacts') }} as base_rate,
        {{ safe_ratio(
            'case when 2 * deals_beyond_stage_one >= decided_contacts then deals_beyond_stage_one'
            ~ ' else decided_contacts - deals_beyond_stage_one end',
            'decided_contacts'
        ) }} as majority_class_accuracy,
        {{ safe_ratio('squared_error_sum', 'decided_contacts') }} as brier_score,
        case
            when positives > 0 and negatives > 0
                then cast(twice_positive_rank_sum - positives * (positives + 1) as {{ type_double() }})
                    / (2.0 * positives * negatives)
        end as roc_auc,
        {{ safe_ratio('weighted_precision_sum', 'positives') }} as average_precision,
        -- precision over the base rate: how much likelier a qualified contact progresses
        {{ safe_ratio(
            safe_ratio('true_positives', 'true_positives + false_positives'),
            safe_ratio('deals_beyond_stage_one', 'decided_contacts')
        ) }} as precision_lift

    from joined

),

rates_with_stage_one as (

    select
        rates.*,
        stage_one.stage_one_name,
        stage_one.stage_one_source,
        stage_one.stage_one_note

    from rates
    cross join stage_one

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        {{ as_of_date() }} as as_of,
        cast({{ days_var('window_days') }} as {{ dbt.type_bigint() }}) as window_days,
        cast({{ dbt.dateadd('day', 1, window_start_exclusive()) }} as date) as window_start,
        cast({{ days_var('maturity_days', 0) }} as {{ dbt.type_bigint() }}) as maturity_days,
        cast({{ days_var('attribution_window_days', 0) }} as {{ dbt.type_bigint() }}) as attribution_window_days,
        total_contacts,
        model_qualified,
        model_not_qualified,
        pending_contacts,
        undetermined_contacts,
        decided_contacts,
        inputs_exact_contacts,
        inputs_edited_after_contacts,
        deals_beyond_stage_one,
        true_positives,
        false_positives,
        true_negatives,
        false_negatives,
        model_accuracy,
        {{ wilson_bound('true_positives + true_negatives', 'decided_contacts', z, 'lower') }} as accuracy_ci_low,
        {{ wilson_bound('true_positives + true_negatives', 'decided_contacts', z, 'upper') }} as accuracy_ci_high,
        majority_class_accuracy,
        model_precision,
        model_recall,
        f1,
        specificity,
        qualification_rate,
        base_rate,
        {{ wilson_bound('true_positives', 'true_positives + false_positives', z, 'lower') }} as precision_ci_low,
        {{ wilson_bound('true_positives', 'true_positives + false_positives', z, 'upper') }} as precision_ci_high,
        {{ wilson_bound('true_positives', 'true_positives + false_negatives', z, 'lower') }} as recall_ci_low,
        {{ wilson_bound('true_positives', 'true_positives + false_negatives', z, 'upper') }} as recall_ci_high,
        false_positive_rate,
        false_negative_rate,
        precision_lift,
        decided_not_progressed,
        mean_score,
        roc_auc,
        average_precision,
        brier_score,
        ae_model_alignment_avg,
        ae_reasoning_rows,
        decision_agreement_avg,
        signal_agreement_avg,
        deal_rows,
        ae_opportunities,
        ae_opportunities_progressed,
        ae_opportunities_with_signals,
        ae_opportunities_progressed_with_signals,
        pending_share,
        pending_qualified,
        pending_qualification_rate,
        pending_with_opportunity,
        pending_youngest_days,
        pending_oldest_days,
        cast(
            {{ add_days(
                'cast(' ~ days_var('maturity_days', 0) ~ ' - pending_youngest_days as integer)',
                'cast(' ~ as_of_date() ~ ' as timestamp)'
            ) }} as date
        ) as pending_decided_on,
        fn_won_contacts,
        fn_late_stage_contacts,
        fp_closed_at_stage_one_contacts,
        fp_without_opportunity_contacts,
        scoring_errors,
        cast(stage_one_name as {{ dbt.type_string() }}) as stage_one_name,
        cast(stage_one_source as {{ dbt.type_string() }}) as stage_one_source,
        cast(stage_one_note as {{ dbt.type_string() }}) as stage_one_note

    from rates_with_stage_one

)

select * from final
