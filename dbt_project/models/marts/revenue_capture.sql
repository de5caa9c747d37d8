-- How much money the model finds, per model and version, in the corporate currency: the
-- pipeline created and the revenue won (by as_of) on the window contacts' attributed
-- opportunities, split by whether the model qualified at least one of the opportunity's
-- contacts. Each opportunity counts once per model, however many of its contacts are in the
-- window. Opportunities without a corporate amount (no amount, or no rate to convert it) are
-- counted apart and never summed.
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}

),

deals as (

    select * from {{ ref('deal_progressions') }}

),

contacts as (

    select
        model,
        model_version,
        count(*) as contacts,
        sum(case when is_qualified then 1 else 0 end) as contacts_qualified

    from outcomes
    group by model, model_version

),

opportunities as (

    select
        model,
        model_version,
        opportunity_id,
        max(amount) as amount,
        max(corporate_currency) as corporate_currency,
        max(case when has_reached_won then 1 else 0 end) = 1 as is_won,
        max(case when is_qualified then 1 else 0 end) = 1 as is_found

    from deals
    group by model, model_version, opportunity_id

),

money as (

    select
        model,
        model_version,
        max(corporate_currency) as corporate_currency,
        count(*) as opportunities,
        sum(case when amount is null then 1 else 0 end) as opportunities_without_amount,
        sum(case when is_won then 1 else 0 end) as won_opportunities,
        sum(case when is_won and is_found then 1 else 0 end) as won_opportunities_found,
        sum(case when is_found then amount end) as pipeline_found,
        sum(case when not is_found then amount end) as pipeline_missed,
        sum(case when is_won and is_found then amount end) as won_found,
        sum(case when is_won and not is_found then amount end) as won_missed

    from opportunities
    group by model, model_version

),

final as (

    select
        cast(contacts.model as {{ dbt.type_string() }}) as model,
        cast(contacts.model_version as {{ dbt.type_string() }}) as model_version,
        cast(money.corporate_currency as {{ dbt.type_string() }}) as corporate_currency,
        cast(contacts.contacts as {{ dbt.type_bigint() }}) as contacts,
        cast(contacts.contacts_qualified as {{ dbt.type_bigint() }}) as contacts_qualified,
        cast(
            {{ safe_ratio('contacts.contacts_qualified', 'contacts.contacts') }}
            as {{ type_double() }}
        ) as qualified_share,
        cast(coalesce(money.opportunities, 0) as {{ dbt.type_bigint() }}) as opportunities,
        cast(
            coalesce(money.opportunities_without_amount, 0) as {{ dbt.type_bigint() }}
        ) as opportunities_without_amount,
        cast(coalesce(money.won_opportunities, 0) as {{ dbt.type_bigint() }}) as won_opportunities,
        cast(
            coalesce(money.won_opportunities_found, 0) as {{ dbt.type_bigint() }}
        ) as won_opportunities_found,
        cast(coalesce(money.pipeline_found, 0) as {{ type_double() }}) as pipeline_found,
        cast(coalesce(money.pipeline_missed, 0) as {{ type_double() }}) as pipeline_missed,
        cast(coalesce(money.won_found, 0) as {{ type_double() }}) as won_found,
        cast(coalesce(money.won_missed, 0) as {{ type_double() }}) as won_missed,
        cast(
            coalesce(money.won_found, 0) + coalesce(money.won_missed, 0) as {{ type_double() }}
        ) as won_total,
        cast(
            {{ safe_ratio(
                'coalesce(money.won_found, 0)',
                'coalesce(money.won_found, 0) + coalesce(money.won_missed, 0)'
            ) }} as {{ type_double() }}
        ) as revenue_weighted_recall

    from contacts
    left join money
        on
            contacts.model = money.model
            and contacts.model_version = money.model_version

)

select * from final
