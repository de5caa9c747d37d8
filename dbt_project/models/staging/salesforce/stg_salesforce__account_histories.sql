{{ field_history_staging('account_history', 'account_id') }}
