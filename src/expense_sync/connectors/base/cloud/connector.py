"""``CloudConnector``: what every OAuth 2.0 platform's connector class shares (Singer-SDK
style: declarative attributes, and a platform overrides ``session`` and ``link``).

``open`` and ``authorize`` first check that the platform's OAuth app is set up on this
server; ``authorize`` then requires the consent's code and verifier and exchanges them
for tokens through the kit's ``oauth``."""

from __future__ import annotations

from typing import Any, ClassVar

from expense_sync.connectors.base import (
    Authorization,
    LedgerSession,
    LinkContext,
    LinkedBooks,
    PlatformManifest,
    PushModel,
    ValidationConnectorError,
)
from expense_sync.connectors.base.cloud import oauth
from expense_sync.connectors.base.cloud.app import CloudAccess


class CloudConnector:
    manifest: PlatformManifest
    push_models: dict[str, PushModel]
    # How the "not set up" error names the platform and its settings
    # (EXPENSE_SYNC_<settings>_CLIENT_ID and _CLIENT_SECRET).
    setup_name: ClassVar[str]
    settings: ClassVar[str]
    # The error when the link's fields carry no consent code.
    sign_in: ClassVar[str]

    def access(self, cloud: CloudAccess | None) -> CloudAccess:
        if cloud is None or not cloud.app.configured:
            raise ValidationConnectorError(
                f"{self.setup_name} is not set up on this server: set "
                f"EXPENSE_SYNC_{self.settings}_CLIENT_ID and "
                f"EXPENSE_SYNC_{self.settings}_CLIENT_SECRET."
            )
        return cloud

    def open(self, books: LinkedBooks) -> LedgerSession:
        return self.session(self.access(books.cloud), books.connection_info)

    def authorize(self, context: LinkContext, fields: dict[str, str]) -> Authorization:
        cloud = self.access(context.cloud)
        if not fields.get("code") or not fields.get("code_verifier"):
            raise ValidationConnectorError(self.sign_in, field="code")
        self.check(fields)
        tokens = oauth.exchange_code(
            cloud.app,
            code=fields["code"],
            code_verifier=fields["code_verifier"],
            redirect_uri=fields.get("redirect_uri", ""),
        )
        return Authorization(
            connection_info=self.link(cloud, tokens.access_token, fields),
            secrets=tokens.as_secrets(),
        )

    def check(self, fields: dict[str, str]) -> None:
        """Reject the link's fields before the code is spent (nothing by default)."""

    def session(self, cloud: CloudAccess, info: dict[str, Any]) -> LedgerSession:
        """The platform's session over the linked books' ``connectionInfo``."""
        raise NotImplementedError

    def link(self, cloud: CloudAccess, access_token: str, fields: dict[str, str]) -> dict[str, str]:
        """The ``connectionInfo`` a fresh access token reaches (the tenant, company...)."""
        raise NotImplementedError
