-- DeLong, DeLong & Clarke-Pearson (1988): is the difference between two correlated ROC AUCs
-- (the same contacts, two models) beyond chance? Per pair of int_model_pairs, each contact's
-- structural component on each side: for a positive, the share of negatives it outscores
-- (ties count half), for a negative, the share of positives that outscore it. Their
-- covariances over positives (S10) and negatives (S01) give
-- var(AUC1 - AUC2) = (S10_11 + S10_22 - 2 S10_12) / m + (S01_11 + S01_22 - 2 S01_12) / n,
-- and the two-sided p-value of z = difference / sqrt(var).
{%- set pair = ['model', 'model_version', 'baseline_model', 'baseline_model_version'] %}
with

paired as (

    select * from {{ ref('int_model_pairs') }}
    where score is not null and baseline_score is not null

),

{%- for side, score in [('model', 'score'), ('baseline', 'baseline_score')] %}

    {{ side }}_groups as (

        select
            {{ pair | join(', ') }},
            {{ score }} as group_score,
            sum(label) as positives,
            sum(1 - label) as negatives

        from paired
        group by {{ pair | join(', ') }}, {{ score }}

    ),

    {{ side }}_placed as (

        select
            *,
            coalesce(sum(negatives) over (
                partition by {{ pair | join(', ') }}
                order by group_score
                rows between unbounded preceding and 1 preceding
            ), 0) as negatives_below,
            coalesce(sum(positives) over (
                partition by {{ pair | join(', ') }}
                order by group_score desc
                rows between unbounded preceding and 1 preceding
            ), 0) as positives_above

        from {{ side }}_groups

    ),

{%- endfor %}

totals as (

    select
        {{ pair | join(', ') }},
        sum(label) as positives,
        sum(1 - label) as negatives

    from paired
    group by {{ pair | join(', ') }}

),

components as (

    select
        {% for column in pair %}paired.{{ column }},
        {% endfor -%}
        paired.label,
        case
            when paired.label = 1
                then (cast(model_placed.negatives_below as {{ type_double() }}) + 0.5 * model_placed.negatives)
                    / totals.negatives
            else (cast(model_placed.positives_above as {{ type_double() }}) + 0.5 * model_placed.positives) / totals.positives
        end as model_component,
        case
            when paired.label = 1
                then (cast(baseline_placed.negatives_below as {{ type_double() }}) + 0.5 * baseline_placed.negatives)
                    / totals.negatives
            else (cast(baseline_placed.positives_above as {{ type_double() }}) + 0.5 * baseline_placed.positives)
                / totals.positives
        end as baseline_component

    from paired
    inner join totals
        on
            {% for column in pair %}
                paired.{{ column }} = totals.{{ column }}
                {% if not loop.last %}and {% endif %}                {% endfor %}
    inner join model_placed
        on
            {% for column in pair %}
                paired.{{ column }} = model_placed.{{ column }}
                and {% endfor %}paired.score = model_placed.group_score
    inner join baseline_placed
        on
            {% for column in pair %}
                paired.{{ column }} = baseline_placed.{{ column }}
                and {% endfor %}paired.baseline_score = baseline_placed.group_score
    where totals.positives > 0 and totals.negatives > 0

),

moments as (

    select
        {{ pair | join(', ') }},
        label,
        count(*) as contacts,
        avg(model_component) as model_mean,
        avg(baseline_component) as baseline_mean,
        sum(model_component * model_component) as model_squares,
        sum(baseline_component * baseline_component) as baseline_squares,
        sum(model_component * baseline_component) as cross_products

    from components
    group by {{ pair | join(', ') }}, label

),

-- Per label: the variance of (model component - baseline component), i.e.
-- S_11 + S_22 - 2 S_12 with the (k - 1) denominator, over k contacts of that label.
spreads as (

    select
        {{ pair | join(', ') }},
        label,
        contacts,
        model_mean,
        baseline_mean,
        case
            when contacts > 1
                then (
                    (model_squares - contacts * model_mean * model_mean)
                    + (baseline_squares - contacts * baseline_mean * baseline_mean)
                    - 2 * (cross_products - contacts * model_mean * baseline_mean)
                ) / (contacts - 1)
        end as difference_variance

    from moments

),

tested as (

    select
        {% for column in pair %}positives.{{ column }},
        {% endfor -%}
        positives.contacts as positives,
        negatives.contacts as negatives,
        positives.model_mean as model_auc,
        positives.baseline_mean as baseline_auc,
        positives.model_mean - positives.baseline_mean as auc_difference,
        greatest(
            positives.difference_variance / positives.contacts
            + negatives.difference_variance / negatives.contacts,
            0.0
        ) as difference_variance

    from spreads as positives
    inner join spreads as negatives
        on
            {% for column in pair %}
                positives.{{ column }} = negatives.{{ column }}
                and {% endfor %}positives.label = 1 and negatives.label = 0

),

final as (

    select
        {{ pair | join(', ') }},
        positives,
        negatives,
        model_auc,
        baseline_auc,
        auc_difference,
        case when difference_variance > 0 then sqrt(difference_variance) end as auc_difference_se,
        case
            when difference_variance > 0
                then auc_difference / sqrt(difference_variance)
        end as delong_z,
        case
            when difference_variance > 0
                then least(
                        1.0, {{ erfc('abs(auc_difference) / sqrt(2.0 * difference_variance)') }}
                    )
        end as delong_p_value

    from tested

)

select * from final
