{{ field_history_staging('opportunity_field_history', 'opportunity_id') }}
