{#
    The baselines every model is compared with (var baseline_models; the older single var
    baseline_model still works), in order: a model is compared with each baseline, and a
    baseline with the baselines listed before it (fitted_history vs demographic), never twice.
#}
{% macro baseline_models() -%}
    {%- set listed = var('baseline_models', none) -%}
    {%- if listed is none or listed | length == 0 -%}
        {%- set listed = [var('baseline_model', 'demographic')] -%}
    {%- elif listed is string -%}
        {%- set listed = listed.split(',') | map('trim') | list -%}
    {%- endif -%}
    {{ return(listed) }}
{%- endmacro %}

{# The position of a model in baseline_models() (1-based), 0 for a model under test. #}
{% macro baseline_rank(model_column) -%}
    case {{ model_column }}
        {%- for name in baseline_models() %}
        when '{{ name }}' then {{ loop.index }}
        {%- endfor %}
        else 0
    end
{%- endmacro %}

{#
    The pairs judged side by side, from a relation of (model, model_version) rows: each model
    with each baseline, and a baseline with the baselines listed before it.
#}
{% macro comparison_pairs(versions) -%}
    select
        models.model,
        models.model_version,
        baselines.model as baseline_model,
        baselines.model_version as baseline_model_version

    from {{ versions }} as models
    inner join {{ versions }} as baselines
        on
            {{ baseline_rank('baselines.model') }} > 0
            and models.model <> baselines.model
            and (
                {{ baseline_rank('models.model') }} = 0
                or {{ baseline_rank('models.model') }} > {{ baseline_rank('baselines.model') }}
            )
{%- endmacro %}

{#
    A uniform number in (0, 1) from the md5 of a string: its first 13 hex digits (52 bits) as
    an integer, plus one half, over 2^52. The same on every engine (md5 is standard), so the
    bootstrap's resamples are identical on DuckDB and Spark.
#}
{% macro uniform_from_text(text) -%}
    ((cast({{ hex_to_bigint('substr(md5(' ~ text ~ '), 1, 13)') }} as {{ type_double() }}) + 0.5)
    / 4503599627370496.0)
{%- endmacro %}

{% macro hex_to_bigint(hex_text) -%}
    {{ return(adapter.dispatch('hex_to_bigint')(hex_text)) }}
{%- endmacro %}

{% macro default__hex_to_bigint(hex_text) -%}
    cast(('0x' || {{ hex_text }}) as bigint)
{%- endmacro %}

{% macro spark__hex_to_bigint(hex_text) -%}
    cast(conv({{ hex_text }}, 16, 10) as bigint)
{%- endmacro %}

{#
    ln(k!) for k >= 10 by Stirling's series (error below 1e-12 there); the bootstrap only asks
    for it from k = 200 up.
#}
{% macro ln_factorial(k) -%}
    (
        ({{ k }}) * ln({{ k }}) - ({{ k }}) + 0.5 * ln(2 * pi() * ({{ k }}))
        + 1.0 / (12.0 * ({{ k }})) - 1.0 / (360.0 * power({{ k }}, 3))
        + 1.0 / (1260.0 * power({{ k }}, 5))
    )
{%- endmacro %}
