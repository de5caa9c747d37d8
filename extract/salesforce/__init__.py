"""The Salesforce source: objects, REST client, Data Export reader, dlt sources."""
