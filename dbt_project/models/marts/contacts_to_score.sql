-- The scoring step's input: one row per contact in the backtest window, with every field
-- sent to the model as it was when the contact arrived (int_contact_inputs_rebuilt), and
-- the settings it was built for, which the scoring step checks against its own.
with

inputs as (

    select * from {{ ref('int_contact_inputs_rebuilt') }}

),

final as (

    select
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(contact_name as {{ dbt.type_string() }}) as contact_name,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        {%- for field in sent_fields() %}
            cast({{ field.output }} as {{ field.type }}) as {{ field.output }},
        {%- endfor %}
        cast(input_point_in_time as {{ dbt.type_string() }}) as input_point_in_time,
        cast(inputs_edited_after as {{ dbt.type_string() }}) as inputs_edited_after,
        cast(inputs_rebuilt as {{ dbt.type_string() }}) as inputs_rebuilt,
        cast('{{ point_in_time_mode() }}' as {{ dbt.type_string() }}) as point_in_time_mode,
        {{ as_of_date() }} as as_of,
        cast({{ days_var('window_days') }} as {{ dbt.type_bigint() }}) as window_days

    from inputs

)

select * from final
