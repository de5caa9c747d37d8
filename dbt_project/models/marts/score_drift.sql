-- Does the score distribution shift between cohorts? Per model, version and cohort (as in
-- cohort_metrics): the population stability index of the cohort's scores against the rest of
-- the window (every other cohort) and against the previous cohort, over ten equal-width score
-- bins (0-0.1, ..., 0.9-1). PSI = sum over bins of (share - reference share) * ln(share /
-- reference share), with each share smoothed by half a contact per bin ((count + 0.5) / (n +
-- 5)), so an empty bin counts without dividing by zero or swamping a small cohort.
-- Small cohorts drift by chance alone: psi_noise_95 is the PSI that sampling exceeds 5% of the
-- time with no shift at all (n_eff * PSI ~ chi-square with 9 degrees of freedom, n_eff =
-- 1 / (1/n + 1/m)); a cohort's drift is named only beyond it (usual sizes: below 0.1 small,
-- 0.1-0.25 moderate, above 0.25 shifted).
{%- set chi_square_9_95 = 16.918977604620448 %}
with

outcomes as (

    select * from {{ ref('contact_outcomes') }}

),

binned as (

    select
        model,
        model_version,
        {{ cohort_start('contact_created_at') }} as cohort_start,
        qualification_score as score,
        cast(least(greatest(floor(qualification_score * 10), 0), 9) as {{ dbt.type_bigint() }})
            as score_bin

    from outcomes
    where qualification_score is not null

),

cohorts as (

    select
        model,
        model_version,
        cohort_start,
        count(*) as contacts_scored,
        avg(score) as mean_score,
        sum(count(*)) over (partition by model, model_version) as window_scored,
        lag(cohort_start) over (
            partition by model, model_version order by cohort_start
        ) as previous_cohort_start

    from binned
    group by model, model_version, cohort_start

),

bins as (

    select cast(generated_number - 1 as {{ dbt.type_bigint() }}) as score_bin
    from ({{ dbt.generate_series(10) }}) as series

),

bin_counts as (

    select
        model,
        model_version,
        cohort_start,
        score_bin,
        count(*) as contacts

    from binned
    group by model, model_version, cohort_start, score_bin

),

grid as (

    select
        cohorts.model,
        cohorts.model_version,
        cohorts.cohort_start,
        cohorts.previous_cohort_start,
        cohorts.contacts_scored,
        cohorts.window_scored,
        bins.score_bin,
        coalesce(bin_counts.contacts, 0) as contacts,
        sum(coalesce(bin_counts.contacts, 0)) over (
            partition by cohorts.model, cohorts.model_version, bins.score_bin
        ) as window_contacts

    from cohorts
    cross join bins
    left join bin_counts
        on
            cohorts.model = bin_counts.model
            and cohorts.model_version = bin_counts.model_version
            and cohorts.cohort_start = bin_counts.cohort_start
            and bins.score_bin = bin_counts.score_bin

),

shares as (

    select
        *,
        (cast(contacts as {{ type_double() }}) + 0.5) / (cast(contacts_scored as {{ type_double() }}) + 5.0) as share,
        case
            when window_scored > contacts_scored
                then (cast(window_contacts - contacts as {{ type_double() }}) + 0.5)
                    / (cast(window_scored - contacts_scored as {{ type_double() }}) + 5.0)
        end as rest_share

    from grid

),

psi as (

    select
        current_cohort.model,
        current_cohort.model_version,
        current_cohort.cohort_start,
        sum(
            (current_cohort.share - current_cohort.rest_share)
            * ln(current_cohort.share / current_cohort.rest_share)
        ) as psi_vs_rest,
        sum(
            (current_cohort.share - previous_cohort.share)
            * ln(current_cohort.share / previous_cohort.share)
        ) as psi_vs_previous,
        max(previous_cohort.contacts_scored) as previous_scored

    from shares as current_cohort
    left join shares as previous_cohort
        on
            current_cohort.model = previous_cohort.model
            and current_cohort.model_version = previous_cohort.model_version
            and current_cohort.previous_cohort_start = previous_cohort.cohort_start
            and current_cohort.score_bin = previous_cohort.score_bin
    group by current_cohort.model, current_cohort.model_version, current_cohort.cohort_start

),

judged as (

    select
        cohorts.*,
        psi.psi_vs_rest,
        psi.psi_vs_previous,
        case
            when cohorts.window_scored > cohorts.contacts_scored
                then {{ chi_square_9_95 }} * (
                        1.0 / cohorts.contacts_scored
                        + 1.0 / (cohorts.window_scored - cohorts.contacts_scored)
                    )
        end as psi_noise_95

    from cohorts
    left join psi
        on
            cohorts.model = psi.model
            and cohorts.model_version = psi.model_version
            and cohorts.cohort_start = psi.cohort_start

),

final as (

    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast('{{ cohort_grain() }}' as {{ dbt.type_string() }}) as cohort_grain,
        cohort_start,
        cast(contacts_scored as {{ dbt.type_bigint() }}) as contacts_scored,
        cast(mean_score as {{ type_double() }}) as mean_score,
        cast(psi_vs_rest as {{ type_double() }}) as psi_vs_rest,
        cast(psi_vs_previous as {{ type_double() }}) as psi_vs_previous,
        cast(psi_noise_95 as {{ type_double() }}) as psi_noise_95,
        cast(
            case
                when psi_vs_rest is null then 'not measurable'
                when psi_vs_rest <= psi_noise_95 then 'within noise'
                when psi_vs_rest < 0.1 then 'small'
                when psi_vs_rest <= 0.25 then 'moderate'
                else 'shifted'
            end as {{ dbt.type_string() }}
        ) as drift

    from judged

)

select * from final
