-- fitted_history's training population: the contacts old enough to have matured before the
-- backtest window starts (created on or before the window's day before minus maturity_days),
-- so that their outcome at the maturity horizon was known before any window contact arrived.
with

contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

final as (

    select
        contact_id,
        account_id,
        contact_name,
        title,
        email,
        lead_source,
        created_at,
        last_modified_at

    from contacts
    where cast(created_at as date) <= {{ training_created_by() }}

)

select * from final
