"""The Beancount connector (``bean``): a plain-text ledger that Beancount itself checks."""

from expense_sync.connectors.beancount.connector import BeancountConnector

__all__ = ["BeancountConnector"]
