-- The training contacts' fields as they were when each arrived, by the same rule as the
-- window's (macros/point_in_time.sql, inputs_at_arrival): fitted_history learns from the
-- inputs it would have been sent, not from today's values.
{{ inputs_at_arrival(ref('int_contacts_matured_before_window')) }}
