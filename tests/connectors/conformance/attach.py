"""Conformance of ``attach``: a document lands once on the record posted under a key
(a retry returns the first reference), and attaching where nothing was posted is
refused as a validation error."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest

from expense_sync.connectors.base import Document, LedgerSession, ValidationConnectorError
from tests.connectors.conformance.posting import Refs, posting_of

# The smallest file every platform takes as a PDF.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def receipt(folder: Path) -> Document:
    document_id = str(uuid.uuid4())
    path = folder / f"{document_id}.pdf"
    path.write_bytes(PDF)
    return Document(document_id, "receipt.pdf", "application/pdf", path, len(PDF),
                    hashlib.sha256(PDF).hexdigest())  # fmt: skip


class AttachChecks:
    """``attach``; skipped for a connector whose manifest takes no attachments."""

    @pytest.fixture
    def documents(self, connector: Any, tmp_path: Path) -> Path:
        if connector.manifest.attachments is None:
            pytest.skip(f"{connector.manifest.key} takes no attachments")
        folder = tmp_path / "conformance-documents"
        folder.mkdir(exist_ok=True)
        return folder

    def test_attach_is_idempotent_on_the_document_id(
        self, books: LedgerSession, refs: Refs, documents: Path
    ) -> None:
        posting = posting_of("Payment", refs)
        books.post([posting])
        document = receipt(documents)
        first = books.attach(posting.key, document)
        assert first
        assert books.attach(posting.key, document) == first  # a retry after a crash
        other = books.attach(posting.key, receipt(documents))
        assert other and other != first  # a second document is a second attachment

    def test_attach_to_a_key_never_posted_is_a_validation_error(
        self, books: LedgerSession, documents: Path
    ) -> None:
        with pytest.raises(ValidationConnectorError) as refused:
            books.attach(str(uuid.uuid4()), receipt(documents))
        assert refused.value.message
