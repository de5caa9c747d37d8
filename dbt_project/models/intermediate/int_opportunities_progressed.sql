-- Progression of every opportunity created by as_of, on the stage ladder, from the stage
-- history by as_of. An opportunity without any history row is judged by its current stage
-- only when that stage cannot have changed after as_of (LastStageChangeDate, else
-- LastModifiedDate, before as_of + 1 day); otherwise its stage as of as_of is unknown
-- (progression_status 'unknown'), never a negative.
with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}
    where created_at < {{ as_of_cutoff() }}

),

history as (

    select * from {{ ref('stg_salesforce__opportunity_histories') }}

),

ladder as (

    select * from {{ ref('int_opportunity_stages_laddered') }}

),

history_counts as (

    select
        opportunity_id,
        count(*) as history_rows

    from history
    group by opportunity_id

),

stage_events as (

    select
        history.opportunity_id,
        history.stage_name,
        history.created_at as reached_at,
        history.opportunity_history_id as event_id,
        'history' as event_source

    from history
    inner join opportunities
        on history.opportunity_id = opportunities.opportunity_id
    where
        history.created_at < {{ as_of_cutoff() }}
        and history.stage_name is not null

    union all

    select
        opportunities.opportunity_id,
        opportunities.stage_name,
        cast(null as {{ dbt.type_timestamp() }}) as reached_at,
        opportunities.opportunity_id as event_id,
        'current_stage' as event_source

    from opportunities
    left join history_counts
        on opportunities.opportunity_id = history_counts.opportunity_id
    where
        history_counts.opportunity_id is null
        and opportunities.stage_name is not null
        and coalesce(opportunities.last_stage_changed_at, opportunities.last_modified_at)
        < {{ as_of_cutoff() }}

),

-- No history, and the current stage was set (or may have been set) after as_of.
stage_unknown as (

    select opportunities.opportunity_id

    from opportunities
    left join history_counts
        on opportunities.opportunity_id = history_counts.opportunity_id
    where
        history_counts.opportunity_id is null
        and not coalesce(
            coalesce(opportunities.last_stage_changed_at, opportunities.last_modified_at)
            < {{ as_of_cutoff() }},
            false
        )

),

events_laddered as (

    select
        stage_events.opportunity_id,
        stage_events.stage_name,
        stage_events.reached_at,
        stage_events.event_source,
        ladder.stage_name is not null as is_known_stage,
        ladder.sort_order,
        coalesce(ladder.is_closed, false) as is_closed,
        coalesce(ladder.is_won, false) as is_won,
        coalesce(ladder.is_beyond_stage_one, false) as is_beyond_stage_one,
        coalesce(ladder.is_late_stage, false) as is_late_stage,
        row_number() over (
            partition by stage_events.opportunity_id
            order by stage_events.reached_at desc nulls last, stage_events.event_id desc
        ) as recency_rank,
        row_number() over (
            partition by stage_events.opportunity_id
            order by
                case
                    when ladder.is_won then 3
                    when ladder.stage_name is not null and not ladder.is_closed then 2
                    when ladder.stage_name is not null then 1
                    else 0
                end desc,
                ladder.sort_order desc nulls last,
                stage_events.reached_at asc nulls last
        ) as height_rank

    from stage_events
    left join ladder
        on stage_events.stage_name = ladder.stage_name

),

progress as (

    select
        opportunity_id,
        count(*) as stage_events,
        max(case when event_source = 'history' then 1 else 0 end) = 1 as has_stage_history,
        max(case when is_beyond_stage_one then 1 else 0 end) = 1 as is_beyond_stage_one,
        max(case when is_won then 1 else 0 end) = 1 as has_reached_won,
        max(case when is_late_stage then 1 else 0 end) = 1 as has_reached_late_stage,
        max(case when is_known_stage then 0 else 1 end) = 1 as has_unknown_stage,
        min(case when is_beyond_stage_one then reached_at end) as progressed_at

    from events_laddered
    group by opportunity_id

),

unknown_stages as (

    select
        opportunity_id,
        {{ sorted_string_agg('stage_name') }} as unknown_stage_names

    from (
        select distinct
            opportunity_id,
            stage_name
        from events_laddered
        where not is_known_stage
    ) as distinct_unknown
    group by opportunity_id

),

latest as (

    select
        opportunity_id,
        stage_name as stage_as_of,
        is_known_stage as is_stage_as_of_known,
        is_closed as is_closed_as_of,
        is_won as is_won_as_of

    from events_laddered
    where recency_rank = 1

),

highest as (

    select
        opportunity_id,
        stage_name as highest_stage_name,
        sort_order as highest_sort_order

    from events_laddered
    where height_rank = 1 and is_known_stage

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.owner_id,
        opportunities.opportunity_name,
        opportunities.amount,
        opportunities.created_at,
        opportunities.stage_name as current_stage_name,
        opportunities.last_stage_changed_at,
        coalesce(progress.has_stage_history, false) as has_stage_history,
        stage_unknown.opportunity_id is not null as is_stage_as_of_unknown,
        case
            when stage_unknown.opportunity_id is not null then 'unknown'
            when progress.is_beyond_stage_one then 'progressed'
            else 'not progressed'
        end as progression_status,
        latest.stage_as_of,
        coalesce(latest.is_closed_as_of, false) as is_closed_as_of,
        coalesce(latest.is_won_as_of, false) as is_won_as_of,
        highest.highest_stage_name,
        highest.highest_sort_order,
        coalesce(progress.is_beyond_stage_one, false) as is_beyond_stage_one,
        coalesce(progress.has_reached_won, false) as has_reached_won,
        coalesce(progress.has_reached_late_stage, false) as has_reached_late_stage,
        progress.progressed_at,
        coalesce(
            latest.is_closed_as_of
            and not latest.is_won_as_of
            and latest.is_stage_as_of_known
            and not progress.is_beyond_stage_one,
            false
        ) as is_closed_at_stage_one,
        coalesce(progress.has_unknown_stage, false) as has_unknown_stage,
        unknown_stages.unknown_stage_names

    from opportunities
    left join progress
        on opportunities.opportunity_id = progress.opportunity_id
    left join latest
        on opportunities.opportunity_id = latest.opportunity_id
    left join highest
        on opportunities.opportunity_id = highest.opportunity_id
    left join unknown_stages
        on opportunities.opportunity_id = unknown_stages.opportunity_id
    left join stage_unknown
        on opportunities.opportunity_id = stage_unknown.opportunity_id

)

select * from final
