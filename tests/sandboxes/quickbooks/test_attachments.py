"""Receipts through multipart ``/upload``: linked to an entity, bytes kept, limits enforced."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandboxes.quickbooks import RunningSandbox, SandboxConfig, run
from tests.sandboxes.quickbooks.conftest import api_client
from tests.sandboxes.quickbooks.oauth import Linked, link
from tests.sandboxes.quickbooks.payloads import purchase

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _upload(
    api: httpx.Client,
    entity_id: str,
    content: bytes = PDF,
    content_type: str = "application/pdf",
    file_name: str = "receipt.pdf",
    **meta: Any,
) -> httpx.Response:
    metadata = {
        "AttachableRef": [{"EntityRef": {"type": "Purchase", "value": entity_id}}],
        "FileName": file_name,
        "ContentType": content_type,
        **meta,
    }
    return api.post(
        "/upload",
        files={
            "file_metadata_01": ("metadata.json", json.dumps(metadata), "application/json"),
            "file_content_01": (file_name, content, content_type),
        },
    )


def test_a_receipt_is_linked_to_the_purchase_and_kept_byte_for_byte(
    api: httpx.Client, qbo: RunningSandbox, us: Linked
) -> None:
    posted = api.post("/purchase", json=purchase()).json()["Purchase"]
    answer = _upload(api, posted["Id"])
    assert answer.status_code == 200, answer.text
    attachable = answer.json()["AttachableResponse"][0]["Attachable"]
    assert attachable["AttachableRef"][0]["EntityRef"] == {
        "type": "Purchase",
        "value": posted["Id"],
    }
    assert attachable["Size"] == len(PDF)
    linked_to = f"AttachableRef.EntityRef.value = '{posted['Id']}'"
    found = api.get(
        "/query", params={"query": f"select * from Attachable where {linked_to}"}
    ).json()["QueryResponse"]["Attachable"]
    assert [a["Id"] for a in found] == [attachable["Id"]]
    url = api.get(f"/download/{attachable['Id']}").text
    assert httpx.get(url).content == PDF
    kept = qbo.state(us.realm_id)["files"][attachable["Id"]]
    assert kept["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_a_type_quickbooks_does_not_take_is_refused(api: httpx.Client) -> None:
    posted = api.post("/purchase", json=purchase()).json()["Purchase"]
    answer = _upload(api, posted["Id"], b"MZ...", "application/x-msdownload", "tool.exe")
    fault = answer.json()["AttachableResponse"][0]["Fault"]["Error"][0]
    assert fault["element"] == "ContentType"
    assert "not supported" in fault["Detail"]


def test_a_receipt_for_a_missing_entity_is_refused(api: httpx.Client) -> None:
    answer = _upload(api, "404")
    assert answer.json()["AttachableResponse"][0]["Fault"]["Error"][0]["code"] == "610"


def test_metadata_breaking_the_xsd_is_a_recorded_violation(
    api: httpx.Client, qbo: RunningSandbox
) -> None:
    posted = api.post("/purchase", json=purchase()).json()["Purchase"]
    answer = _upload(api, posted["Id"], Size="big")
    assert answer.status_code == 400
    assert answer.headers["x-sandbox-violation"] == "request"
    assert "Size" in qbo.violations()[-1]["error"]


@pytest.fixture
def small() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(attachment_max_bytes=1000)) as running:
        yield running


def test_a_file_over_the_size_limit_is_refused(small: RunningSandbox) -> None:
    with httpx.Client(base_url=small.base_url) as http:
        linked = link(http, small)
    with api_client(small, linked) as api:
        posted = api.post("/purchase", json=purchase()).json()["Purchase"]
        answer = _upload(api, posted["Id"], b"x" * 1001, "text/plain", "big.txt")
        fault = answer.json()["AttachableResponse"][0]["Fault"]["Error"][0]
        assert fault["element"] == "Size"
        assert "at most 1000 bytes" in fault["Detail"]
        assert _upload(api, posted["Id"], b"x" * 1000, "text/plain", "ok.txt").status_code == 200


def test_the_real_limit_is_100_megabytes() -> None:
    assert SandboxConfig().attachment_max_bytes == 100 * 1024 * 1024
