"""Who may do what: accounts and sessions, organisation scopes, and the audit log."""
