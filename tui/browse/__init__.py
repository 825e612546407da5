"""``sm-wizard watch`` with no argument: browse the account like k9s (pipelines → executions
→ steps → logs)."""
