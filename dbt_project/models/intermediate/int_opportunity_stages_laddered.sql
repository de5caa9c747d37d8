{%- set ladder_choice = var('stage_ladder', 'auto') | string | lower -%}
{%- if ladder_choice not in ('auto', 'opportunity_stage', 'opportunities', 'seed') -%}
    {{ exceptions.raise_compiler_error(
        "var('stage_ladder') must be auto, opportunity_stage, opportunities or seed, got '" ~ ladder_choice ~ "'"
    ) }}
{%- endif -%}
{%- set stage_one = var('stage_one', '') | string | trim -%}

with

opportunity_stages as (

    select * from {{ ref('stg_salesforce__opportunity_stages') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

seeded_ladder as (

    select * from {{ ref('stage_ladder') }}

),

from_opportunity_stage as (

    select
        stage_name,
        sort_order,
        is_closed,
        is_won,
        is_active,
        'opportunity_stage' as ladder_source

    from opportunity_stages
    where stage_name is not null

),

-- Data Exports lack OpportunityStage: each opportunity carries its current stage's
-- StageSortOrder, IsClosed and IsWon. Stages without a known order (and not won) stay off
-- the ladder, so they are reported as unknown rather than guessed.
from_opportunities as (

    select
        stage_name,
        min(stage_sort_order) as sort_order,
        max(case when is_closed then 1 else 0 end) = 1 as is_closed,
        max(case when is_won then 1 else 0 end) = 1 as is_won,
        true as is_active,
        'opportunities' as ladder_source

    from opportunities
    where stage_name is not null
    group by stage_name
    having min(stage_sort_order) is not null or max(case when is_won then 1 else 0 end) = 1

),

from_seed as (

    select
        cast(stage_name as {{ dbt.type_string() }}) as stage_name,
        cast(sort_order as {{ dbt.type_bigint() }}) as sort_order,
        cast(is_closed as {{ dbt.type_boolean() }}) as is_closed,
        cast(is_won as {{ dbt.type_boolean() }}) as is_won,
        true as is_active,
        'seed' as ladder_source

    from seeded_ladder
    where stage_name is not null

),

ladder_choice as (

    select
        '{{ ladder_choice }}' as ladder_choice,
        count(*) as opportunity_stage_rows

    from from_opportunity_stage

),

selected as (

    select from_seed.*
    from from_seed
    cross join ladder_choice
    where ladder_choice.ladder_choice = 'seed'

    union all

    select from_opportunity_stage.*
    from from_opportunity_stage
    cross join ladder_choice
    where
        ladder_choice.ladder_choice = 'opportunity_stage'
        or (ladder_choice.ladder_choice = 'auto' and ladder_choice.opportunity_stage_rows > 0)

    union all

    select from_opportunities.*
    from from_opportunities
    cross join ladder_choice
    where
        ladder_choice.ladder_choice = 'opportunities'
        or (ladder_choice.ladder_choice = 'auto' and ladder_choice.opportunity_stage_rows = 0)

),

-- A STAGE_ONE the ladder does not hold (a derived ladder knows only the stages some
-- opportunity sits in now) is the user's word that it is the first stage: it is placed
-- below every stage of the ladder, as an open stage.
named_stage_one as (

    select
        cast('{{ stage_one | replace("'", "''") }}' as {{ dbt.type_string() }}) as stage_name,
        min(sort_order) - 1 as sort_order,
        false as is_closed,
        false as is_won,
        true as is_active,
        'stage_one' as ladder_source

    from selected
    having
        '{{ stage_one | replace("'", "''") }}' <> ''
        and sum(case when stage_name = '{{ stage_one | replace("'", "''") }}' then 1 else 0 end) = 0

),

ladder as (

    select * from selected
    union all
    select * from named_stage_one

),

stage_one_candidates as (

    select
        stage_name,
        sort_order,
        row_number() over (order by sort_order asc nulls last, stage_name asc) as candidate_rank

    from ladder
    where
        {%- if stage_one != '' %}
            stage_name = '{{ stage_one | replace("'", "''") }}'
        {%- else %}
            not is_closed and sort_order is not null
        {%- endif %}

),

stage_one as (

    select
        stage_name as stage_one_name,
        sort_order as stage_one_sort_order

    from stage_one_candidates
    where candidate_rank = 1

),

open_ladder as (

    select max(sort_order) as top_open_sort_order
    from ladder
    where not is_closed

),

final as (

    select
        ladder.stage_name,
        ladder.sort_order,
        ladder.is_closed,
        ladder.is_won,
        ladder.is_active,
        ladder.ladder_source,
        stage_one.stage_one_name,
        stage_one.stage_one_sort_order,
        coalesce(ladder.stage_name = stage_one.stage_one_name, false) as is_stage_one,
        coalesce(
            ladder.is_won
            or (not ladder.is_closed and ladder.sort_order > stage_one.stage_one_sort_order),
            false
        ) as is_beyond_stage_one,
        case
            when ladder.is_won then 1.0
            when
                not ladder.is_closed
                and ladder.sort_order > stage_one.stage_one_sort_order
                and open_ladder.top_open_sort_order > stage_one.stage_one_sort_order
                then
                    cast(ladder.sort_order - stage_one.stage_one_sort_order as {{ type_double() }})
                    / (open_ladder.top_open_sort_order - stage_one.stage_one_sort_order)
            else 0.0
        end as ladder_position

    from ladder
    left join stage_one on 1 = 1
    left join open_ladder on 1 = 1

)

select
    *,
    ladder_position >= {{ var('late_stage_position', 0.5) }} and ladder_position > 0 as is_late_stage
from final
