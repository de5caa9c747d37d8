-- Every field the scoring step sends, as it was when the contact arrived (its CreatedDate),
-- rebuilt from field history: the old value of the first change after that instant, else
-- the current value. Each field says how sure that is (macros/point_in_time.sql); a field
-- edited later that no history can undo keeps its current value (or null when
-- var point_in_time is strict) and flags the contact.
-- The rule lives in macros/point_in_time.sql (inputs_at_arrival), shared with the training
-- contacts of fitted_history (int_training_inputs_rebuilt).
{{ inputs_at_arrival(ref('int_contacts_windowed')) }}
