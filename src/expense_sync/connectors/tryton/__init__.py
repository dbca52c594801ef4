"""The Tryton connector (``tryt``): a trytond 8.x server over JSON-RPC."""

from expense_sync.connectors.tryton.connector import TRYTON_MANIFEST, TrytonConnector

__all__ = ["TRYTON_MANIFEST", "TrytonConnector"]
