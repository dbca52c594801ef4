"""Xero (``gbol``): the first cloud connector, built on ``connectors.base.cloud``."""

from expense_sync.connectors.xero.connector import XERO_MANIFEST, XeroConnector

__all__ = ["XERO_MANIFEST", "XeroConnector"]
