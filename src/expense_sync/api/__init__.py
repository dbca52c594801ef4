"""The HTTP API: Codat's Sync for Expenses contract, one router module per tag."""
