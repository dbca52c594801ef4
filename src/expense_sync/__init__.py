"""expense-sync: an open-source, Codat-compatible Sync for Expenses."""

__version__ = "0.1.0"
