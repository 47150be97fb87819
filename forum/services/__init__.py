"""Business operations: one verb function per use case. They flush, never commit; the caller owns the
transaction (one commit per request or CLI command)."""
