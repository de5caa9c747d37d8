"""Extract stage: Salesforce (live org, Data Export folder, or the demo org) into DuckDB."""
