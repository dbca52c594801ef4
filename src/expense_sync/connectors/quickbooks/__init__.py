"""QuickBooks Online (``qhyg``): a cloud connector built on ``connectors.base.cloud``."""

from expense_sync.connectors.quickbooks.connector import QUICKBOOKS_MANIFEST, QuickBooksConnector

__all__ = ["QUICKBOOKS_MANIFEST", "QuickBooksConnector"]
