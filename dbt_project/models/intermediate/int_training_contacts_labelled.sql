-- fitted_history's label per training contact: progressed beyond Stage 1 within
-- maturity_days of its creation. Every stage change that can decide it is dated before the
-- window starts (the contacts matured by then), so nothing the window's outcomes show leaks
-- into training. An opportunity with stage history is judged by the first history row beyond
-- Stage 1; one without history by its current stage, only when that stage was set before the
-- horizon ended; otherwise its stage at the horizon is unknown and, unless another of its
-- opportunities progressed, the contact is undetermined (left out of training, never a
-- negative).
{%- set horizon = days_var('maturity_days', 1) %}

with

contacts as (

    select * from {{ ref('int_contacts_matured_before_window') }}

),

attributions as (

    select * from {{ ref('int_training_opportunities_attributed') }}

),

progression as (

    select * from {{ ref('int_opportunities_progressed') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

horizons as (

    select
        attributions.contact_id,
        attributions.opportunity_id,
        progression.has_stage_history,
        progression.progressed_at,
        progression.is_beyond_stage_one,
        coalesce(opportunities.last_stage_changed_at, opportunities.last_modified_at) as stage_set_at,
        {{ add_days(horizon, 'contacts.created_at') }} as horizon_ends_at

    from attributions
    inner join contacts
        on attributions.contact_id = contacts.contact_id
    inner join progression
        on attributions.opportunity_id = progression.opportunity_id
    inner join opportunities
        on attributions.opportunity_id = opportunities.opportunity_id

),

judged as (

    select
        contact_id,
        opportunity_id,
        case
            when has_stage_history then coalesce(progressed_at < horizon_ends_at, false)
            when stage_set_at < horizon_ends_at then is_beyond_stage_one
            else false
        end as is_progressed_in_horizon,
        not has_stage_history and not coalesce(stage_set_at < horizon_ends_at, false)
            as is_unknown_in_horizon

    from horizons

),

by_contact as (

    select
        contact_id,
        max(case when is_progressed_in_horizon then 1 else 0 end) = 1 as is_progressed,
        max(case when is_unknown_in_horizon then 1 else 0 end) = 1 as has_unknown_stage

    from judged
    group by contact_id

),

final as (

    select
        contacts.contact_id,
        contacts.created_at,
        coalesce(by_contact.is_progressed, false) as is_progressed,
        not coalesce(by_contact.is_progressed, false)
        and coalesce(by_contact.has_unknown_stage, false) as is_undetermined

    from contacts
    left join by_contact
        on contacts.contact_id = by_contact.contact_id

)

select * from final
