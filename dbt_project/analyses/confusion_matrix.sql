-- The seed's confusion-matrix query, fixed: one outcome per contact and model (the seed
-- joined contacts to opportunities, counting a contact once per opportunity and dropping
-- contacts without one), pending contacts kept apart.
select
    model,
    model_version,
    outcome,
    count(*) as contacts

from {{ ref('contact_outcomes') }}
group by model, model_version, outcome
order by model asc, model_version asc, outcome asc
