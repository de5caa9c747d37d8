-- The costliest misses, with the model's and the AE's reasoning side by side:
--   missed_won_deal        false negative whose opportunity was won by as_of;
--   missed_late_stage_deal false negative whose opportunity reached a late stage;
--   closed_at_stage_one    false positive whose opportunity the AE closed lost from Stage 1.
-- review_rank orders them per model: missed won deals (largest amount first), then missed
-- late-stage deals (largest amount, then furthest stage), then stage-one closures (highest
-- score first: the most confident wasted AE time). kind_rank orders them the same way
-- within each miss type; kind_misses and kind_amount count and sum each type, so a report
-- can show the top few of each kind and still say how many there are.
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}
    where
        (outcome = 'FN' and (has_won_opportunity or has_late_stage_opportunity))
        or (outcome = 'FP' and has_opportunity_closed_at_stage_one)

),

deals as (

    select * from {{ ref('deal_progressions') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_progressed') }}

),

qualifications as (

    select * from {{ ref('lead_qualifications') }}

),

candidates as (

    select
        outcomes.contact_id,
        outcomes.model,
        outcomes.model_version,
        outcomes.outcome,
        outcomes.qualification_score,
        deals.opportunity_id,
        deals.opportunity_name,
        deals.amount,
        deals.amount_original,
        deals.currency_iso_code,
        deals.corporate_currency,
        deals.amount_rate_source,
        deals.stage_as_of,
        deals.highest_stage_name,
        deals.ae_owner,
        deals.ae_progression_reason,
        deals.shared_signals,
        deals.ae_only_signals,
        deals.model_only_signals,
        deals.alignment_score,
        opportunities.highest_sort_order,
        case
            when outcomes.outcome = 'FN' and opportunities.has_reached_won then 'missed_won_deal'
            when outcomes.outcome = 'FN' and opportunities.has_reached_late_stage then 'missed_late_stage_deal'
            when outcomes.outcome = 'FP' and opportunities.is_closed_at_stage_one then 'closed_at_stage_one'
        end as miss_type

    from outcomes
    inner join deals
        on
            outcomes.contact_id = deals.contact_id
            and outcomes.model = deals.model
            and outcomes.model_version = deals.model_version
    inner join opportunities
        on deals.opportunity_id = opportunities.opportunity_id

),

prioritised as (

    select
        *,
        case miss_type
            when 'missed_won_deal' then 1
            when 'missed_late_stage_deal' then 2
            else 3
        end as miss_priority

    from candidates
    where miss_type is not null

),

per_contact as (

    select
        *,
        row_number() over (
            partition by contact_id, model, model_version
            order by miss_priority asc, amount desc nulls last, highest_sort_order desc nulls last, opportunity_id asc
        ) as opportunity_rank

    from prioritised

),

ranked as (

    select
        per_contact.*,
        row_number() over (
            partition by per_contact.model, per_contact.model_version
            order by
                per_contact.miss_priority asc,
                case when per_contact.miss_priority < 3 then per_contact.amount end desc nulls last,
                case when per_contact.miss_priority < 3 then per_contact.highest_sort_order end desc nulls last,
                per_contact.qualification_score desc,
                per_contact.contact_id asc
        ) as review_rank,
        row_number() over (
            partition by per_contact.model, per_contact.model_version, per_contact.miss_type
            order by
                case when per_contact.miss_priority < 3 then per_contact.amount end desc nulls last,
                case when per_contact.miss_priority < 3 then per_contact.highest_sort_order end desc nulls last,
                per_contact.qualification_score desc,
                per_contact.contact_id asc
        ) as kind_rank,
        count(*) over (
            partition by per_contact.model, per_contact.model_version, per_contact.miss_type
        ) as kind_misses,
        sum(per_contact.amount) over (
            partition by per_contact.model, per_contact.model_version, per_contact.miss_type
        ) as kind_amount,
        sum(case when per_contact.amount_rate_source = 'missing' then 1 else 0 end) over (
            partition by per_contact.model, per_contact.model_version, per_contact.miss_type
        ) as kind_amounts_without_rate,
        sum(case when per_contact.amount_rate_source = 'missing' then 1 else 0 end) over (
            partition by per_contact.model, per_contact.model_version
        ) as model_amounts_without_rate

    from per_contact
    where per_contact.opportunity_rank = 1

),

final as (

    select
        cast(ranked.model as {{ dbt.type_string() }}) as model,
        cast(ranked.model_version as {{ dbt.type_string() }}) as model_version,
        cast(ranked.review_rank as {{ dbt.type_bigint() }}) as review_rank,
        cast(ranked.miss_type as {{ dbt.type_string() }}) as miss_type,
        cast(ranked.kind_rank as {{ dbt.type_bigint() }}) as kind_rank,
        cast(ranked.kind_misses as {{ dbt.type_bigint() }}) as kind_misses,
        cast(ranked.kind_amount as {{ type_double() }}) as kind_amount,
        cast(ranked.kind_amounts_without_rate as {{ dbt.type_bigint() }}) as kind_amounts_without_rate,
        cast(ranked.model_amounts_without_rate as {{ dbt.type_bigint() }}) as model_amounts_without_rate,
        cast(ranked.outcome as {{ dbt.type_string() }}) as outcome,
        cast(ranked.contact_id as {{ dbt.type_string() }}) as contact_id,
        qualifications.contact_name,
        qualifications.company_name,
        ranked.qualification_score,
        qualifications.confidence,
        qualifications.industries,
        qualifications.use_cases,
        qualifications.reasoning as model_reasoning,
        cast(ranked.opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        ranked.opportunity_name,
        ranked.amount,
        ranked.amount_original,
        ranked.currency_iso_code,
        ranked.corporate_currency,
        ranked.amount_rate_source,
        ranked.stage_as_of,
        ranked.highest_stage_name,
        ranked.ae_owner,
        ranked.ae_progression_reason as ae_reasoning,
        ranked.shared_signals,
        ranked.ae_only_signals,
        ranked.model_only_signals,
        ranked.alignment_score

    from ranked
    inner join qualifications
        on
            ranked.contact_id = qualifications.contact_id
            and ranked.model = qualifications.model
            and ranked.model_version = qualifications.model_version

)

select * from final
