-- Stage names used in OpportunityHistory or as an opportunity's current stage that are not
-- on the stage ladder. They are never guessed: such a stage does not count as progress, and
-- the test on this model warns with their names.
with

ladder as (

    select * from {{ ref('int_opportunity_stages_laddered') }}

),

history as (

    select * from {{ ref('stg_salesforce__opportunity_histories') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

stage_uses as (

    select
        stage_name,
        1 as history_rows,
        0 as current_stage_opportunities,
        opportunity_id

    from history
    where stage_name is not null

    union all

    select
        stage_name,
        0 as history_rows,
        1 as current_stage_opportunities,
        opportunity_id

    from opportunities
    where stage_name is not null

),

final as (

    select
        stage_uses.stage_name,
        sum(stage_uses.history_rows) as history_rows,
        sum(stage_uses.current_stage_opportunities) as current_stage_opportunities,
        count(distinct stage_uses.opportunity_id) as opportunities

    from stage_uses
    left join ladder
        on stage_uses.stage_name = ladder.stage_name
    where ladder.stage_name is null
    group by stage_uses.stage_name

)

select
    stage_name,
    cast(history_rows as {{ dbt.type_bigint() }}) as history_rows,
    cast(current_stage_opportunities as {{ dbt.type_bigint() }}) as current_stage_opportunities,
    cast(opportunities as {{ dbt.type_bigint() }}) as opportunities
from final
