{{ field_history_staging('contact_history', 'contact_id') }}
