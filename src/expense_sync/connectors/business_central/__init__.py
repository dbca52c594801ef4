from expense_sync.connectors.business_central.connector import (
    BUSINESS_CENTRAL_MANIFEST,
    BusinessCentralConnector,
)

__all__ = ["BUSINESS_CENTRAL_MANIFEST", "BusinessCentralConnector"]
