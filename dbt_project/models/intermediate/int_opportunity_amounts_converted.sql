-- Every opportunity's amount in the corporate currency (DESIGN.md "Money"): the dated rate
-- whose range [start_date, next_start_date) holds the close date, else the currency's
-- CurrencyType rate; corporate amount = amount / rate (rates are units of the currency per
-- corporate unit). A single-currency org (no currency on the record) keeps its amount as it
-- is. An amount whose currency has no rate gets no corporate amount and says so
-- (rate_source 'missing'): never mixed into a sum or a ranking as if it were corporate.
-- Not in staging, which joins nothing: the conversion joins three objects.
with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

currency_types as (

    select * from {{ ref('stg_salesforce__currency_types') }}

),

dated_rates as (

    select * from {{ ref('stg_salesforce__dated_conversion_rates') }}

),

corporate as (

    select min(iso_code) as corporate_currency
    from currency_types
    where is_corporate

),

dated as (

    select
        opportunities.opportunity_id,
        min(dated_rates.conversion_rate) as dated_rate

    from opportunities
    inner join dated_rates
        on
            opportunities.currency_iso_code = dated_rates.iso_code
            and opportunities.close_date >= dated_rates.start_date
            and (dated_rates.next_start_date is null or opportunities.close_date < dated_rates.next_start_date)
    group by opportunities.opportunity_id

),

rated as (

    select
        opportunities.opportunity_id,
        opportunities.amount as amount_original,
        opportunities.currency_iso_code,
        corporate.corporate_currency,
        dated.dated_rate,
        currency_types.conversion_rate as type_rate

    from opportunities
    left join corporate
        on 1 = 1
    left join dated
        on opportunities.opportunity_id = dated.opportunity_id
    left join currency_types
        on opportunities.currency_iso_code = currency_types.iso_code

),

final as (

    select
        opportunity_id,
        amount_original,
        currency_iso_code,
        corporate_currency,
        case
            when currency_iso_code is null then 'single_currency'
            when currency_iso_code = corporate_currency then 'corporate'
            when dated_rate > 0 then 'dated'
            when type_rate > 0 then 'currency_type'
            else 'missing'
        end as rate_source,
        case
            when currency_iso_code is null or currency_iso_code = corporate_currency then cast(1 as {{ type_double() }})
            when dated_rate > 0 then dated_rate
            when type_rate > 0 then type_rate
        end as conversion_rate,
        case
            when currency_iso_code is null or currency_iso_code = corporate_currency then amount_original
            when dated_rate > 0 then amount_original / dated_rate
            when type_rate > 0 then amount_original / type_rate
        end as amount

    from rated

)

select * from final
