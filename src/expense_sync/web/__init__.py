"""Server-rendered pages: the customer's link flow (and, later, Sync Health)."""
