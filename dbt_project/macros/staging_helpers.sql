{#
    Staging helpers. The raw tables come from dlt (one column per Salesforce field, see
    extract/salesforce/objects.py) and differ between loads: OpportunityStage is missing from
    Data Exports, custom fields exist in some orgs only, a never-populated field may have no
    column. `source_columns` therefore reads the relation's real columns at run time and
    selects every expected column, typed, as null when it is absent (or no row at all when the
    table itself is absent), so staging always has the same shape.
#}

{% macro sf_column_type(kind) -%}
    {%- if kind in ('id', 'string') -%}{{ return(dbt.type_string()) }}
    {%- elif kind == 'bool' -%}{{ return(dbt.type_boolean()) }}
    {%- elif kind == 'int' -%}{{ return(dbt.type_bigint()) }}
    {%- elif kind == 'double' -%}{{ return(type_double()) }}
    {%- elif kind == 'date' -%}{{ return('date') }}
    {%- elif kind == 'datetime' -%}{{ return(dbt.type_timestamp()) }}
    {%- else -%}{{ exceptions.raise_compiler_error('unknown column kind ' ~ kind) }}
    {%- endif -%}
{%- endmacro %}

{#
    The columns of the raw table `salesforce.<table>` as the sources YAML declares them:
    {name: kind}. The YAML's columns are generated from extract/salesforce/objects.py
    (`make sources`), so this is the extract stage's contract. Before execution (dbt's parse,
    sqlfluff) the graph is unknown and one stand-in column keeps the SQL well formed.
#}
{% macro raw_columns(table) -%}
    {%- if not execute -%}
        {{ return({'id': 'id'}) }}
    {%- endif -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.salesforce.' ~ table) -%}
    {%- if node is none or not node.columns -%}
        {{ exceptions.raise_compiler_error('No columns declared for source salesforce.' ~ table) }}
    {%- endif -%}
    {%- set columns = {} -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.update({column.name: column.data_type}) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#
    columns: a dict of raw column name -> kind (id, string, bool, int, double, date, datetime).
    Renders a select over the relation with every column cast to its type.
#}
{% macro source_columns(relation, columns) -%}
    {%- set present = [] -%}
    {%- set relation_exists = true -%}
    {%- if execute -%}
        {%- set found = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) -%}
        {%- if found is none -%}
            {%- set relation_exists = false -%}
        {%- else -%}
            {%- for column in adapter.get_columns_in_relation(found) -%}
                {%- do present.append(column.name | lower) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- else -%}
        {%- for name in columns -%}{%- do present.append(name) -%}{%- endfor -%}
    {%- endif -%}
    select
    {%- for name, kind in columns.items() %}
        {%- if relation_exists and name in present %}
        cast({{ adapter.quote(name) }} as {{ sf_column_type(kind) }}) as {{ name }}
        {%- else %}
        cast(null as {{ sf_column_type(kind) }}) as {{ name }}
        {%- endif %}{{ ',' if not loop.last }}
    {%- endfor %}
    {%- if relation_exists %}
    from {{ relation }}
    {%- else %}
    where 1 = 0
    {%- endif %}
{%- endmacro %}

{#
    A Salesforce id, normalised: blanks and the "no record" placeholders (000000000000000,
    000000000000000AAA) become null, and 15-character ids get their 3-character
    case-insensitive suffix so that 15- and 18-character references join.
#}
{% macro sf_id(column) -%}
    case
        when {{ column }} is null or trim({{ column }}) = '' or {{ column }} like '000000000000000%' then null
        when length(trim({{ column }})) = 15 then {{ dbt.concat([ 'trim(' ~ column ~ ')', sf_id_suffix('trim(' ~ column ~ ')') ]) }}
        else trim({{ column }})
    end
{%- endmacro %}

{% macro sf_id_suffix(column) -%}
    {%- set parts = [] -%}
    {%- for chunk in range(3) -%}
        {%- set bits = [] -%}
        {%- for position in range(5) -%}
            {%- set char = 'substr(' ~ column ~ ', ' ~ (chunk * 5 + position + 1) ~ ', 1)' -%}
            {%- do bits.append(
                'case when upper(' ~ char ~ ') = ' ~ char ~ ' and lower(' ~ char ~ ') <> ' ~ char
                ~ ' then ' ~ (2 ** position) ~ ' else 0 end'
            ) -%}
        {%- endfor -%}
        {%- do parts.append("substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1 + " ~ bits | join(' + ') ~ ', 1)') -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{#
    Keep the newest version of each record (highest SystemModstamp, then latest dlt load)
    and drop deleted ones. Renders a full query over `relation_sql` (a CTE name).
#}
{% macro newest_version(relation_sql, id_column='id', has_is_deleted=true, modstamp='system_modstamp') -%}
    select *
    from (
        select
            {{ relation_sql }}.*,
            row_number() over (
                partition by {{ id_column }}
                order by {{ modstamp }} desc nulls last, _dlt_load_id desc nulls last
            ) as version_rank
        from {{ relation_sql }}
        where {{ id_column }} is not null
    ) as versions
    where version_rank = 1
    {%- if has_is_deleted %}
        and not coalesce(is_deleted, false)
    {%- endif %}
{%- endmacro %}

{#
    A field-history object (AccountHistory, ContactHistory, OpportunityFieldHistory): one row
    per change of a tracked field, newest load per id, deleted rows dropped. `field_key` is
    the field's name folded (lowercase, no underscores) so that `NextStep`, `next_step` and
    `Loss_Reason__c` / `loss_reason_c` meet. Rows Salesforce writes without a field change
    (`created`, and `locked`/`unlocked` etc.) keep their name and match no sent field.
    `has_values` is false where Salesforce recorded the change without its values (long text
    areas such as Description): such a change cannot be undone.
#}
{% macro field_history_staging(source_table, parent_column) -%}
with

source as (

    {{ source_columns(source('salesforce', source_table), raw_columns(source_table)) }}

),

newest as (

    {{ newest_version('source', modstamp='created_date') }}

),

renamed as (

    select
        {{ sf_id('id') }} as history_id,
        {{ sf_id(parent_column) }} as {{ parent_column }},
        field as field_name,
        lower(replace(field, '_', '')) as field_key,
        data_type,
        old_value,
        new_value,
        old_value is not null or new_value is not null as has_values,
        created_date as changed_at

    from newest
    where field is not null and created_date is not null

)

select * from renamed
{%- endmacro %}
