"""Intuit's OAuth 2.0 over real HTTP: consent, realmId on the callback, rotation, revoke."""

from __future__ import annotations

import httpx

from sandboxes.quickbooks import RunningSandbox
from tests.sandboxes.quickbooks.oauth import REDIRECT_URI, approve, authorize_params, exchange, link


def _refresh(http: httpx.Client, qbo: RunningSandbox, token: str) -> httpx.Response:
    return http.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": token},
        auth=(qbo.config.client_id, qbo.config.client_secret),
    )


def _company_info(qbo: RunningSandbox, token: str, realm_id: str) -> httpx.Response:
    return httpx.get(
        f"{qbo.company_url(realm_id)}/companyinfo/1",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )


def test_the_callback_carries_the_chosen_realm_and_the_token_reads_it(
    qbo: RunningSandbox, http: httpx.Client
) -> None:
    realm = qbo.realm("GB")
    query = approve(http, authorize_params(qbo, state="s-9"), realm)
    assert query["realmId"] == realm
    assert query["state"] == "s-9"
    tokens = exchange(http, qbo, query["code"])
    assert tokens.status_code == 200
    body = tokens.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["x_refresh_token_expires_in"] > 0
    info = _company_info(qbo, body["access_token"], realm)
    assert info.status_code == 200, info.text
    assert info.json()["CompanyInfo"]["Country"] == "GB"


def test_a_code_works_once_and_only_with_its_redirect_uri(
    qbo: RunningSandbox, http: httpx.Client
) -> None:
    code = approve(http, authorize_params(qbo), "new-us")["code"]
    assert exchange(http, qbo, code, redirect_uri="http://127.0.0.1:9/other").json() == {
        "error": "invalid_grant"
    }
    code = approve(http, authorize_params(qbo), "new-us")["code"]
    assert exchange(http, qbo, code).status_code == 200
    again = exchange(http, qbo, code)
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}


def test_a_wrong_client_secret_is_invalid_client(qbo: RunningSandbox, http: httpx.Client) -> None:
    code = approve(http, authorize_params(qbo), "new-us")["code"]
    answer = http.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=(qbo.config.client_id, "wrong"),
    )
    assert answer.status_code == 401
    assert answer.json() == {"error": "invalid_client"}


def test_the_scope_and_client_are_checked_on_the_authorize_url(
    qbo: RunningSandbox, http: httpx.Client
) -> None:
    unknown = http.get("/connect/oauth2", params={**authorize_params(qbo), "client_id": "x"})
    assert unknown.status_code == 400
    no_scope = http.get("/connect/oauth2", params={**authorize_params(qbo), "scope": "openid"})
    assert no_scope.status_code == 302
    assert "error=invalid_scope" in no_scope.headers["location"]


def test_refresh_rotates_and_a_used_token_answers_the_same_within_the_grace(
    qbo: RunningSandbox, http: httpx.Client
) -> None:
    linked = link(http, qbo)
    first = _refresh(http, qbo, linked.refresh_token)
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != linked.refresh_token
    assert _refresh(http, qbo, linked.refresh_token).json() == rotated  # the answer was lost
    assert _refresh(http, qbo, rotated["refresh_token"]).status_code == 200
    stale = _refresh(http, qbo, linked.refresh_token)  # its successor is used: refused now
    assert stale.status_code == 400
    assert stale.json() == {"error": "invalid_grant"}
    assert _company_info(qbo, rotated["access_token"], linked.realm_id).status_code == 200


def test_an_expired_access_token_gets_intuits_401(qbo: RunningSandbox, http: httpx.Client) -> None:
    linked = link(http, qbo)
    qbo.control("POST", "tokens/expire")
    answer = _company_info(qbo, linked.access_token, linked.realm_id)
    assert answer.status_code == 401
    error = answer.json()["Fault"]["Error"][0]
    assert answer.json()["Fault"]["type"] == "AUTHENTICATION"
    assert error["code"] == "3200"
    assert "AuthenticationFailed" in error["Message"]
    assert error["Detail"] == "Token expired"
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]
    refreshed = _refresh(http, qbo, linked.refresh_token).json()
    assert _company_info(qbo, refreshed["access_token"], linked.realm_id).status_code == 200


def test_a_revoked_grant_ends_the_access_and_refresh_tokens(
    qbo: RunningSandbox, http: httpx.Client
) -> None:
    linked = link(http, qbo)
    revoke = http.post(
        "/v2/oauth2/tokens/revoke",
        json={"token": linked.refresh_token},
        auth=(qbo.config.client_id, qbo.config.client_secret),
    )
    assert revoke.status_code == 200
    assert _company_info(qbo, linked.access_token, linked.realm_id).status_code == 401
    assert _refresh(http, qbo, linked.refresh_token).json() == {"error": "invalid_grant"}


def test_a_token_reads_only_its_own_realm(qbo: RunningSandbox, http: httpx.Client) -> None:
    linked = link(http, qbo, "new-us")
    other = qbo.realm("GB")
    answer = _company_info(qbo, linked.access_token, other)
    assert answer.status_code == 403
    assert answer.json()["Fault"]["Error"][0]["code"] == "003100"


def test_a_short_token_lifetime_is_configurable(http: httpx.Client) -> None:
    from sandboxes.quickbooks import SandboxConfig, run

    with (
        run(SandboxConfig(access_token_seconds=0)) as short,
        httpx.Client(base_url=short.base_url) as client,
    ):
        linked = link(client, short)
        assert linked.tokens["expires_in"] == 0
        assert _company_info(short, linked.access_token, linked.realm_id).status_code == 401
