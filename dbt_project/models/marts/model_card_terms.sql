-- The coefficients of each fitted model for this as_of, one row per term (a standardised
-- number, a seniority level, an industry or a lead source), with its odds ratio: how much
-- one standard deviation more, or that level instead of the reference, multiplies the odds
-- of progressing. Ranked by size within the model.
with

terms as (

    select * from {{ ref('stg_scoring__model_card_terms') }}
    where as_of = {{ as_of_date() }}

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(as_of as date) as as_of,
        cast(term as {{ dbt.type_string() }}) as term,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(level as {{ dbt.type_string() }}) as level,
        cast(coefficient as {{ type_double() }}) as coefficient,
        cast(exp(coefficient) as {{ type_double() }}) as odds_ratio,
        cast(
            row_number() over (
                partition by model, model_version
                order by abs(coefficient) desc, term asc
            ) as {{ dbt.type_bigint() }}
        ) as term_rank

    from terms

)

select * from final
