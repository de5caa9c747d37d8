{#
    One wide row of record checks for a raw Salesforce table (marts.data_quality): how many
    rows it holds, how many carry a date before 1970 or after 2100, how many a SystemModstamp
    later than `built_at`, and how many repeat an Id within one load. A missing table gives a
    row of zeros (source_columns yields no rows then).
#}
{% macro raw_record_counts(object_name, table, built_at) -%}
    {%- set raw = source_columns(source('salesforce', table), {
        'id': 'id', 'created_date': 'datetime', 'last_modified_date': 'datetime',
        'system_modstamp': 'datetime', '_dlt_load_id': 'string',
    }) -%}
    {%- set earliest = "cast('1970-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- set latest = "cast('2101-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")" -%}
    select
        '{{ object_name }}' as object_name,
        dated.total_rows,
        coalesce(dated.dates_out_of_range, 0) as dates_out_of_range,
        coalesce(dated.modstamp_in_future, 0) as modstamp_in_future,
        coalesce(repeated.duplicate_rows, 0) as duplicate_rows
    from (
        select
            count(*) as total_rows,
            sum(
                case
                    {%- for column in ['created_date', 'last_modified_date', 'system_modstamp'] %}
                        when {{ column }} < {{ earliest }} or {{ column }} >= {{ latest }} then 1
                    {%- endfor %}
                    else 0
                end
            ) as dates_out_of_range,
            sum(case when system_modstamp > {{ built_at }} then 1 else 0 end) as modstamp_in_future
        from ({{ raw }}) as raw_rows
    ) as dated
    cross join (
        select sum(per_load.copies - 1) as duplicate_rows
        from (
            select
                raw_rows.id,
                raw_rows._dlt_load_id,
                count(*) as copies
            from ({{ raw }}) as raw_rows
            where raw_rows.id is not null
            group by raw_rows.id, raw_rows._dlt_load_id
        ) as per_load
    ) as repeated
{%- endmacro %}

{# When this dbt invocation started (UTC), as a timestamp literal. #}
{% macro build_started_at() -%}
    {%- set stamp = run_started_at.strftime('%Y-%m-%d %H:%M:%S') if run_started_at is defined else '2000-01-01 00:00:00' -%}
    cast('{{ stamp }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
