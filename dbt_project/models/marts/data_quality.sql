-- What the backtest noticed about the data, per object and check: one row each, counted
-- even when nothing is wrong (affected_rows = 0), so a report or a query can show "none".
--   dates_out_of_range     CreatedDate / LastModifiedDate / SystemModstamp before 1970 or
--                          after 2100 (as loaded, every version of every record);
--   modstamp_in_future     SystemModstamp later than this dbt build (loaded and kept; the
--                          extract's cursor never follows it, see README);
--   duplicate_ids_in_load  rows beyond the first of an Id within one load (staging keeps the
--                          newest SystemModstamp);
--   without_account / without_email (contacts), without_stage / unknown_stage
--   (opportunities), amount_without_rate (opportunities whose currency has no rate),
--   inputs_truncated (qualification rows of as_of whose text was cut to the API's limits),
--   inputs_not_point_in_time (qualification rows of as_of sent a field edited after the
--   contact arrived that no history could undo: edited_after or withheld).
{%- set raw_objects = [
    ('Account', 'account'),
    ('Contact', 'contact'),
    ('Lead', 'lead'),
    ('Opportunity', 'opportunity'),
    ('OpportunityHistory', 'opportunity_history'),
    ('OpportunityContactRole', 'opportunity_contact_role'),
] %}
{%- set built_at = build_started_at() %}

with

raw_counts as (

    {% for object_name, table in raw_objects %}
        {{ raw_record_counts(object_name, table, built_at) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

unknown_stages as (

    select * from {{ ref('int_opportunity_stages_unknown') }}

),

amounts as (

    select * from {{ ref('int_opportunity_amounts_converted') }}

),

qualifications as (

    select * from {{ ref('stg_scoring__qualifications') }}
    where as_of = {{ as_of_date() }}

),

checks as (

    select
        object_name,
        'dates_out_of_range' as check_name,
        dates_out_of_range as affected_rows,
        total_rows,
        'Rows dated before 1970 or after 2100 (CreatedDate, LastModifiedDate or SystemModstamp)' as description
    from raw_counts

    union all

    select
        object_name,
        'modstamp_in_future' as check_name,
        modstamp_in_future as affected_rows,
        total_rows,
        'Rows whose SystemModstamp is later than this build: loaded, never followed by the incremental cursor' as description
    from raw_counts

    union all

    select
        object_name,
        'duplicate_ids_in_load' as check_name,
        duplicate_rows as affected_rows,
        total_rows,
        'Rows repeating an Id within one load (the newest SystemModstamp is kept)' as description
    from raw_counts

    union all

    select
        'Contact' as object_name,
        'without_account' as check_name,
        sum(case when account_id is null then 1 else 0 end) as affected_rows,
        count(*) as total_rows,
        'Contacts without an account (the model gets no company facts; only roles and leads link deals)' as description
    from contacts

    union all

    select
        'Contact' as object_name,
        'without_email' as check_name,
        sum(case when email is null or trim(email) = '' then 1 else 0 end) as affected_rows,
        count(*) as total_rows,
        'Contacts without an email (the domain comes from the account website, if any)' as description
    from contacts

    union all

    select
        'Opportunity' as object_name,
        'without_stage' as check_name,
        sum(case when stage_name is null or trim(stage_name) = '' then 1 else 0 end) as affected_rows,
        count(*) as total_rows,
        'Opportunities without a stage (they cannot count as progressed)' as description
    from opportunities

    union all

    select
        'Opportunity' as object_name,
        'unknown_stage' as check_name,
        coalesce(max(unknown.opportunities), 0) as affected_rows,
        count(*) as total_rows,
        'Opportunities using a stage not on the ladder, per stage name (never guessed as progress)' as description
    from opportunities
    cross join (
        select sum(unknown_stages.opportunities) as opportunities
        from unknown_stages
    ) as unknown

    union all

    select
        'Opportunity' as object_name,
        'amount_without_rate' as check_name,
        sum(case when rate_source = 'missing' and amount_original is not null then 1 else 0 end) as affected_rows,
        count(*) as total_rows,
        'Amounts in a currency without a rate to the corporate currency (left out of sums, never mixed)' as description
    from amounts

    union all

    select
        'Qualification' as object_name,
        'inputs_truncated' as check_name,
        sum(case when inputs_truncated is not null then 1 else 0 end) as affected_rows,
        count(*) as total_rows,
        'Qualification rows of as_of whose text was cut to the maximum length of the API contract' as description
    from qualifications

    union all

    select
        'Qualification' as object_name,
        'inputs_not_point_in_time' as check_name,
        sum(case when input_point_in_time in ('edited_after', 'withheld') then 1 else 0 end) as affected_rows,
        count(*) as total_rows,
        'Qualification rows of as_of sent a field edited after the contact arrived that no history undoes' as description
    from qualifications

),

final as (

    select
        cast(object_name as {{ dbt.type_string() }}) as object_name,
        cast(check_name as {{ dbt.type_string() }}) as check_name,
        cast(coalesce(affected_rows, 0) as {{ dbt.type_bigint() }}) as affected_rows,
        cast(coalesce(total_rows, 0) as {{ dbt.type_bigint() }}) as total_rows,
        cast(description as {{ dbt.type_string() }}) as description

    from checks

)

select * from final
