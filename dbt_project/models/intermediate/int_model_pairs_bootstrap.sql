-- Paired bootstrap of the precision, recall and F1 differences between the two models of each
-- pair (int_model_pairs), on the same decided contacts. Those differences depend on a contact
-- only through its cell (label, model decision, baseline decision): eight cells. Each resample
-- is a Poisson bootstrap (every contact drawn Poisson(1) times), so a cell of n contacts is
-- drawn Poisson(n) times, independently of the others: per resample and cell one draw by
-- inverting the Poisson(n) distribution at a uniform number taken from md5(seed, pair,
-- resample, cell). Same resamples on every engine; var bootstrap_resamples (default 1000) and
-- bootstrap_seed. The 95% interval is the 2.5% and 97.5% quantiles of the resampled
-- differences (linear interpolation between order statistics, numpy's default).
{%- set pair = ['model', 'model_version', 'baseline_model', 'baseline_model_version'] %}
{%- set resamples = days_var('bootstrap_resamples', 100) %}
{%- set seed = var('bootstrap_seed', 20261129) %}
{#- Poisson(n) is tabled from n - 8 sqrt(n) (from 0 below n = 400) to n + 8 sqrt(n) + 8:
    outside it lies less than 1e-14 of the mass. 32,768 steps cover cells of 4 million. #}
{%- set span = 32768 %}
with

paired as (

    select * from {{ ref('int_model_pairs') }}
    where qualified is not null and baseline_qualified is not null

),

cells as (

    select
        {{ pair | join(', ') }},
        label,
        qualified,
        baseline_qualified,
        cast(count(*) as {{ type_double() }}) as contacts

    from paired
    group by {{ pair | join(', ') }}, label, qualified, baseline_qualified

),

ranges as (

    select
        *,
        case
            when contacts < 400 then 0
            else cast(floor(contacts - 8 * sqrt(contacts)) as {{ dbt.type_bigint() }})
        end as first_count,
        cast(ceil(contacts + 8 * sqrt(contacts) + 8) as {{ dbt.type_bigint() }}) as last_count

    from cells

),

steps as (

    select cast(generated_number - 1 as {{ dbt.type_bigint() }}) as step
    from ({{ dbt.generate_series(span) }}) as series

),

-- ln P(k) = ln P(first) + sum over j in (first, k] of ln(n / j).
log_terms as (

    select
        {{ pair | join(', ') }},
        ranges.label,
        ranges.qualified,
        ranges.baseline_qualified,
        ranges.first_count + steps.step as draws,
        ranges.last_count,
        case
            when steps.step > 0
                then ln(ranges.contacts) - ln(cast(ranges.first_count + steps.step as {{ type_double() }}))
            when ranges.first_count = 0 then -ranges.contacts
            else
                ranges.first_count * ln(ranges.contacts) - ranges.contacts
                - {{ ln_factorial('cast(ranges.first_count as ' ~ type_double() ~ ')') }}
        end as log_term

    from ranges
    inner join steps
        on ranges.last_count - ranges.first_count >= steps.step

),

distribution as (

    select
        *,
        sum(exp(log_probability)) over (
            partition by {{ pair | join(', ') }}, label, qualified, baseline_qualified
            order by draws rows between unbounded preceding and current row
        ) as cumulative

    from (
        select
            *,
            sum(log_term) over (
                partition by {{ pair | join(', ') }}, label, qualified, baseline_qualified
                order by draws rows between unbounded preceding and current row
            ) as log_probability
        from log_terms
    ) as logged

),

intervals as (

    select
        {{ pair | join(', ') }},
        label,
        qualified,
        baseline_qualified,
        draws,
        coalesce(lag(cumulative) over (
            partition by {{ pair | join(', ') }}, label, qualified, baseline_qualified
            order by draws
        ), 0.0) as cumulative_below,
        case when draws = last_count then 1.0 else cumulative end as cumulative_to

    from distribution

),

resamples as (

    select cast(generated_number as {{ dbt.type_bigint() }}) as resample
    from ({{ dbt.generate_series(resamples) }}) as series

),

uniforms as (

    select
        {% for column in pair %}cells.{{ column }},
        {% endfor -%}
        cells.label,
        cells.qualified,
        cells.baseline_qualified,
        resamples.resample,
        {{ uniform_from_text(dbt.concat([
            "'" ~ seed ~ "|'", 'cells.model', "'|'", 'cells.model_version', "'|'",
            'cells.baseline_model', "'|'", 'cells.baseline_model_version', "'|'",
            'cast(resamples.resample as ' ~ dbt.type_string() ~ ')', "'|'",
            'cast(cells.label as ' ~ dbt.type_string() ~ ')',
            'cast(cells.qualified as ' ~ dbt.type_string() ~ ')',
            'cast(cells.baseline_qualified as ' ~ dbt.type_string() ~ ')',
        ])) }} as uniform

    from cells
    cross join resamples

),

drawn as (

    select
        uniforms.*,
        intervals.draws

    from uniforms
    inner join intervals
        on
            {% for column in pair %}
                uniforms.{{ column }} = intervals.{{ column }}
                and {% endfor %}uniforms.label = intervals.label
            and uniforms.qualified = intervals.qualified
            and uniforms.baseline_qualified = intervals.baseline_qualified
            and uniforms.uniform > intervals.cumulative_below
            and uniforms.uniform <= intervals.cumulative_to

),

confusions as (

    select
        {{ pair | join(', ') }},
        resample,
        sum(case when label = 1 and qualified = 1 then draws else 0 end) as true_positives,
        sum(case when label = 0 and qualified = 1 then draws else 0 end) as false_positives,
        sum(case when label = 1 and qualified = 0 then draws else 0 end) as false_negatives,
        sum(case when label = 1 and baseline_qualified = 1 then draws else 0 end)
            as baseline_true_positives,
        sum(case when label = 0 and baseline_qualified = 1 then draws else 0 end)
            as baseline_false_positives,
        sum(case when label = 1 and baseline_qualified = 0 then draws else 0 end)
            as baseline_false_negatives

    from drawn
    group by {{ pair | join(', ') }}, resample

),

differences as (

    {%- for metric, numerator, denominator in [
        ('precision', 'X true_positives', 'X true_positives + X false_positives'),
        ('recall', 'X true_positives', 'X true_positives + X false_negatives'),
        ('f1', '2 * X true_positives',
            '2 * X true_positives + X false_positives + X false_negatives'),
    ] %}
        {%- if not loop.first %}

            union all
        {% endif %}

        select
            {{ pair | join(', ') }},
            '{{ metric }}' as metric,
            resample,
            {{ safe_ratio(numerator | replace('X ', ''), denominator | replace('X ', '')) }}
            - {{ safe_ratio(numerator | replace('X ', 'baseline_'), denominator | replace('X ', 'baseline_')) }}
                as difference

        from confusions
    {%- endfor %}

),

ordered as (

    select
        *,
        row_number() over (
            partition by {{ pair | join(', ') }}, metric order by difference, resample
        ) - 1 as position,
        count(*) over (partition by {{ pair | join(', ') }}, metric) as measured

    from differences
    where difference is not null

),

quantiles as (

    select
        {{ pair | join(', ') }},
        metric,
        max(measured) as measured_resamples,
    {%- for name, p in [('low', 0.025), ('high', 0.975)] %}
        sum(
            case
                when position = floor((measured - 1) * {{ p }})
                    then difference * (1 - ((measured - 1) * {{ p }} - floor((measured - 1) * {{ p }})))
                when position = floor((measured - 1) * {{ p }}) + 1
                    then difference * ((measured - 1) * {{ p }} - floor((measured - 1) * {{ p }}))
                else 0
            end
        ) as difference_{{ name }}{{ ',' if not loop.last }}
    {%- endfor %}

    from ordered
    group by {{ pair | join(', ') }}, metric

),

final as (

    select
        {{ pair | join(', ') }},
        cast({{ resamples }} as {{ dbt.type_bigint() }}) as bootstrap_resamples,
    {%- for metric in ['precision', 'recall', 'f1'] %}
        max(case when metric = '{{ metric }}' then difference_low end) as {{ metric }}_difference_low,
        max(case when metric = '{{ metric }}' then difference_high end) as {{ metric }}_difference_high,
        max(case when metric = '{{ metric }}' then measured_resamples end) as {{ metric }}_resamples_measured
        {{- ',' if not loop.last }}
    {%- endfor %}

    from quantiles
    group by {{ pair | join(', ') }}

)

select * from final
