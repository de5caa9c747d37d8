-- Kaplan-Meier curves of the time from a contact's creation to its first progression beyond
-- Stage 1, per model and decision (qualified / not qualified), censored at as_of for the
-- contacts that have not progressed (pending ones included: the curve needs no maturity
-- cut-off). One row per whole day since creation, from 0 to the longest follow-up of the
-- group, with Greenwood's variance and a log(-log) 95% interval (always inside 0..1).
-- Left out and counted: undetermined contacts (their progress as of as_of is unknown) and
-- progressed contacts whose progression has no date (only a current stage, no history).
{%- set z = 1.96 %}
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}

),

days as (

    select cast(generated_number - 1 as {{ dbt.type_bigint() }}) as day
    from ({{ dbt.generate_series(days_var('window_days') + 1) }}) as series

),

observations as (

    select
        model,
        model_version,
        case when is_qualified then 'qualified' else 'not qualified' end as decision,
        first_progressed_at is not null as is_event,
        case
            when first_progressed_at is not null
                then greatest(
                        {{ dbt.datediff('contact_created_at', 'first_progressed_at', 'day') }}, 0
                    )
            else contact_age_days
        end as day,
        is_undetermined
        or (progressed_opportunities > 0 and first_progressed_at is null) as is_left_out

    from outcomes

),

groups as (

    select
        model,
        model_version,
        decision,
        sum(case when is_left_out then 0 else 1 end) as contacts_followed,
        sum(case when is_left_out then 1 else 0 end) as contacts_left_out,
        max(case when is_left_out then null else day end) as follow_up_days

    from observations
    group by model, model_version, decision

),

per_day as (

    select
        model,
        model_version,
        decision,
        day,
        sum(case when is_event then 1 else 0 end) as progressed,
        sum(case when is_event then 0 else 1 end) as censored

    from observations
    where not is_left_out
    group by model, model_version, decision, day

),

grid as (

    select
        groups.model,
        groups.model_version,
        groups.decision,
        groups.contacts_followed,
        groups.contacts_left_out,
        groups.follow_up_days,
        days.day,
        coalesce(per_day.progressed, 0) as progressed,
        coalesce(per_day.censored, 0) as censored

    from groups
    inner join days
        on groups.follow_up_days >= days.day
    left join per_day
        on
            groups.model = per_day.model
            and groups.model_version = per_day.model_version
            and groups.decision = per_day.decision
            and days.day = per_day.day

),

at_risk as (

    select
        *,
        contacts_followed - coalesce(sum(progressed + censored) over (
            partition by model, model_version, decision
            order by day
            rows between unbounded preceding and 1 preceding
        ), 0) as contacts_at_risk

    from grid

),

steps as (

    select
        *,
        case
            when progressed > 0 and progressed < contacts_at_risk
                then ln(1.0 - cast(progressed as {{ type_double() }}) / contacts_at_risk)
            else 0.0
        end as log_step,
        case when progressed > 0 and progressed = contacts_at_risk then 1 else 0 end
            as is_exhausting_step,
        case
            when progressed > 0 and progressed < contacts_at_risk
                then cast(progressed as {{ type_double() }})
                    / (cast(contacts_at_risk as {{ type_double() }}) * (contacts_at_risk - progressed))
            else 0.0
        end as greenwood_step

    from at_risk

),

cumulated as (

    select
        *,
        sum(log_step) over (
            partition by model, model_version, decision
            order by day rows between unbounded preceding and current row
        ) as log_survival,
        sum(is_exhausting_step) over (
            partition by model, model_version, decision
            order by day rows between unbounded preceding and current row
        ) as exhausting_steps,
        sum(greenwood_step) over (
            partition by model, model_version, decision
            order by day rows between unbounded preceding and current row
        ) as greenwood_sum,
        sum(progressed) over (
            partition by model, model_version, decision
            order by day rows between unbounded preceding and current row
        ) as progressed_so_far

    from steps

),

survival as (

    select
        *,
        case when exhausting_steps > 0 then 0.0 else exp(log_survival) end as not_progressed_share,
        -- Standard error of log(-log S) (Kalbfleisch-Prentice); null where S is 0 or 1.
        case
            when exhausting_steps = 0 and progressed_so_far > 0 and log_survival < 0
                then sqrt(greenwood_sum) / abs(log_survival)
        end as log_log_se

    from cumulated

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(decision as {{ dbt.type_string() }}) as decision,
        cast(day as {{ dbt.type_bigint() }}) as day,
        cast(contacts_at_risk as {{ dbt.type_bigint() }}) as contacts_at_risk,
        cast(progressed as {{ dbt.type_bigint() }}) as progressed_on_day,
        cast(censored as {{ dbt.type_bigint() }}) as censored_on_day,
        cast(progressed_so_far as {{ dbt.type_bigint() }}) as progressed_so_far,
        cast(1.0 - not_progressed_share as {{ type_double() }}) as progressed_share,
        cast(
            case
                when log_log_se is not null
                    then 1.0 - power(not_progressed_share, exp(-{{ z }} * log_log_se))
                when progressed_so_far = 0 then 0.0
            end as {{ type_double() }}
        ) as progressed_share_low,
        cast(
            case
                when log_log_se is not null
                    then 1.0 - power(not_progressed_share, exp({{ z }} * log_log_se))
                when exhausting_steps > 0 then 1.0
            end as {{ type_double() }}
        ) as progressed_share_high,
        cast(
            case when exhausting_steps = 0 then greenwood_sum end as {{ type_double() }}
        ) as greenwood_sum,
        cast(contacts_followed as {{ dbt.type_bigint() }}) as contacts_followed,
        cast(contacts_left_out as {{ dbt.type_bigint() }}) as contacts_left_out,
        cast(follow_up_days as {{ dbt.type_bigint() }}) as follow_up_days

    from survival

)

select * from final
