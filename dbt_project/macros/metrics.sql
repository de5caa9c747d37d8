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
