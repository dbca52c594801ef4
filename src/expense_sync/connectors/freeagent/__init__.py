"""FreeAgent (API v2) over OAuth 2.0, on the cloud kit."""

from expense_sync.connectors.freeagent.connector import FREEAGENT_MANIFEST, FreeAgentConnector

__all__ = ["FREEAGENT_MANIFEST", "FreeAgentConnector"]
