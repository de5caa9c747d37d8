-- The AE outcome per contact in the window: progressed when any attributed opportunity got
-- beyond Stage 1 by as_of; else undetermined when one of them has a stage as of as_of that
-- cannot be known (no history, stage changed after as_of); else pending while the contact
-- is younger than maturity_days; else not progressed. Only progressed and not progressed
-- are decided (in the confusion matrix).
with

contacts as (

    select * from {{ ref('int_contacts_windowed') }}

),

attributions as (

    select * from {{ ref('int_contact_opportunities_attributed') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_progressed') }}

),

contact_opportunities as (

    select
        attributions.contact_id,
        count(*) as attributed_opportunities,
        min(attributions.attribution_method) as attribution_method,
        sum(case when opportunities.is_beyond_stage_one then 1 else 0 end) as progressed_opportunities,
        max(case when opportunities.has_reached_won then 1 else 0 end) = 1 as has_won_opportunity,
        max(case when opportunities.has_reached_late_stage then 1 else 0 end) = 1 as has_late_stage_opportunity,
        max(case when opportunities.is_closed_at_stage_one then 1 else 0 end) = 1
            as has_opportunity_closed_at_stage_one,
        sum(case when opportunities.is_stage_as_of_unknown then 1 else 0 end) as unknown_stage_opportunities,
        min(opportunities.progressed_at) as first_progressed_at

    from attributions
    inner join opportunities
        on attributions.opportunity_id = opportunities.opportunity_id
    group by attributions.contact_id

),

final as (

    select
        contacts.contact_id,
        contacts.created_at,
        contacts.contact_age_days,
        contacts.is_mature,
        cast(coalesce(contact_opportunities.attributed_opportunities, 0) as {{ dbt.type_bigint() }})
            as attributed_opportunities,
        contact_opportunities.attribution_method,
        cast(coalesce(contact_opportunities.progressed_opportunities, 0) as {{ dbt.type_bigint() }})
            as progressed_opportunities,
        coalesce(contact_opportunities.has_won_opportunity, false) as has_won_opportunity,
        coalesce(contact_opportunities.has_late_stage_opportunity, false) as has_late_stage_opportunity,
        coalesce(contact_opportunities.has_opportunity_closed_at_stage_one, false)
            as has_opportunity_closed_at_stage_one,
        cast(coalesce(contact_opportunities.unknown_stage_opportunities, 0) as {{ dbt.type_bigint() }})
            as unknown_stage_opportunities,
        contact_opportunities.first_progressed_at,
        coalesce(contact_opportunities.progressed_opportunities, 0) > 0 as is_progressed,
        coalesce(contact_opportunities.progressed_opportunities, 0) = 0
        and coalesce(contact_opportunities.unknown_stage_opportunities, 0) > 0 as is_undetermined,
        coalesce(contact_opportunities.progressed_opportunities, 0) = 0
        and coalesce(contact_opportunities.unknown_stage_opportunities, 0) = 0
        and not contacts.is_mature as is_pending

    from contacts
    left join contact_opportunities
        on contacts.contact_id = contact_opportunities.contact_id

)

select
    *,
    not is_pending and not is_undetermined as is_decided,
    case
        when is_progressed then 'progressed'
        when is_undetermined then 'undetermined'
        when is_pending then 'pending'
        else 'not progressed'
    end as ae_outcome
from final
