{#
    The on-run-start hook (dbt_project.yml). On Spark the sources are parquet folders as dlt's
    filesystem destination writes them:

        <BACKTEST_PARQUET_DIR>/<source schema>/<table>/*.parquet   (default ../data/parquet)

    beside dlt's own `_dlt_*` folders and `init` file; a relative path is relative to the
    working directory (dbt_project/). Every declared source table whose folder
    holds parquet files is registered as an external table `<schema>.<table>` (schema read from
    the files, merged across loads), so `source()` works unchanged; a declared table without
    files is dropped, so staging sees it missing exactly as on DuckDB (adapter.get_relation is
    none: no rows, typed nulls). The databases are created when missing. On DuckDB the hook
    renders nothing.
#}

{% macro register_parquet_sources() -%}
    {{ return(adapter.dispatch('register_parquet_sources')()) }}
{%- endmacro %}

{% macro default__register_parquet_sources() -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__register_parquet_sources() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set root = env_var('BACKTEST_PARQUET_DIR', '../data/parquet') | trim -%}
    {%- set root = root[:-1] if root.endswith('/') and root | length > 1 else root -%}
    {%- if not modules.re.match('^([A-Za-z][A-Za-z0-9+.-]*:|/)', root) -%}
        {#- Spark resolves a relative LOCATION against its warehouse, not the working directory. -#}
        {%- set cwd = run_query("select reflect('java.lang.System', 'getProperty', 'user.dir')") -%}
        {%- set root = cwd.columns[0].values()[0] ~ '/' ~ root -%}
    {%- endif -%}
    {%- set tables_by_schema = {} -%}
    {%- for node in graph.sources.values() -%}
        {%- do tables_by_schema.setdefault(node.schema | lower, []).append(node.identifier | lower) -%}
    {%- endfor -%}
    {%- for schema, identifiers in tables_by_schema | dictsort -%}
        {%- do run_query('create database if not exists ' ~ adapter.quote(schema)) -%}
        {%- set folders = parquet_table_folders(schema, root ~ '/' ~ schema) -%}
        {%- for identifier in identifiers | unique | sort -%}
            {%- set table = adapter.quote(schema) ~ '.' ~ adapter.quote(identifier) -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {%- if identifier in folders -%}
                {%- do run_query(
                    'create table ' ~ table ~ ' using parquet'
                    ~ " options (recursiveFileLookup 'true', pathGlobFilter '*.parquet', mergeSchema 'true')"
                    ~ ' location ' ~ spark_string_literal(folders[identifier])
                ) -%}
                {{ log('Spark source ' ~ schema ~ '.' ~ identifier ~ ': ' ~ folders[identifier]) }}
            {%- else -%}
                {{ log('Spark source ' ~ schema ~ '.' ~ identifier ~ ': no parquet files, treated as missing', info=true) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}

{#
    {table folder name: qualified folder path} for the folders directly below `dataset_path`
    that hold parquet files (at any depth; `_`- and `.`-prefixed entries such as dlt's
    `_dlt_loads` are skipped by Spark's file listing). A missing `dataset_path` gives {}.

    A catalog table of the binaryFile source lists the files without reading them, and a
    catalog table whose location does not exist reads as empty rather than failing; its
    location, as the catalog qualifies it, turns relative paths into absolute ones.
#}
{% macro parquet_table_folders(schema, dataset_path) -%}
    {%- set probe = adapter.quote(schema) ~ '.' ~ adapter.quote('dbt_parquet_file_listing') -%}
    {%- do run_query('drop table if exists ' ~ probe) -%}
    {%- do run_query(
        'create table ' ~ probe ~ ' (path string, modificationTime timestamp, length bigint, content binary)'
        ~ " using binaryFile options (recursiveFileLookup 'true', pathGlobFilter '*.parquet')"
        ~ ' location ' ~ spark_string_literal(dataset_path)
    ) -%}
    {%- set location = [] -%}
    {%- for row in run_query('describe table extended ' ~ probe).rows -%}
        {%- if row[0] == 'Location' -%}
            {%- do location.append(row[1] | trim) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if location | length == 0 -%}
        {{ exceptions.raise_compiler_error('No location for ' ~ probe) }}
    {%- endif -%}
    {%- set prefix = location[0] ~ '/' -%}
    {%- set listed = run_query(
        'select distinct split(substr(path, ' ~ (prefix | length + 1) ~ "), '/')[0] as folder"
        ~ ' from ' ~ probe
        ~ ' where substr(path, 1, ' ~ (prefix | length) ~ ') = ' ~ spark_string_literal(prefix)
        ~ " and instr(substr(path, " ~ (prefix | length + 1) ~ "), '/') > 0"
    ) -%}
    {%- do run_query('drop table if exists ' ~ probe) -%}
    {%- set folders = {} -%}
    {%- for row in listed.rows -%}
        {%- do folders.update({row[0] | lower: prefix ~ row[0]}) -%}
    {%- endfor -%}
    {{ return(folders) }}
{%- endmacro %}

{# A Spark SQL string literal: backslashes and single quotes escaped. #}
{% macro spark_string_literal(value) -%}
    {{ return("'" ~ (value | string | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'") }}
{%- endmacro %}
