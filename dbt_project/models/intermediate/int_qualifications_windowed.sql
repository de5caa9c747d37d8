-- The scores judged: status = 'ok' rows for as_of of contacts in the backtest window.
with

qualifications as (

    select * from {{ ref('stg_scoring__qualifications') }}
    where status = 'ok' and as_of = {{ as_of_date() }}

),

contacts as (

    select * from {{ ref('int_contacts_windowed') }}

),

final as (

    select qualifications.*

    from qualifications
    inner join contacts
        on qualifications.contact_id = contacts.contact_id
    where qualifications.score is not null and qualifications.is_qualified is not null

)

select * from final
