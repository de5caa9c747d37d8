-- Which stage is Stage 1, where it comes from, and whether the stage history doubts it: one
-- row. Stage 1 never moves silently (DESIGN.md, "Labels"): `stage_one_note` says which
-- stage was taken and from where, and, for a derived ladder, when the history starts most
-- deals in another stage or holds stages the ladder cannot place, how to set STAGE_ONE.
{%- set stage_one_var = var('stage_one', '') | string | trim %}

with

ladder as (

    select * from {{ ref('int_opportunity_stages_laddered') }}

),

history as (

    select * from {{ ref('stg_salesforce__opportunity_histories') }}

),

default_ladder as (

    select * from {{ ref('stage_ladder') }}

),

chosen as (

    select
        max(stage_one_name) as stage_one_name,
        max(case when is_stage_one then ladder_source end) as stage_one_ladder_source,
        max(case when ladder_source <> 'stage_one' then ladder_source end) as ladder_source

    from ladder

),

default_stage_one as (

    select min(stage_name) as default_stage_one_name
    from (
        select
            stage_name,
            row_number() over (order by sort_order asc) as stage_rank
        from default_ladder
        where not cast(is_closed as {{ dbt.type_boolean() }})
    ) as open_stages
    where stage_rank = 1

),

first_stages as (

    select
        stage_name,
        row_number() over (partition by opportunity_id order by created_at asc, opportunity_history_id asc)
            as event_rank

    from history
    where stage_name is not null

),

first_stage_counts as (

    select
        stage_name,
        count(*) as opportunities,
        row_number() over (order by count(*) desc, stage_name asc) as popularity_rank

    from first_stages
    where event_rank = 1
    group by stage_name

),

history_start as (

    select
        max(case when popularity_rank = 1 then stage_name end) as most_common_first_stage,
        max(case when popularity_rank = 1 then opportunities end) as most_common_first_stage_deals,
        sum(opportunities) as deals_with_history

    from first_stage_counts

),

unplaced_names as (

    select distinct history.stage_name

    from history
    left join ladder
        on history.stage_name = ladder.stage_name
    where history.stage_name is not null and ladder.stage_name is null

),

unplaced as (

    select
        count(*) as unplaced_history_stages,
        {{ sorted_string_agg('stage_name') }} as unplaced_history_stage_names

    from unplaced_names

),

combined as (

    select
        chosen.stage_one_name,
        case
            when '{{ stage_one_var | replace("'", "''") }}' <> '' then 'stage_one'
            else chosen.ladder_source
        end as stage_one_source,
        chosen.ladder_source,
        default_stage_one.default_stage_one_name,
        history_start.most_common_first_stage,
        coalesce(history_start.most_common_first_stage_deals, 0) as most_common_first_stage_deals,
        coalesce(history_start.deals_with_history, 0) as deals_with_history,
        coalesce(unplaced.unplaced_history_stages, 0) as unplaced_history_stages,
        unplaced.unplaced_history_stage_names,
        chosen.stage_one_ladder_source = 'stage_one' as is_stage_one_added

    from chosen
    cross join default_stage_one
    cross join history_start
    cross join unplaced

),

final as (

    select
        *,
        ladder_source = 'opportunities'
        and stage_one_source <> 'stage_one'
        and (
            coalesce(stage_one_name <> default_stage_one_name, true)
            or coalesce(most_common_first_stage <> stage_one_name, false)
            or unplaced_history_stages > 0
        ) as is_stage_one_doubtful

    from combined

)

select
    *,
    {{ dbt.concat([
        "'Stage 1 is '",
        "coalesce(" ~ dbt.concat(["'\"'", "stage_one_name", "'\"'"]) ~ ", 'not known (the ladder has no open stage)')",
        "case stage_one_source"
        ~ " when 'stage_one' then ' (set by STAGE_ONE'"
        ~ " when 'opportunity_stage' then ' (the lowest open stage of the OpportunityStage table'"
        ~ " when 'seed' then ' (the lowest open stage of seeds/stage_ladder.csv'"
        ~ " else ' (the lowest open stage of the ladder derived from the opportunities'' current stages: the export has no OpportunityStage table'"
        ~ " end",
        "case when is_stage_one_added then ', placed below every stage of the ladder)' else ')' end",
        "'.'",
        "case when is_stage_one_doubtful and coalesce(most_common_first_stage <> stage_one_name, false) then "
        ~ dbt.concat([
            "' The stage history starts most deals ('", "cast(most_common_first_stage_deals as " ~ dbt.type_string() ~ ")",
            "' of '", "cast(deals_with_history as " ~ dbt.type_string() ~ ")", "') in \"'", "most_common_first_stage",
            "'\": if that is your first stage, set STAGE_ONE='", "most_common_first_stage", "'.'",
        ]) ~ " else '' end",
        "case when is_stage_one_doubtful and unplaced_history_stages > 0 then "
        ~ dbt.concat([
            "' History stages the ladder cannot place (never counted as progress): '",
            "unplaced_history_stage_names", "'.'",
        ]) ~ " else '' end",
    ]) }} as stage_one_note
from final
