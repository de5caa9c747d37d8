-- A contact's opportunities: by contact role first; else the opportunities opened from it
-- (Opportunity.ContactId, newer orgs); else the opportunity its converted lead points to;
-- else its account's opportunities created within attribution_window_days after the
-- contact. Only records created by as_of count, and never an opportunity created before
-- the contact.
-- The rule lives in macros/attribution.sql (opportunities_attributed), shared with the
-- training contacts of fitted_history.
{{ opportunities_attributed(ref('int_contacts_windowed'), as_of_date()) }}
