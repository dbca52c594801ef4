"""Encryption at rest for connection secrets and webhook signing secrets (Fernet)."""

from __future__ import annotations

import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._mac_key = hashlib.sha256(b"expense-sync link tokens" + key).digest()

    def seal(self, values: dict[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(values).encode()).decode()

    def open(self, sealed: str) -> dict[str, str]:
        try:
            values = json.loads(self._fernet.decrypt(sealed.encode()))
        except InvalidToken as error:
            raise RuntimeError(
                "A stored secret cannot be decrypted: EXPENSE_SYNC_SECRET_KEY (or the data "
                "directory's secret.key) differs from the one it was sealed with."
            ) from error
        assert isinstance(values, dict)
        return {str(k): str(v) for k, v in values.items()}

    def link_token(self, subject: str) -> str:
        """An unguessable token that lets a browser open the link page for ``subject``."""
        return hmac.new(self._mac_key, subject.encode(), hashlib.sha256).hexdigest()[:32]

    def check_link_token(self, subject: str, token: str) -> bool:
        return hmac.compare_digest(self.link_token(subject), token)
