"""The demo Salesforce org: a deterministic generator and a local Salesforce-compatible server."""
