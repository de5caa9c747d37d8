-- fitted_history's training rows (scoring/fitted.py reads this and nothing else): one row
-- per contact that matured before the backtest window starts and whose outcome at the
-- maturity horizon is known, with the inputs the demographic baseline sees plus industry and
-- lead source, each as it was when the contact arrived, and the label.
with

labels as (

    select * from {{ ref('int_training_contacts_labelled') }}
    where not is_undetermined

),

inputs as (

    select * from {{ ref('int_training_inputs_rebuilt') }}

),

final as (

    select
        cast(labels.contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(labels.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(inputs.employees as {{ dbt.type_bigint() }}) as employees,
        cast(inputs.annual_revenue as {{ type_double() }}) as annual_revenue,
        cast(inputs.title as {{ dbt.type_string() }}) as title,
        cast(inputs.industry as {{ dbt.type_string() }}) as industry,
        cast(inputs.lead_source as {{ dbt.type_string() }}) as lead_source,
        cast(inputs.input_point_in_time as {{ dbt.type_string() }}) as input_point_in_time,
        cast(labels.is_progressed as {{ dbt.type_boolean() }}) as is_progressed,
        {{ training_created_by() }} as training_created_by,
        {{ training_known_by() }} as training_known_by,
        {{ as_of_date() }} as as_of,
        cast({{ days_var('window_days') }} as {{ dbt.type_bigint() }}) as window_days,
        cast({{ days_var('maturity_days', 1) }} as {{ dbt.type_bigint() }}) as maturity_days

    from labels
    inner join inputs
        on labels.contact_id = inputs.contact_id

)

select * from final
