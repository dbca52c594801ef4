"""Receipts: multipart ``POST /upload`` makes an ``Attachable`` linked to an entity.

As Intuit documents ``/upload``: parts ``file_metadata_NN`` (an Attachable as JSON, with
``AttachableRef`` naming the entity) and ``file_content_NN`` (the file, with its
content type). Limits (PLATFORMS.md): 100 MB a file; the types QuickBooks takes (AI CSV
DOC DOCX EPS GIF JPEG JPG ODS PAGES PDF PNG RTF TIF TXT XLS XLSX XML); ``FileName`` and
``ContentType`` required. Bytes are kept exactly (a checksum is in the state) and served
back from ``GET /download/{id}``'s URL.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from sandboxes.quickbooks import api, rules, schema
from sandboxes.quickbooks.state import StoredFile
from sandboxes.quickbooks.wire import INVALID_REQUEST, QboError, answer, fault_answer

ALLOWED_TYPES = {
    "application/postscript",  # AI, EPS
    "text/csv",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "image/gif",
    "image/jpeg",
    "image/jpg",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.apple.pages",
    "application/pdf",
    "image/png",
    "text/rtf",
    "application/rtf",
    "image/tiff",
    "text/plain",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/xml",
    "application/xml",
}


class MetadataViolation(Exception):
    """A ``file_metadata`` part that breaks Intuit's schema (a request violation)."""


def _refused(detail: str, element: str) -> QboError:
    return QboError(
        "6000",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
        element=element,
    )


async def _one(
    request: Request, metadata: Any, upload: UploadFile, base_url: str
) -> dict[str, Any]:
    sandbox = api.sandbox_of(request)
    company = api.company_of(request)
    content = await upload.read()
    meta: dict[str, Any] = json.loads(metadata) if isinstance(metadata, str | bytes) else {}
    if not isinstance(meta, dict):
        raise MetadataViolation("file_metadata must be a JSON object (an Attachable)")
    error = schema.errors("Attachable", meta)
    if error:
        raise MetadataViolation(error)
    file_name = str(meta.get("FileName") or upload.filename or "")
    content_type = str(meta.get("ContentType") or upload.content_type or "").split(";")[0]
    if not file_name:
        raise rules.required("FileName")
    if not content_type:
        raise rules.required("ContentType")
    if content_type.lower() not in ALLOWED_TYPES:
        raise _refused(
            f"Content type {content_type} is not supported for attachments", "ContentType"
        )
    if len(content) > sandbox.config.attachment_max_bytes:
        raise _refused(
            f"The file is {len(content)} bytes; attachments may be at most "
            f"{sandbox.config.attachment_max_bytes} bytes.",
            "Size",
        )
    refs = meta.get("AttachableRef") or []
    for ref in refs if isinstance(refs, list) else [refs]:
        entity_ref = ref.get("EntityRef") or {}
        entity = api.entity_of(str(entity_ref.get("type", "")))
        api.read(company, entity, str(entity_ref.get("value", "")))
    record = {
        **{k: v for k, v in meta.items() if k not in api.SERVER_FIELDS},
        "FileName": file_name,
        "ContentType": content_type,
        "Size": len(content),
    }
    with company.lock:
        stored = company.store("Attachable", record, new=True)
        company.files[stored["Id"]] = StoredFile(file_name, content_type, content)
        url = f"{base_url}/__sandbox__/files/{company.realm_id}/{stored['Id']}"
        stored["FileAccessUri"] = f"/v3/company/{company.realm_id}/download/{stored['Id']}"
        stored["TempDownloadUri"] = url
    return {"Attachable": stored}


async def upload(request: Request) -> Response:
    sandbox = api.sandbox_of(request)
    base_url = str(request.base_url).rstrip("/")
    try:
        api.company_of(request)
        max_size = sandbox.config.attachment_max_bytes + 1024 * 1024
        form = await request.form(max_part_size=max_size)
    except QboError as error:
        return fault_answer(error)
    except Exception as error:  # starlette's multipart errors
        return fault_answer(QboError(INVALID_REQUEST, "Invalid multipart request", str(error)))
    try:
        answers = await _all(request, form, base_url)
    finally:
        await form.close()
    if answers is None:
        return fault_answer(rules.required("file_content_01"))
    return answer({"AttachableResponse": answers})


async def _all(request: Request, form: Any, base_url: str) -> list[dict[str, Any]] | None:
    """Each file of the form, answered on its own (None: the form has no file)."""
    answers: list[dict[str, Any]] = []
    contents = sorted(k for k in form if k.startswith("file_content_"))
    if not contents:
        return None
    for key in contents:
        upload_file = form[key]
        metadata = form.get(key.replace("content", "metadata"))
        if isinstance(metadata, UploadFile):
            metadata = (await metadata.read()).decode()
        if not isinstance(upload_file, UploadFile):
            answers.append({"Fault": rules.required(key).fault()})
            continue
        try:
            answers.append(await _one(request, metadata, upload_file, base_url))
        except MetadataViolation as error:
            raise SchemaViolation(str(error)) from None
        except (QboError, ValueError) as error:
            fault = error if isinstance(error, QboError) else _refused(str(error), key)
            answers.append({"Fault": fault.fault()})
    return answers


class SchemaViolation(Exception):
    """Raised to the gate: the request broke Intuit's schema (answered 400, recorded)."""


async def download(request: Request) -> Response:
    """Intuit answers a short-lived URL to the file, as text."""
    try:
        company = api.company_of(request)
        record = api.read(company, "Attachable", request.path_params["id"])
    except QboError as error:
        return fault_answer(error)
    return PlainTextResponse(str(record.get("TempDownloadUri", "")))


def routes() -> list[Route]:
    base = f"{api.PREFIX}/{{realm_id}}"
    return [
        Route(f"{base}/upload", upload, methods=["POST"]),
        Route(f"{base}/download/{{id}}", download, methods=["GET"]),
    ]
