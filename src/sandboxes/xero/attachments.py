"""Attachments: ``PUT|POST /{Endpoint}/{Guid}/Attachments/{FileName}`` with the raw file.

Xero's rules (developer docs, "Attachments"): at most 10 per record, 10 MB each (a larger
body gets 413), and only these file types; the MIME type is taken from the file name.
"""

from __future__ import annotations

import mimetypes
import uuid
from pathlib import PurePosixPath

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.xero.accounting import (
    PREFIX,
    envelope,
    not_found,
    sandbox_of,
    tenant_of,
    validation_exception,
)
from sandboxes.xero.state import Attachment, Collection

ALLOWED_EXTENSIONS = frozenset(
    [
        "7z",
        "bmp",
        "csv",
        "doc",
        "docx",
        "eml",
        "gif",
        "jpeg",
        "jpg",
        "keynote",
        "msg",
        "numbers",
        "odf",
        "ods",
        "odt",
        "pages",
        "pdf",
        "png",
        "ppt",
        "pptx",
        "rar",
        "rtf",
        "tif",
        "tiff",
        "txt",
        "xls",
        "xlsx",
        "xml",
        "zip",
    ]
)
OWNERS = {
    "Accounts": "accounts",
    "Contacts": "contacts",
    "BankTransactions": "bank_transactions",
    "BankTransfers": "bank_transfers",
    "Invoices": "invoices",
    "ManualJournals": "manual_journals",
}


def _owner(request: Request) -> tuple[Collection, str] | Response:
    endpoint = request.url.path.removeprefix(PREFIX + "/").split("/", 1)[0]
    guid = request.path_params["guid"]
    records: Collection = getattr(tenant_of(request), OWNERS[endpoint])
    if records.get(guid) is None:
        return not_found(f"{endpoint} {guid}")
    return records, f"{endpoint}/{guid.lower()}"


def _public(attachment: Attachment, request: Request, owner: str) -> dict[str, object]:
    return {
        "AttachmentID": attachment.attachment_id,
        "FileName": attachment.file_name,
        "Url": f"{request.base_url}api.xro/2.0/{owner}/Attachments/{attachment.file_name}",
        "MimeType": attachment.mime_type,
        "ContentLength": len(attachment.content),
        "IncludeOnline": attachment.include_online,
    }


async def upload(request: Request) -> Response:
    found = _owner(request)
    if isinstance(found, Response):
        return found
    records, owner = found
    config = sandbox_of(request).config
    name = request.path_params["filename"]
    content = await request.body()
    if len(content) > config.attachment_max_bytes:
        return JSONResponse(
            {
                "Title": "Request Entity Too Large",
                "Status": 413,
                "Detail": f"The file is {len(content)} bytes; "
                f"Xero takes at most {config.attachment_max_bytes}.",
            },
            status_code=413,
        )
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    if extension not in ALLOWED_EXTENSIONS:
        return validation_exception(
            f"The file type '.{extension}' is not allowed. "
            f"Allowed: {', '.join(sorted(ALLOWED_EXTENSIONS))}."
        )
    if not content:
        return validation_exception("The attachment is empty.")
    tenant = tenant_of(request)
    held = tenant.attachments.setdefault(owner, [])
    replaced = next((a for a in held if a.file_name.casefold() == name.casefold()), None)
    if replaced is None and len(held) >= config.attachments_per_record:
        return validation_exception(
            f"A record can have at most {config.attachments_per_record} attachments."
        )
    attachment = Attachment(
        attachment_id=replaced.attachment_id if replaced else str(uuid.uuid4()),
        file_name=name,
        mime_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        content=content,
        include_online=request.query_params.get("IncludeOnline", "false").lower() == "true",
    )
    if replaced is not None:
        held.remove(replaced)
    held.append(attachment)
    record = records.get(request.path_params["guid"])
    assert record is not None
    record["HasAttachments"] = True
    return envelope("Attachments", [_public(attachment, request, owner)])


async def listing(request: Request) -> Response:
    found = _owner(request)
    if isinstance(found, Response):
        return found
    _, owner = found
    held = tenant_of(request).attachments.get(owner, [])
    return envelope("Attachments", [_public(a, request, owner) for a in held])


async def download(request: Request) -> Response:
    found = _owner(request)
    if isinstance(found, Response):
        return found
    _, owner = found
    name = request.path_params["filename"]
    for attachment in tenant_of(request).attachments.get(owner, []):
        if name.casefold() in (attachment.file_name.casefold(), attachment.attachment_id):
            return Response(attachment.content, media_type="application/octet-stream")
    return not_found(f"Attachment {name}")


async def by_file_name(request: Request) -> Response:
    return await (download(request) if request.method == "GET" else upload(request))


def routes() -> list[Route]:
    found: list[Route] = []
    for endpoint in OWNERS:
        base = f"{PREFIX}/{endpoint}/{{guid}}/Attachments"
        found.append(Route(base, listing, methods=["GET"]))
        found.append(Route(base + "/{filename}", by_file_name, methods=["GET", "PUT", "POST"]))
    return found
