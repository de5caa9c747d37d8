-- Every scoring row, typed. Before the scoring step has run the table may not exist yet:
-- this view is then empty, and so are the marts.
with

source as (

    {{ source_columns(source('scoring', 'qualifications'), {
        'contact_id': 'id', 'model': 'string', 'model_version': 'string', 'as_of': 'date',
        'scored_at': 'datetime', 'domain': 'string', 'domain_source': 'string',
        'score': 'double', 'is_qualified': 'bool', 'confidence': 'string',
        'industries': 'string', 'use_cases': 'string', 'enterprise_indicators': 'string',
        'reasoning': 'string', 'business_signals': 'string', 'status': 'string',
        'error': 'string', 'input_point_in_time': 'string', 'inputs_edited_after': 'string',
        'point_in_time_mode': 'string', 'inputs_truncated': 'string',
    }) }}

),

renamed as (

    select
        {{ sf_id('contact_id') }} as contact_id,
        model,
        coalesce(model_version, '') as model_version,
        as_of,
        scored_at,
        domain,
        domain_source,
        score,
        is_qualified,
        upper(confidence) as confidence,
        nullif(trim(industries), '') as industries,
        nullif(trim(use_cases), '') as use_cases,
        nullif(trim(enterprise_indicators), '') as enterprise_indicators,
        reasoning,
        business_signals,
        lower(status) as status,
        error as error_message,
        coalesce(input_point_in_time, 'unknown') as input_point_in_time,
        inputs_edited_after,
        point_in_time_mode,
        nullif(trim(inputs_truncated), '') as inputs_truncated

    from source

)

select * from renamed
