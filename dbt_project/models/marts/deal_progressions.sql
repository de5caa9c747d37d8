-- The seed's deal_progressions: one row per contact, model, model version and attributed
-- opportunity, with the AE's decision, reasoning and the model-AE alignment.
with

alignments as (

    select * from {{ ref('int_deal_alignments') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_progressed') }}

),

reasoned as (

    select * from {{ ref('int_opportunities_reasoned') }}

),

users as (

    select * from {{ ref('stg_salesforce__users') }}

),

amounts as (

    select * from {{ ref('int_opportunity_amounts_converted') }}

),

joined as (

    select
        alignments.*,
        opportunities.opportunity_name,
        amounts.amount,
        amounts.amount_original,
        amounts.currency_iso_code,
        amounts.corporate_currency,
        amounts.rate_source,
        opportunities.stage_as_of,
        opportunities.highest_stage_name,
        opportunities.has_reached_won,
        opportunities.is_closed_at_stage_one,
        opportunities.has_unknown_stage,
        opportunities.unknown_stage_names,
        opportunities.is_stage_as_of_unknown,
        users.user_name as ae_owner,
        reasoned.ae_reasoning

    from alignments
    inner join opportunities
        on alignments.opportunity_id = opportunities.opportunity_id
    left join users
        on opportunities.owner_id = users.user_id
    left join reasoned
        on alignments.opportunity_id = reasoned.opportunity_id
    left join amounts
        on alignments.opportunity_id = amounts.opportunity_id

),

noted as (

    select
        *,
        {{ dbt.concat([
            "case"
            ~ " when is_undetermined then 'Undetermined: a deal of this contact has no stage history and its stage changed after the as-of date, so the AE decision is not known.'"
            ~ " when is_pending then 'Pending: the contact is younger than " ~ days_var('maturity_days', 0) ~ " days and no deal has left Stage 1 yet, so the AE decision is not known.'"
            ~ " when is_qualified and is_contact_progressed then 'Agreement: the model qualified the contact and the AE progressed it (on this or another deal).'"
            ~ " when is_qualified then 'Disagreement: the model qualified the contact but the AE progressed none of its deals.'"
            ~ " when is_contact_progressed then 'Disagreement: the model did not qualify the contact but the AE progressed it (on this or another deal).'"
            ~ " else 'Agreement: the model did not qualify the contact and the AE progressed none of its deals.' end",
            "' Stage at as_of: '",
            "coalesce(stage_as_of, 'none')",
            "'; furthest: '",
            "coalesce(highest_stage_name, 'none')",
            "'.'",
            "case when has_unknown_stage then " ~ dbt.concat(["' Unknown stages (not counted): '", "unknown_stage_names", "'.'"]) ~ " else '' end",
            "case"
            ~ " when attribution_method = 'account_window' then ' Attributed through the account, not the contact: its AE text is not compared, alignment is the decision agreement alone.'"
            ~ " when not has_ae_text then ' No AE reasoning on the opportunity: alignment is the decision agreement alone.'"
            ~ " when not has_ae_reasoning then ' The AE reasoning matches no taxonomy signal: alignment is the decision agreement alone.'"
            ~ " else " ~ dbt.concat([
                "' Shared signals: '", "coalesce(shared_signals, 'none')",
                "'; AE only: '", "coalesce(ae_only_signals, 'none')",
                "'; model only: '", "coalesce(model_only_signals, 'none')", "'.'"
            ]) ~ " end",
        ]) }} as analysis_notes

    from joined

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        case when not is_stage_as_of_unknown then is_beyond_stage_one end as beyond_stage_one,
        cast(ae_owner as {{ dbt.type_string() }}) as ae_owner,
        cast(ae_reasoning as {{ dbt.type_string() }}) as ae_progression_reason,
        alignment_score,
        cast(analysis_notes as {{ dbt.type_string() }}) as analysis_notes,
        attribution_method,
        opportunity_name,
        cast(amount as {{ type_double() }}) as amount,
        cast(amount_original as {{ type_double() }}) as amount_original,
        cast(currency_iso_code as {{ dbt.type_string() }}) as currency_iso_code,
        cast(corporate_currency as {{ dbt.type_string() }}) as corporate_currency,
        cast(rate_source as {{ dbt.type_string() }}) as amount_rate_source,
        stage_as_of,
        highest_stage_name,
        has_reached_won,
        is_closed_at_stage_one,
        cast(score as {{ type_double() }}) as qualification_score,
        is_qualified,
        is_pending,
        is_undetermined,
        has_ae_text,
        ae_text_point_in_time,
        has_ae_reasoning,
        cast(decision_agreement as {{ dbt.type_bigint() }}) as decision_agreement,
        signal_agreement,
        ae_signal_count,
        model_signal_count,
        shared_signal_count,
        shared_signals,
        ae_only_signals,
        model_only_signals

    from noted

)

select * from final
