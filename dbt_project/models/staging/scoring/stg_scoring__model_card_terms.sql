-- fitted_history's coefficients (scoring/fitted.py), typed: one row per model, version,
-- as_of and term. Empty before the fitted step has run, or when it did not train.
with

source as (

    {{ source_columns(source('scoring', 'model_card_terms'), {
        'model': 'string', 'model_version': 'string', 'as_of': 'date', 'term': 'string',
        'feature': 'string', 'level': 'string', 'coefficient': 'double',
    }) }}

),

final as (

    select
        model,
        coalesce(model_version, '') as model_version,
        as_of,
        term,
        feature,
        level,
        coefficient

    from source

)

select * from final
