"""The Business Central sandbox's rules over real HTTP: OAuth, schemas (a request or
answer that breaks a v2.0 page is refused and recorded), OData filters and paging,
If-Match etags, Microsoft.NAV.post, $batch (100 at most, $n references, snapshot
isolation), limits (6,000 per window per user; 5 at once, then a queue, then 429)
and faults."""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandboxes.business_central import Limits, RunningSandbox, SandboxConfig, run, schemas

VERIFIER = "v" * 64


@pytest.fixture
def bc() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running


def sign_in(bc: RunningSandbox) -> dict[str, Any]:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest())
    consent = httpx.get(
        bc.authorize_url,
        params={
            "client_id": bc.config.client_id,
            "redirect_uri": "http://127.0.0.1/cb",
            "response_type": "code",
            "state": "s1",
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        },
    )
    assert consent.status_code == 302
    code = httpx.URL(consent.headers["location"]).params["code"]
    answer = httpx.post(
        bc.token_url,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://127.0.0.1/cb",
            "code_verifier": VERIFIER,
        },
        auth=(bc.config.client_id, bc.config.client_secret),
    )
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    return tokens


class Client:
    def __init__(self, bc: RunningSandbox) -> None:
        self.bc = bc
        self.tokens = sign_in(bc)
        self.company = f"{bc.api_url()}/companies({bc.company_id()})"
        self.http = httpx.Client(
            headers={"Authorization": f"Bearer {self.tokens['access_token']}"}, timeout=30
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.http.get(f"{self.company}/{path}", params=params)

    def first(self, path: str, **params: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get(path, **params).json()["value"][0]
        return found


@pytest.fixture
def client(bc: RunningSandbox) -> Iterator[Client]:
    with Client(bc) as opened:
        yield opened


def test_pkce_and_refresh_follow_microsoft_identity(bc: RunningSandbox) -> None:
    tokens = sign_in(bc)
    refreshed = httpx.post(
        bc.token_url,
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(bc.config.client_id, bc.config.client_secret),
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] != tokens["refresh_token"]
    wrong = httpx.post(
        bc.token_url,
        data={"grant_type": "refresh_token", "refresh_token": "nope"},
        auth=(bc.config.client_id, bc.config.client_secret),
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    httpx.post(f"{bc.base_url}/__sandbox__/tokens/revoke")
    revoked = httpx.post(
        bc.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refreshed.json()["refresh_token"]},
        auth=(bc.config.client_id, bc.config.client_secret),
    )
    assert "AADSTS50173" in revoked.json()["error_description"]


def test_every_answer_keeps_its_page_and_a_bad_request_is_refused(
    bc: RunningSandbox, client: Client
) -> None:
    for collection in ("accounts", "vendors", "employees", "dimensions", "dimensionValues",
                       "taxGroups", "bankAccounts", "journals", "companyInformation"):  # fmt: skip
        answer = client.get(collection)
        assert answer.status_code == 200, (collection, answer.text)
        for record in answer.json()["value"]:
            assert schemas.errors(schemas.record_validator(collection), record) is None
    assert bc.violations() == []
    journal = client.first("journals")
    bad = client.http.post(
        f"{client.company}/journals({journal['id']})/journalLines",
        json={"amount": "12", "journalDisplayName": "read-only", "nonsense": 1},
    )
    assert bad.status_code == 400 and bad.headers["x-sandbox-violation"] == "request"
    assert bad.json()["error"]["code"] == "SandboxSchemaViolation"
    (recorded,) = bc.violations()
    assert "nonsense" in recorded["error"] and "journalDisplayName" in recorded["error"]
    assert "dynamics_journalline.md" in recorded["error"]


def test_filters_and_paging(client: Client) -> None:
    found = client.get(
        "accounts", **{"$filter": "number eq '60100' or startswith(displayName,'Mea')"}
    )
    assert {a["number"] for a in found.json()["value"]} == {"60100", "60200"}
    both = client.get(
        "accounts", **{"$filter": "category eq 'Expense' and contains(displayName,'o')"}
    )
    assert {a["displayName"] for a in both.json()["value"]} == {"Office Supplies", "Software"}
    unknown = client.get("accounts", **{"$filter": "colour eq 'red'"})
    assert unknown.status_code == 400 and "colour" in unknown.json()["error"]["message"]
    page = client.get("accounts", **{"$top": "3", "$skip": "2"}).json()["value"]
    assert [a["number"] for a in page] == ["30100", "40100", "60100"]


def test_server_paging_follows_next_link() -> None:
    with run(SandboxConfig(auto_approve=True, page_size=3)) as bc:
        with Client(bc) as client:
            numbers, url = [], f"{client.company}/accounts"
            while url:
                body = client.http.get(url).json()
                numbers += [a["number"] for a in body["value"]]
                url = body.get("@odata.nextLink")
        assert len(numbers) == 8 and len(set(numbers)) == 8


def test_if_match_etags(client: Client) -> None:
    vendor = client.first("vendors")
    url = f"{client.company}/vendors({vendor['id']})"
    assert client.http.patch(url, json={"phoneNumber": "1"}).status_code == 428
    changed = client.http.patch(
        url, json={"phoneNumber": "1"}, headers={"If-Match": vendor["@odata.etag"]}
    )
    assert changed.status_code == 200 and changed.json()["@odata.etag"] != vendor["@odata.etag"]
    stale = client.http.patch(
        url, json={"phoneNumber": "2"}, headers={"If-Match": vendor["@odata.etag"]}
    )
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "Request_EntityChanged"


def _invoice(client: Client, vendor_invoice_number: str = "") -> dict[str, Any]:
    vendor = client.first("vendors")
    body = {"vendorId": vendor["id"], "invoiceDate": "2026-11-02"}
    if vendor_invoice_number:
        body["vendorInvoiceNumber"] = vendor_invoice_number
    created: dict[str, Any] = client.http.post(
        f"{client.company}/purchaseInvoices", json=body
    ).json()
    return created


def test_the_post_action_posts_a_complete_draft_once(client: Client) -> None:
    account = client.first("accounts", **{"$filter": "number eq '60100'"})
    empty = _invoice(client, "INV-1")
    post = f"{client.company}/purchaseInvoices({empty['id']})/Microsoft.NAV.post"
    assert "nothing to post" in client.http.post(post).json()["error"]["message"]
    lines = f"{client.company}/purchaseInvoices({empty['id']})/purchaseInvoiceLines"
    line = {"lineType": "Account", "accountId": account["id"], "unitCost": 10, "quantity": 2}
    assert client.http.post(lines, json=line).status_code == 201
    assert client.http.post(post).status_code == 204
    posted = client.http.get(f"{client.company}/purchaseInvoices({empty['id']})").json()
    assert posted["status"] == "Open" and posted["totalAmountExcludingTax"] == 20
    assert client.http.post(post).status_code == 400
    assert client.http.post(lines, json=line).status_code == 400  # posted: no more lines
    nameless = _invoice(client)
    client.http.post(
        f"{client.company}/purchaseInvoices({nameless['id']})/purchaseInvoiceLines", json=line
    )
    refused = client.http.post(
        f"{client.company}/purchaseInvoices({nameless['id']})/Microsoft.NAV.post"
    )
    assert "Vendor Invoice No." in refused.json()["error"]["message"]


def _batch(client: Client, requests: list[dict[str, Any]], atomic: bool = False) -> httpx.Response:
    headers = {"Isolation": "snapshot"} if atomic else {}
    return client.http.post(
        f"{client.bc.api_url()}/$batch", json={"requests": requests}, headers=headers
    )


def test_batch_limit_references_and_snapshot_isolation(bc: RunningSandbox, client: Client) -> None:
    company = f"companies({bc.company_id()})"
    many = [{"id": str(i), "method": "GET", "url": f"{company}/taxGroups"} for i in range(101)]
    assert _batch(client, many).status_code == 400
    assert _batch(client, many[:100]).status_code == 200
    vendor = client.first("vendors")
    account = client.first("accounts")
    requests = [
        {"id": "1", "method": "POST", "url": f"{company}/purchaseInvoices",
         "body": {"vendorId": vendor["id"], "vendorInvoiceNumber": "B-1"}},
        {"id": "2", "method": "POST", "url": "$1/purchaseInvoiceLines",
         "body": {"lineType": "Account", "accountId": account["id"], "unitCost": 5, "quantity": 1}},
        {"id": "3", "method": "POST", "url": "$2/dimensionSetLines",
         "body": {"code": "DEPARTMENT", "valueCode": "NOPE"}},
    ]  # fmt: skip
    atomic = _batch(client, requests, atomic=True).json()["responses"]
    assert [r["status"] for r in atomic] == [424, 424, 400]
    assert client.get("purchaseInvoices").json()["value"] == []  # nothing kept
    loose = _batch(client, requests).json()["responses"]
    assert [r["status"] for r in loose] == [201, 201, 400]
    assert len(client.get("purchaseInvoices").json()["value"]) == 1


def test_a_full_queue_is_refused_and_the_window_limits_each_user() -> None:
    limits = Limits(per_window=1000, window_seconds=300, concurrent=1, queued=1)
    with run(SandboxConfig(auto_approve=True, limits=limits)) as bc, Client(bc) as client:
        fault = {"path": "/v2.0/production/api/v2.0/companies", "kind": "delay", "seconds": 0.5,
                 "count": 3}  # fmt: skip
        httpx.post(f"{bc.base_url}/__sandbox__/faults", json=fault)
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda _: client.get("taxGroups").status_code, range(3)))
        assert sorted(answers) == [200, 200, 429]  # one runs, one waits, one is refused
        calls = httpx.get(f"{bc.base_url}/__sandbox__/calls").json()
        assert calls["runningPeak"] == 1 and calls["queuedPeak"] == 1
        httpx.put(f"{bc.base_url}/__sandbox__/limits", json={"per_window": 3, "concurrent": 5})
        statuses = [client.get("taxGroups") for _ in range(3)]
        assert statuses[-1].status_code == 429 and int(statuses[-1].headers["retry-after"]) > 0
        assert statuses[-1].json()["error"]["code"] == "Application_TooManyRequests"


def test_faults_error_and_drop(bc: RunningSandbox, client: Client) -> None:
    path = f"/v2.0/production/api/v2.0/companies({bc.company_id()})/vendors"
    httpx.post(
        f"{bc.base_url}/__sandbox__/faults", json={"path": path, "kind": "error", "status": 503}
    )
    assert client.get("vendors").status_code == 503
    httpx.post(
        f"{bc.base_url}/__sandbox__/faults", json={"path": path, "kind": "drop", "method": "POST"}
    )
    with pytest.raises(httpx.HTTPError):
        client.http.post(f"{client.company}/vendors", json={"displayName": "Dropped"})
    names = [v["displayName"] for v in client.get("vendors").json()["value"]]
    assert "Dropped" in names  # stored, though the answer was lost
    assert (
        client.http.get(
            f"{client.company}/vendors", headers={"Authorization": "Bearer x"}
        ).status_code
        == 401
    )


def test_a_journal_code_is_taken_once(client: Client) -> None:
    body = {"code": "EXPSYNC", "displayName": "Ours"}
    assert client.http.post(f"{client.company}/journals", json=body).status_code == 201
    again = client.http.post(f"{client.company}/journals", json=body)
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "Internal_EntityWithSameKeyExists"
