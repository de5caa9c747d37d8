{# Every row's (columns) combination exists in `to` (with `to_columns`, same order). #}
{% test relationships_multi(model, columns, to, to_columns) %}

    select child.*
    from {{ model }} as child
    left join {{ to }} as parent
        on
        {%- for column in columns %}
            {{ 'and ' if not loop.first }}child.{{ column }} = parent.{{ to_columns[loop.index0] }}
        {%- endfor %}
    where parent.{{ to_columns[0] }} is null

{% endtest %}
