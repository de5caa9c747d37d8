-- Model side of the shared vocabulary: the taxonomy signals found in the model's reasoning
-- and its industries, use cases and enterprise indicators (lowercased), one row per
-- contact, model, model version and signal.
with

qualifications as (

    select
        contact_id,
        model,
        model_version,
        lower({{ join_non_null(' | ', ['reasoning', 'industries', 'use_cases', 'enterprise_indicators']) }})
            as model_reasoning_text

    from {{ ref('int_qualifications_windowed') }}

),

taxonomy as (

    select * from {{ ref('signal_taxonomy') }}

),

texts as (

    select distinct model_reasoning_text
    from qualifications
    where model_reasoning_text is not null

),

matches as (

    {{ tag_signals('texts', 'model_reasoning_text', 'taxonomy', ref('signal_taxonomy')) }}

),

final as (

    select
        qualifications.contact_id,
        qualifications.model,
        qualifications.model_version,
        matches.signal,
        matches.polarity,
        matches.category

    from qualifications
    inner join matches
        on qualifications.model_reasoning_text = matches.model_reasoning_text

)

select * from final
