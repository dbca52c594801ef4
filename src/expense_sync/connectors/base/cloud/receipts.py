"""Receipts checked against the platform's own limits before they are uploaded.

The declared content type is not trusted (a PDF named ``.png`` fails at the platform
or, worse, lands unreadable): the file's first bytes are sniffed with ``filetype`` and
both the size and the real type must be what the platform accepts. A refusal names the
limit, so the client knows what to fix.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

import filetype

from expense_sync.connectors.base.errors import ValidationConnectorError
from expense_sync.connectors.base.manifest import MB, AttachmentLimits
from expense_sync.connectors.base.protocol import Document

# Types that carry no magic number: the declared type is the only evidence.
_TEXT_TYPES = {"text/plain", "text/csv"}


def checked_content_type(document: Document, limits: AttachmentLimits, platform: str) -> str:
    """The document's real content type, if the platform accepts it and its size."""
    if document.size > limits.max_bytes:
        raise ValidationConnectorError(
            f"{document.file_name} is {document.size / MB:.1f} MB; {platform} accepts at most "
            f"{limits.max_bytes / MB:.0f} MB per attachment.",
            field="attachment",
        )
    with document.path.open("rb") as file:
        head = file.read(8192)
    kind = filetype.guess(head)
    real = kind.mime if kind is not None else document.content_type
    if kind is None and document.content_type not in _TEXT_TYPES:
        real = "application/octet-stream"
    if real not in limits.content_types:
        raise ValidationConnectorError(
            f"{document.file_name} is {real}; {platform} accepts "
            f"{', '.join(limits.content_types)}.",
            field="attachment",
        )
    return real


def attachment_name(document: Document, content_type: str) -> str:
    """``<document id>-<file name>`` (so a second attach finds the first by name), ending
    in the extension of the type the bytes really have (Xero reads the type from it)."""
    stem = Path(document.file_name).stem[:150] or "receipt"
    extension = mimetypes.guess_extension(content_type) or Path(document.file_name).suffix
    return f"{document.id}-{stem}{extension}"
