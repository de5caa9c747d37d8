{#
    A contact's opportunities (DESIGN.md "A contact's opportunities"), for the contacts of
    `contacts`, counting only records known by the date `known_by` (a SQL date: created
    strictly before known_by + 1 day): the body of int_contact_opportunities_attributed
    (the window, known by as_of) and int_training_opportunities_attributed (the training
    contacts of fitted_history, known by the day before the window starts).
#}
{% macro opportunities_attributed(contacts, known_by) -%}
with

contacts as (

    select * from {{ contacts }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}
    where created_at < {{ as_of_cutoff(known_by) }}

),

contact_roles as (

    select * from {{ ref('stg_salesforce__opportunity_contact_roles') }}
    where created_at < {{ as_of_cutoff(known_by) }} or created_at is null

),

leads as (

    select * from {{ ref('stg_salesforce__leads') }}
    where is_converted and (converted_date is null or converted_date <= {{ known_by }})

),

by_contact_role as (

    select
        contacts.contact_id,
        opportunities.opportunity_id,
        1 as attribution_priority,
        'contact_role' as attribution_method

    from contact_roles
    inner join contacts
        on contact_roles.contact_id = contacts.contact_id
    inner join opportunities
        on contact_roles.opportunity_id = opportunities.opportunity_id
    where opportunities.created_at >= contacts.created_at

),

by_opportunity_contact as (

    select
        contacts.contact_id,
        opportunities.opportunity_id,
        2 as attribution_priority,
        'opportunity_contact' as attribution_method

    from opportunities
    inner join contacts
        on opportunities.contact_id = contacts.contact_id
    where opportunities.created_at >= contacts.created_at

),

by_converted_lead as (

    select
        contacts.contact_id,
        opportunities.opportunity_id,
        3 as attribution_priority,
        'converted_lead' as attribution_method

    from leads
    inner join contacts
        on leads.converted_contact_id = contacts.contact_id
    inner join opportunities
        on leads.converted_opportunity_id = opportunities.opportunity_id
    where opportunities.created_at >= contacts.created_at

),

by_account_window as (

    select
        contacts.contact_id,
        opportunities.opportunity_id,
        4 as attribution_priority,
        'account_window' as attribution_method

    from contacts
    inner join opportunities
        on contacts.account_id = opportunities.account_id
    where
        opportunities.created_at >= contacts.created_at
        and opportunities.created_at
        < {{ add_days(days_var('attribution_window_days', 0), 'contacts.created_at') }}

),

candidates as (

    select * from by_contact_role
    union all
    select * from by_opportunity_contact
    union all
    select * from by_converted_lead
    union all
    select * from by_account_window

),

ranked as (

    select
        *,
        min(attribution_priority) over (partition by contact_id) as best_priority

    from candidates

),

final as (

    select
        contact_id,
        opportunity_id,
        min(attribution_method) as attribution_method

    from ranked
    where attribution_priority = best_priority
    group by contact_id, opportunity_id

)

select * from final
{%- endmacro %}
