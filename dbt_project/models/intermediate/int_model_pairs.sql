-- The pairs of models judged side by side on the same contacts: each model (and version)
-- with each baseline (var baseline_models, default demographic then fitted_history), and a
-- baseline with the baselines listed before it. One row per pair and decided contact both
-- models scored: its label and both scores and decisions (null where scoring failed).
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}
    where is_decided

),

versions as (

    select distinct
        model,
        model_version

    from outcomes

),

pairs as (

    {{ comparison_pairs('versions') }}

),

final as (

    select
        pairs.model,
        pairs.model_version,
        pairs.baseline_model,
        pairs.baseline_model_version,
        model_outcomes.contact_id,
        case when model_outcomes.ae_progressed then 1 else 0 end as label,
        model_outcomes.qualification_score as score,
        baseline_outcomes.qualification_score as baseline_score,
        case
            when model_outcomes.is_qualified then 1 when not model_outcomes.is_qualified then 0
        end as qualified,
        case
            when baseline_outcomes.is_qualified then 1
            when not baseline_outcomes.is_qualified then 0
        end as baseline_qualified

    from pairs
    inner join outcomes as model_outcomes
        on
            pairs.model = model_outcomes.model
            and pairs.model_version = model_outcomes.model_version
    inner join outcomes as baseline_outcomes
        on
            pairs.baseline_model = baseline_outcomes.model
            and pairs.baseline_model_version = baseline_outcomes.model_version
            and model_outcomes.contact_id = baseline_outcomes.contact_id

)

select * from final
