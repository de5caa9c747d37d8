{# numerator / denominator as a double; null when the denominator is 0 or null. #}
{% macro safe_ratio(numerator, denominator) -%}
    case
        when ({{ denominator }}) > 0
            then cast({{ numerator }} as {{ type_double() }}) / ({{ denominator }})
    end
{%- endmacro %}

{#
    Wilson score interval bound for a proportion successes / trials at normal quantile z:
    (p + z^2/(2n) -/+ z * sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n), p = successes / n.
    Null when trials = 0. In range by construction: the lower bound of 0 successes is 0 and
    the upper bound of n out of n is 1 exactly (the formula gives them only up to rounding,
    e.g. -1e-19), and every other value is clamped to [0, 1] for the same reason.
#}
{% macro wilson_bound(successes, trials, z, side) -%}
    {%- set p = 'cast(' ~ successes ~ ' as ' ~ type_double() ~ ') / (' ~ trials ~ ')' -%}
    {%- set n = '(' ~ trials ~ ')' -%}
    {%- set zz = '(cast(' ~ z ~ ' as ' ~ type_double() ~ ') * cast(' ~ z ~ ' as ' ~ type_double() ~ '))' -%}
    case
        when not {{ n }} > 0 then null
        {% if side == 'lower' -%}
        when ({{ successes }}) <= 0 then cast(0 as {{ type_double() }})
        {%- else -%}
        when ({{ successes }}) >= {{ n }} then cast(1 as {{ type_double() }})
        {%- endif %}
        else greatest(cast(0 as {{ type_double() }}), least(cast(1 as {{ type_double() }}),
            (
                {{ p }} + {{ zz }} / (2.0 * {{ n }})
                {{ '-' if side == 'lower' else '+' }} cast({{ z }} as {{ type_double() }}) * sqrt(
                    {{ p }} * (1 - {{ p }}) / {{ n }} + {{ zz }} / (4.0 * {{ n }} * {{ n }})
                )
            ) / (1 + {{ zz }} / {{ n }})
        ))
    end
{%- endmacro %}

{#
    The confusion matrix of a set of rows, as four select-list items (true_positives,
    false_positives, true_negatives, false_negatives): `outcome` is a column or expression
    holding 'TP', 'FP', 'TN' or 'FN' (anything else, e.g. 'pending', counts in none).
    Every mart that counts a confusion matrix counts it here, by prefix if it needs names
    of its own.
#}
{% macro confusion_counts(outcome='outcome', prefix='') -%}
    sum(case when {{ outcome }} = 'TP' then 1 else 0 end) as {{ prefix }}true_positives,
    sum(case when {{ outcome }} = 'FP' then 1 else 0 end) as {{ prefix }}false_positives,
    sum(case when {{ outcome }} = 'TN' then 1 else 0 end) as {{ prefix }}true_negatives,
    sum(case when {{ outcome }} = 'FN' then 1 else 0 end) as {{ prefix }}false_negatives
{%- endmacro %}

{#
    A decision against a label as 'TP', 'FP', 'TN' or 'FN'; null when the row is not decided
    or either side is null (so it counts in no cell of confusion_counts).
#}
{% macro confusion_outcome(qualified, progressed, decided='is_decided') -%}
    case
        when {{ decided }} and ({{ qualified }}) and {{ progressed }} then 'TP'
        when {{ decided }} and ({{ qualified }}) and not {{ progressed }} then 'FP'
        when {{ decided }} and not ({{ qualified }}) and {{ progressed }} then 'FN'
        when {{ decided }} and not ({{ qualified }}) and not {{ progressed }} then 'TN'
    end
{%- endmacro %}

{#
    The complementary error function erfc(x) for x >= 0, by the Chebyshev fit of Numerical
    Recipes (erfcc): fractional error below 1.2e-7 everywhere, plenty for a p-value shown to
    two or three digits. No engine we target has erf/erfc built in.
#}
{% macro erfc(x) -%}
    {%- set t = '(1.0 / (1.0 + 0.5 * (' ~ x ~ ')))' -%}
    {{ t }} * exp(
        -(({{ x }}) * ({{ x }})) - 1.26551223 + {{ t }} * (1.00002368 + {{ t }} * (0.37409196
        + {{ t }} * (0.09678418 + {{ t }} * (-0.18628806 + {{ t }} * (0.27886807
        + {{ t }} * (-1.13520398 + {{ t }} * (1.48851587 + {{ t }} * (-0.82215223
        + {{ t }} * 0.17087277))))))))
    )
{%- endmacro %}

{#
    Two-sided McNemar p-value from the discordant pairs (only_first right, only_second right),
    chi-square with continuity correction: P(chi2_1 >= (|b - c| - 1)^2 / n) = erfc(sqrt(chi2 / 2)).
    Used from 25 discordant pairs on; below that model_comparison sums the exact binomial tail.
#}
{% macro mcnemar_chi_square_p(only_first, only_second) -%}
    {%- set n = '(' ~ only_first ~ ' + ' ~ only_second ~ ')' -%}
    {%- set chi2 = '(cast(abs(' ~ only_first ~ ' - ' ~ only_second ~ ') - 1 as ' ~ type_double() ~ ')'
        ~ ' * (abs(' ~ only_first ~ ' - ' ~ only_second ~ ') - 1) / ' ~ n ~ ')' -%}
    least(cast(1 as {{ type_double() }}), {{ erfc('sqrt(' ~ chi2 ~ ' / 2.0)') }})
{%- endmacro %}
