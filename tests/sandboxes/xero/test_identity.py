"""The OAuth 2.0 flow of Xero's identity service: consent, PKCE, rotation, revocation."""

from __future__ import annotations

import secrets
from dataclasses import replace
from urllib.parse import parse_qsl, urlparse

import httpx

from sandboxes.xero import RunningSandbox, SandboxConfig, run
from tests.sandboxes.xero.oauth import (
    REDIRECT_URI,
    Linked,
    approve,
    authorize_params,
    exchange,
    link,
)


def _refresh(http: httpx.Client, xero: RunningSandbox, token: str) -> httpx.Response:
    return http.post(
        "/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": token},
        auth=(xero.config.client_id, xero.config.client_secret),
    )


def _organisation(http: httpx.Client, token: str, tenant_id: str) -> httpx.Response:
    return http.get(
        "/api.xro/2.0/Organisation",
        headers={"Authorization": f"Bearer {token}", "xero-tenant-id": tenant_id},
    )


def test_the_code_flow_with_pkce_links_a_new_organisation(
    http: httpx.Client, xero: RunningSandbox
) -> None:
    verifier = secrets.token_urlsafe(48)
    query = approve(http, authorize_params(xero, verifier, state="abc"), tenant_name="Acme Ltd")
    assert query["state"] == "abc"
    tokens = exchange(http, xero, query["code"], verifier)
    assert tokens.status_code == 200
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    connections = http.get(
        "/connections", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert [c["tenantName"] for c in connections.json()] == ["Acme Ltd"]
    tenant_id = connections.json()[0]["tenantId"]
    organisation = _organisation(http, body["access_token"], tenant_id)
    assert organisation.status_code == 200
    assert organisation.json()["Organisations"][0]["Name"] == "Acme Ltd"
    assert organisation.json()["Organisations"][0]["BaseCurrency"] == "GBP"


def test_a_code_is_refused_with_the_wrong_verifier_and_works_only_once(
    http: httpx.Client, xero: RunningSandbox
) -> None:
    verifier = secrets.token_urlsafe(48)
    query = approve(http, authorize_params(xero, verifier))
    wrong = exchange(http, xero, query["code"], secrets.token_urlsafe(48))
    assert (wrong.status_code, wrong.json()) == (400, {"error": "invalid_grant"})
    # A refused exchange spends the code, as an authorization server must.
    again = exchange(http, xero, query["code"], verifier)
    assert again.json() == {"error": "invalid_grant"}


def test_a_code_is_refused_with_another_redirect_uri(
    http: httpx.Client, xero: RunningSandbox
) -> None:
    verifier = secrets.token_urlsafe(48)
    query = approve(http, authorize_params(xero, verifier))
    refused = exchange(http, xero, query["code"], verifier, redirect_uri="http://127.0.0.1:9/other")
    assert (refused.status_code, refused.json()) == (400, {"error": "invalid_grant"})


def test_the_authorize_page_refuses_an_unregistered_redirect_and_an_unknown_client() -> None:
    config = SandboxConfig(redirect_uris=(REDIRECT_URI,))
    with run(config) as xero, httpx.Client(base_url=xero.base_url) as http:
        params = authorize_params(xero, "v" * 50)
        assert http.get("/identity/connect/authorize", params=params).status_code == 200
        other = {**params, "redirect_uri": "http://evil.example/cb"}
        refused = http.get("/identity/connect/authorize", params=other)
        assert refused.status_code == 400 and "redirect_uri" in refused.text
        unknown = http.get("/identity/connect/authorize", params={**params, "client_id": "nope"})
        assert unknown.status_code == 400 and "client" in unknown.text


def test_the_token_endpoint_checks_the_client_secret(
    http: httpx.Client, xero: RunningSandbox
) -> None:
    verifier = secrets.token_urlsafe(48)
    query = approve(http, authorize_params(xero, verifier))
    refused = http.post(
        "/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"],
            "redirect_uri": REDIRECT_URI,
        },
        auth=(xero.config.client_id, "wrong"),
    )
    assert (refused.status_code, refused.json()) == (400, {"error": "invalid_client"})


def test_denying_consent_redirects_with_access_denied(
    http: httpx.Client, xero: RunningSandbox
) -> None:
    params = authorize_params(xero, "v" * 50)
    answer = http.post("/identity/connect/authorize", data={**params, "decision": "deny"})
    query = dict(parse_qsl(urlparse(answer.headers["location"]).query))
    assert query == {"error": "access_denied", "state": "st-1"}


def test_auto_approve_redirects_at_once() -> None:
    with (
        run(SandboxConfig(auto_approve=True)) as xero,
        httpx.Client(base_url=xero.base_url) as http,
    ):
        answer = http.get("/identity/connect/authorize", params=authorize_params(xero, "v" * 50))
        assert answer.status_code == 302
        assert "code=" in answer.headers["location"]


def test_refresh_rotates_and_the_old_token_only_replays_within_the_grace(
    http: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    first = _refresh(http, xero, linked.refresh_token)
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != linked.refresh_token
    # Within the grace, the used token answers with the same rotation (a lost answer retried).
    replay = _refresh(http, xero, linked.refresh_token)
    assert replay.json()["refresh_token"] == rotated["refresh_token"]
    # Once the new token is used, the old one is dead.
    assert _refresh(http, xero, rotated["refresh_token"]).status_code == 200
    dead = _refresh(http, xero, linked.refresh_token)
    assert (dead.status_code, dead.json()) == (400, {"error": "invalid_grant"})
    assert _organisation(http, rotated["access_token"], linked.tenant_id).status_code == 200


def test_without_grace_a_used_refresh_token_is_refused() -> None:
    config = replace(SandboxConfig(), refresh_grace_seconds=-1)
    with run(config) as xero, httpx.Client(base_url=xero.base_url) as http:
        linked = link(http, xero)
        assert _refresh(http, xero, linked.refresh_token).status_code == 200
        assert _refresh(http, xero, linked.refresh_token).json() == {"error": "invalid_grant"}


def test_an_expired_access_token_gets_xeros_401_and_a_refresh_fixes_it() -> None:
    with (
        run(SandboxConfig(access_token_seconds=0)) as xero,
        httpx.Client(base_url=xero.base_url) as http,
    ):
        linked = link_without_check(http, xero)
        expired = _organisation(http, linked.access_token, linked.tenant_id)
        assert expired.status_code == 401
        assert expired.json()["Title"] == "Unauthorized"
        assert expired.json()["Detail"].startswith("TokenExpired")
        assert 'error="invalid_token"' in expired.headers["www-authenticate"]


def link_without_check(http: httpx.Client, xero: RunningSandbox) -> Linked:
    """Link while tokens expire at once: the tenant is read from the sandbox itself."""
    verifier = secrets.token_urlsafe(48)
    query = approve(http, authorize_params(xero, verifier))
    body = exchange(http, xero, query["code"], verifier).json()
    tenant_id = next(iter(xero.memory.tenants))
    return Linked(body["access_token"], body["refresh_token"], tenant_id, body)


def test_the_control_api_expires_tokens_mid_sync(
    http: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    assert _organisation(http, linked.access_token, linked.tenant_id).status_code == 200
    assert http.post("/__sandbox__/tokens/expire").json()["expired"] >= 1
    assert _organisation(http, linked.access_token, linked.tenant_id).status_code == 401
    fresh = _refresh(http, xero, linked.refresh_token).json()
    assert _organisation(http, fresh["access_token"], linked.tenant_id).status_code == 200


def test_revocation_ends_the_grant(
    http: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    revoked = http.post(
        "/connect/revocation",
        data={"token": linked.refresh_token},
        auth=(xero.config.client_id, xero.config.client_secret),
    )
    assert revoked.status_code == 200
    assert _refresh(http, xero, linked.refresh_token).json() == {"error": "invalid_grant"}
    refused = _organisation(http, linked.access_token, linked.tenant_id)
    assert refused.status_code == 401


def test_a_tenant_not_connected_to_the_token_is_forbidden(
    http: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    other = link(http, xero)
    refused = _organisation(http, linked.access_token, other.tenant_id)
    assert refused.status_code == 403
    assert refused.json()["Detail"] == "AuthenticationUnsuccessful"


def test_disconnecting_a_tenant_removes_its_connection(http: httpx.Client, linked: Linked) -> None:
    bearer = {"Authorization": f"Bearer {linked.access_token}"}
    connection = http.get("/connections", headers=bearer).json()[0]
    assert http.delete(f"/connections/{connection['id']}", headers=bearer).status_code == 204
    assert http.get("/connections", headers=bearer).json() == []
    assert _organisation(http, linked.access_token, linked.tenant_id).status_code == 403


def test_an_existing_organisation_can_be_linked_again(
    http: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    again = link(http, xero, tenant=linked.tenant_id)
    assert again.tenant_id == linked.tenant_id
    assert len(xero.memory.tenants) == 1


def test_a_public_client_exchanges_with_only_its_id_and_the_verifier(
    http: httpx.Client, xero: RunningSandbox
) -> None:
    verifier = secrets.token_urlsafe(48)
    query = approve(http, authorize_params(xero, verifier))
    form = {
        "grant_type": "authorization_code",
        "code": query["code"],
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": xero.config.client_id,
    }
    assert http.post("/connect/token", data=form).status_code == 200


def test_the_client_secret_may_come_in_the_form(http: httpx.Client, xero: RunningSandbox) -> None:
    verifier = secrets.token_urlsafe(48)
    query = approve(http, authorize_params(xero, verifier))
    form = {
        "grant_type": "authorization_code",
        "code": query["code"],
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": xero.config.client_id,
        "client_secret": xero.config.client_secret,
    }
    assert http.post("/connect/token", data=form).status_code == 200
    unknown = http.post("/connect/token", data={**form, "grant_type": "password"})
    assert (unknown.status_code, unknown.json()) == (400, {"error": "unsupported_grant_type"})


def test_the_consent_page_offers_the_organisations_linked_before(
    http: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    page = http.get("/identity/connect/authorize", params=authorize_params(xero, "v" * 50))
    assert f'value="{linked.tenant_id}"' in page.text
    assert "Demo Company (UK)" in page.text
