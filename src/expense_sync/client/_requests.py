"""Codat's call style: one ``request`` holding path parameters, query parameters and body.

Codat's SDK takes ``sdk.companies.get(request={"company_id": ...})`` and
``sdk.expenses.create(request={"company_id": ..., "request_body": [...]})``: every
operation that has path or query parameters takes them, and its body, in one request
object whose body field is named after the body's type (``company_request_body``,
``company_configuration``, ``attachment_upload``...). An operation with only a body takes
the body itself as ``request`` (``sdk.companies.create(request={"name": ...})``), in both
styles.

That object may be a dict, one of Codat's own request models, or any pydantic model or
dataclass with those field names, so code written for Codat's SDK runs here unchanged.
Bodies that are models of another SDK are sent as their JSON (by alias), which our models
read, since the wire names are the contract's.
"""

from __future__ import annotations

import dataclasses
import mimetypes
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from expense_sync.client.models._base import Model


def fields_of(request: Any, where: str) -> dict[str, Any]:
    """The named fields of a request given as a dict, a pydantic model or a dataclass."""
    if isinstance(request, Mapping):
        return dict(request)
    if isinstance(request, BaseModel):
        return {name: getattr(request, name) for name in type(request).model_fields}
    if dataclasses.is_dataclass(request) and not isinstance(request, type):
        return {f.name: getattr(request, f.name) for f in dataclasses.fields(request)}
    raise TypeError(
        f"{where}: request must be a dict or a model holding the path and query parameters "
        f"and the body, not {type(request).__name__}"
    )


def plain(value: Any) -> Any:
    """``value`` with models of other SDKs (e.g. Codat's) turned into their JSON data."""
    if isinstance(value, BaseModel) and not isinstance(value, Model):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    return value


def codat_file(value: Any, where: str) -> tuple[str, bytes | Any, str] | None:
    """Codat's ``AttachmentUpload`` — ``{"file": {"file_name", "content", "content_type"}}``
    as a dict or a model — as (file name, content, content type); None for anything else
    (a path, bytes, a file object or an ``Upload``)."""
    if not isinstance(value, Mapping | BaseModel):
        return None
    upload = fields_of(value, where)
    if "file" not in upload:
        raise TypeError(
            f'{where}: attachment_upload must be {{"file": {{"file_name", "content"}}}}'
        )
    file = fields_of(upload["file"], where)
    name = file.get("file_name") or file.get("fileName")
    content = file.get("content")
    if not name or content is None:
        raise TypeError(f"{where}: attachment_upload.file needs file_name and content")
    content_type = (
        file.get("content_type")
        or file.get("contentType")
        or file.get("Content-Type")
        or mimetypes.guess_type(str(name))[0]
        or "application/octet-stream"
    )
    return str(name), content, str(content_type)
