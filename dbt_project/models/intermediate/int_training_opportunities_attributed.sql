-- The training contacts' opportunities, by the same rule as the window's
-- (macros/attribution.sql, opportunities_attributed), counting only roles, conversions and
-- opportunities known before the window starts.
{{ opportunities_attributed(ref('int_contacts_matured_before_window'), training_known_by()) }}
