-- AE side of the shared vocabulary: the taxonomy signals found in each attributed
-- opportunity's AE reasoning (lowercased), one row per opportunity and signal.
with

opportunities as (

    select * from {{ ref('int_opportunities_reasoned') }}
    where has_ae_text

),

taxonomy as (

    select * from {{ ref('signal_taxonomy') }}

),

texts as (

    select distinct ae_reasoning_text from opportunities

),

matches as (

    {{ tag_signals('texts', 'ae_reasoning_text', 'taxonomy', ref('signal_taxonomy')) }}

),

final as (

    select
        opportunities.opportunity_id,
        matches.signal,
        matches.polarity,
        matches.category

    from opportunities
    inner join matches
        on opportunities.ae_reasoning_text = matches.ae_reasoning_text

)

select * from final
