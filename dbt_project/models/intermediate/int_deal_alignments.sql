-- Alignment between the model and the AE, per contact, model, model version and attributed
-- opportunity (the formula is in the model's docs):
--   decision_agreement = 1 when is_qualified equals the contact's AE outcome (progressed on
--                        any of its opportunities, or not), else 0 (null while the contact
--                        is pending or undetermined: the AE's decision is not known);
--   signal_agreement   = Jaccard overlap of the AE's and the model's (signal, polarity) sets,
--                        only where the AE text yields at least one signal; the AE text of an
--                        opportunity attributed by the account window (a guess, not a link to
--                        this contact) is left out, so such rows have no signal agreement;
--   alignment_score    = 0.5 * decision + 0.5 * signal agreement where it does, else the
--                        decision agreement alone (has_ae_reasoning false).
with

qualifications as (

    select * from {{ ref('int_qualifications_windowed') }}

),

attributions as (

    select * from {{ ref('int_contact_opportunities_attributed') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_progressed') }}

),

contacts as (

    select * from {{ ref('int_contacts_progressed') }}

),

reasoned as (

    select * from {{ ref('int_opportunities_reasoned') }}

),

ae_signals as (

    select * from {{ ref('int_opportunity_signals') }}

),

model_signals as (

    select * from {{ ref('int_qualification_signals') }}

),

deals as (

    select
        qualifications.contact_id,
        qualifications.model,
        qualifications.model_version,
        attributions.opportunity_id,
        attributions.attribution_method,
        qualifications.score,
        qualifications.is_qualified,
        opportunities.is_beyond_stage_one,
        contacts.is_progressed as is_contact_progressed,
        contacts.is_pending,
        contacts.is_undetermined,
        contacts.is_decided

    from qualifications
    inner join attributions
        on qualifications.contact_id = attributions.contact_id
    inner join opportunities
        on attributions.opportunity_id = opportunities.opportunity_id
    inner join contacts
        on qualifications.contact_id = contacts.contact_id

),

signal_sides as (

    select
        deals.contact_id,
        deals.model,
        deals.model_version,
        deals.opportunity_id,
        ae_signals.signal,
        ae_signals.polarity,
        1 as in_ae,
        0 as in_model

    from deals
    inner join ae_signals
        on deals.opportunity_id = ae_signals.opportunity_id
    where deals.attribution_method <> 'account_window'

    union all

    select
        deals.contact_id,
        deals.model,
        deals.model_version,
        deals.opportunity_id,
        model_signals.signal,
        model_signals.polarity,
        0 as in_ae,
        1 as in_model

    from deals
    inner join model_signals
        on
            deals.contact_id = model_signals.contact_id
            and deals.model = model_signals.model
            and deals.model_version = model_signals.model_version

),

signal_pairs as (

    select
        contact_id,
        model,
        model_version,
        opportunity_id,
        {{ dbt.concat(['signal', "' ('", 'polarity', "')'"]) }} as signal_label,
        max(in_ae) as in_ae,
        max(in_model) as in_model

    from signal_sides
    group by contact_id, model, model_version, opportunity_id, signal, polarity

),

signal_overlap as (

    select
        contact_id,
        model,
        model_version,
        opportunity_id,
        sum(in_ae) as ae_signal_count,
        sum(in_model) as model_signal_count,
        sum(in_ae * in_model) as shared_signal_count,
        {{ sorted_string_agg('case when in_ae = 1 and in_model = 1 then signal_label end') }} as shared_signals,
        {{ sorted_string_agg('case when in_ae = 1 and in_model = 0 then signal_label end') }} as ae_only_signals,
        {{ sorted_string_agg('case when in_ae = 0 and in_model = 1 then signal_label end') }} as model_only_signals

    from signal_pairs
    group by contact_id, model, model_version, opportunity_id

),

scored as (

    select
        deals.contact_id,
        deals.model,
        deals.model_version,
        deals.opportunity_id,
        deals.attribution_method,
        deals.score,
        deals.is_qualified,
        deals.is_beyond_stage_one,
        deals.is_contact_progressed,
        deals.is_pending,
        deals.is_undetermined,
        deals.is_decided,
        coalesce(reasoned.has_ae_text, false) as has_ae_text,
        coalesce(reasoned.ae_text_point_in_time, 'exact') as ae_text_point_in_time,
        cast(coalesce(signal_overlap.ae_signal_count, 0) as {{ dbt.type_bigint() }}) as ae_signal_count,
        cast(coalesce(signal_overlap.model_signal_count, 0) as {{ dbt.type_bigint() }}) as model_signal_count,
        cast(coalesce(signal_overlap.shared_signal_count, 0) as {{ dbt.type_bigint() }}) as shared_signal_count,
        signal_overlap.shared_signals,
        signal_overlap.ae_only_signals,
        signal_overlap.model_only_signals,
        coalesce(signal_overlap.ae_signal_count, 0) > 0 as has_ae_reasoning,
        case
            when not deals.is_decided then null
            when deals.is_qualified = deals.is_contact_progressed then 1
            else 0
        end as decision_agreement

    from deals
    left join reasoned
        on deals.opportunity_id = reasoned.opportunity_id
    left join signal_overlap
        on
            deals.contact_id = signal_overlap.contact_id
            and deals.model = signal_overlap.model
            and deals.model_version = signal_overlap.model_version
            and deals.opportunity_id = signal_overlap.opportunity_id

),

final as (

    select
        *,
        case
            when has_ae_reasoning
                then cast(shared_signal_count as {{ type_double() }})
                    / (ae_signal_count + model_signal_count - shared_signal_count)
        end as signal_agreement

    from scored

)

select
    *,
    cast(
        case
            when decision_agreement is null then null
            when has_ae_reasoning then 0.5 * decision_agreement + 0.5 * signal_agreement
            else decision_agreement
        end as {{ type_double() }}
    ) as alignment_score
from final
