{#
    Fails (or warns, with severity: warn) when the model has rows, and says which: the
    values of `column_name` are listed in a dbt warning, e.g. the unknown stage names.
#}
{% test no_rows_listed(model, column_name, message='Rows found') %}

    {%- set existing = none %}
    {%- if execute %}
        {%- set existing = adapter.get_relation(
            database=model.database, schema=model.schema, identifier=model.identifier
        ) %}
    {%- endif %}
    {%- if existing is not none %}
        {%- set found = run_query(
            'select distinct ' ~ column_name ~ ' from ' ~ model ~ ' order by 1 limit 50'
        ) %}
        {%- if found.rows | length > 0 %}
            {%- set names = [] %}
            {%- for row in found.rows %}
                {%- do names.append("'" ~ row[0] ~ "'") %}
            {%- endfor %}
            {%- do exceptions.warn(message ~ ': ' ~ names | join(', ')) %}
        {%- endif %}
    {%- endif %}

    select *
    from {{ model }}

{% endtest %}
