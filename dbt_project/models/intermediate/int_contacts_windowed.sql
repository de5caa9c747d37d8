-- The backtest population: contacts created with date in (as_of - window_days, as_of],
-- with their account, owner and age at as_of.
with

contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

users as (

    select * from {{ ref('stg_salesforce__users') }}

),

windowed as (

    select
        *,
        cast(created_at as date) as created_on

    from contacts
    where
        cast(created_at as date) > {{ window_start_exclusive() }}
        and cast(created_at as date) <= {{ as_of_date() }}

),

final as (

    select
        windowed.contact_id,
        windowed.account_id,
        windowed.owner_id,
        windowed.contact_name,
        windowed.email,
        windowed.title,
        windowed.lead_source,
        windowed.created_at,
        windowed.created_on,
        windowed.last_modified_at,
        {{ dbt.datediff('windowed.created_on', as_of_date(), 'day') }} as contact_age_days,
        {{ dbt.datediff('windowed.created_on', as_of_date(), 'day') }}
        >= {{ days_var('maturity_days', 0) }} as is_mature,
        accounts.account_name,
        accounts.last_modified_at as account_last_modified_at,
        accounts.industry as account_industry,
        accounts.number_of_employees,
        case
            when accounts.number_of_employees is null then 'unknown'
            when accounts.number_of_employees < 50 then '1-49'
            when accounts.number_of_employees < 200 then '50-199'
            when accounts.number_of_employees < 1000 then '200-999'
            when accounts.number_of_employees < 5000 then '1000-4999'
            else '5000+'
        end as company_size_band,
        users.user_name as owner_name

    from windowed
    left join accounts
        on windowed.account_id = accounts.account_id
    left join users
        on windowed.owner_id = users.user_id

)

select * from final
