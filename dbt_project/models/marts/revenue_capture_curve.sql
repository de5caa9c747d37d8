-- The revenue capture curve, per model and version: at every score threshold (each distinct
-- score), the share of window contacts scored at or above it against the share of won
-- revenue (corporate currency, by as_of) whose opportunity has at least one of its window
-- contacts at or above it. Read from the top: qualifying the best-scored x% of contacts
-- would have kept y% of the won revenue.
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}

),

deals as (

    select * from {{ ref('deal_progressions') }}

),

won_opportunities as (

    select
        model,
        model_version,
        opportunity_id,
        max(amount) as amount,
        max(qualification_score) as best_score

    from deals
    where has_reached_won and amount is not null and qualification_score is not null
    group by model, model_version, opportunity_id

),

points as (

    select
        model,
        model_version,
        qualification_score as threshold,
        1 as contacts,
        cast(0 as {{ type_double() }}) as won_amount

    from outcomes
    where qualification_score is not null

    union all

    select
        model,
        model_version,
        best_score as threshold,
        0 as contacts,
        amount as won_amount

    from won_opportunities

),

per_threshold as (

    select
        model,
        model_version,
        threshold,
        sum(contacts) as contacts,
        sum(won_amount) as won_amount

    from points
    group by model, model_version, threshold

),

cumulated as (

    select
        *,
        sum(contacts) over (
            partition by model, model_version
            order by threshold desc rows between unbounded preceding and current row
        ) as contacts_at_or_above,
        sum(won_amount) over (
            partition by model, model_version
            order by threshold desc rows between unbounded preceding and current row
        ) as won_at_or_above,
        sum(contacts) over (partition by model, model_version) as contacts_scored,
        sum(won_amount) over (partition by model, model_version) as won_total

    from per_threshold

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(threshold as {{ type_double() }}) as threshold,
        cast(contacts_at_or_above as {{ dbt.type_bigint() }}) as contacts_at_or_above,
        cast(contacts_scored as {{ dbt.type_bigint() }}) as contacts_scored,
        cast(
            {{ safe_ratio('contacts_at_or_above', 'contacts_scored') }} as {{ type_double() }}
        ) as contact_share,
        cast(won_at_or_above as {{ type_double() }}) as won_captured,
        cast(won_total as {{ type_double() }}) as won_total,
        cast({{ safe_ratio('won_at_or_above', 'won_total') }} as {{ type_double() }})
            as won_share

    from cumulated

)

select * from final
