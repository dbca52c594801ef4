"""Receiving one file from a ``multipart/form-data`` request body, streamed to disk.

The body is parsed as it arrives (python-multipart's push parser), so a 200 MB receipt
never sits in memory: each chunk is hashed and written to a file under the data
directory, and the receipt is checked *while* it arrives, before any of it is kept:

- the part must be the form field ``file`` and carry a file name;
- its declared content type must be one the platform accepts (manifest), and its first
  bytes must be that kind of file (a ``.exe`` named ``receipt.pdf`` is refused);
- it may not be empty, nor grow past the platform's size limit (checked per chunk, so an
  oversized upload is cut off at the limit, not read to its end).

Any problem raises ``InvalidRequest`` naming the field; the partial file is removed.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NoReturn

from python_multipart.multipart import MultipartParser, parse_options_header

from expense_sync.connectors.base import MB, AttachmentLimits
from expense_sync.domain.errors import InvalidRequest

FIELD = "file"
# What the first bytes of each accepted document type look like.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}
SNIFF_BYTES = 8
UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class ReceivedFile:
    path: Path
    file_name: str
    content_type: str
    size: int
    sha256: str


def safe_file_name(name: str) -> str:
    """The file name without any directory part or characters a path should not hold."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = UNSAFE.sub("_", base).strip(" .")
    return cleaned[:200] or "receipt"


def human(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{size} bytes"


@dataclass
class _Part:
    """The state of the multipart part being read."""

    limits: AttachmentLimits
    directory: Path
    headers: dict[str, bytes] = field(default_factory=dict)
    header_field: bytes = b""
    header_value: bytes = b""
    is_file: bool = False
    file_name: str = ""
    content_type: str = ""
    head: bytes = b""
    size: int = 0
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)
    out: IO[bytes] | None = None
    path: Path | None = None
    received: ReceivedFile | None = None

    def refuse(self, message: str) -> NoReturn:
        raise InvalidRequest.for_field(FIELD, message)

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.decode("latin-1").lower()] = self.header_value
        self.header_field = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get("content-disposition", b""))
        if options.get(b"name", b"").decode("latin-1") != FIELD:
            return  # another form field: read past it
        if self.received is not None or self.out is not None:
            self.refuse("Send one file per request, in the form field 'file'.")
        raw_name = options.get(b"filename")
        if not raw_name:
            self.refuse("The 'file' field must be a file upload with a file name.")
        declared, _ = parse_options_header(self.headers.get("content-type", b""))
        self.content_type = declared.decode("latin-1").lower()
        if self.content_type not in self.limits.content_types:
            self.refuse(
                f"Files of type {self.content_type or '(none given)'!r} are not accepted by "
                f"the company's accounting platform; send one of "
                f"{', '.join(self.limits.content_types)}."
            )
        self.is_file = True
        self.file_name = safe_file_name(raw_name.decode("utf-8", "replace"))
        self.path = self.directory / f"{uuid.uuid4()}.part"
        self.out = self.path.open("wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.is_file or self.out is None:
            return
        chunk = data[start:end]
        self.size += len(chunk)
        if self.size > self.limits.max_bytes:
            self.refuse(
                f"The file is larger than the accounting platform accepts "
                f"({human(self.limits.max_bytes)}); send a smaller or compressed copy."
            )
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        self.digest.update(chunk)
        self.out.write(chunk)

    def on_part_end(self) -> None:
        self.headers = {}
        if not self.is_file or self.out is None or self.path is None:
            return
        self.out.close()
        self.out = None
        self.is_file = False
        if self.size == 0:
            self.refuse("The file is empty.")
        if not self.head.startswith(SIGNATURES.get(self.content_type, (b"",))):
            self.refuse(
                f"The file does not look like {self.content_type} (its first bytes do not "
                "match); check that it is the receipt you meant to send."
            )
        self.received = ReceivedFile(
            self.path, self.file_name, self.content_type, self.size, self.digest.hexdigest()
        )

    def discard(self) -> None:
        if self.out is not None:
            self.out.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def multipart_boundary(content_type_header: str | bytes) -> bytes:
    """The boundary of a ``multipart/form-data`` body; empty for any other body."""
    kind, options = parse_options_header(content_type_header)
    return options.get(b"boundary", b"") if kind == b"multipart/form-data" else b""


async def receive_file(
    chunks: AsyncIterator[bytes],
    content_type_header: str,
    limits: AttachmentLimits,
    directory: Path,
) -> ReceivedFile:
    """Stream the body's ``file`` part into a new file in ``directory``."""
    boundary = multipart_boundary(content_type_header)
    if not boundary:
        raise InvalidRequest.for_field(
            FIELD, "Send the receipt as multipart/form-data with the file in the field 'file'."
        )
    directory.mkdir(parents=True, exist_ok=True)
    part = _Part(limits, directory)
    parser = MultipartParser(
        boundary,
        {
            "on_header_field": part.on_header_field,
            "on_header_value": part.on_header_value,
            "on_header_end": part.on_header_end,
            "on_headers_finished": part.on_headers_finished,
            "on_part_data": part.on_part_data,
            "on_part_end": part.on_part_end,
        },
    )
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
        if part.received is None:
            part.refuse("No file arrived: send it in the multipart form field 'file'.")
    except InvalidRequest:
        part.discard()
        raise
    except Exception as error:
        part.discard()
        raise InvalidRequest.for_field(FIELD, f"The multipart body is malformed: {error}") from None
    assert part.received is not None
    os.chmod(part.received.path, 0o600)
    return part.received
