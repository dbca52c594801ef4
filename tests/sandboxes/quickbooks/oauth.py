"""Intuit's OAuth 2.0 code flow against a sandbox, as a client runs it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlparse

import httpx

from sandboxes.quickbooks import RunningSandbox

REDIRECT_URI = "http://127.0.0.1:9/link/callback"
SCOPE = "com.intuit.quickbooks.accounting"


@dataclass
class Linked:
    access_token: str
    refresh_token: str
    realm_id: str
    tokens: dict[str, object]


def authorize_params(qbo: RunningSandbox, state: str = "st-1") -> dict[str, str]:
    return {
        "client_id": qbo.config.client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": SCOPE,
        "state": state,
    }


def approve(http: httpx.Client, params: dict[str, str], company: str) -> dict[str, str]:
    """Submit the consent page as the user would; the callback's query."""
    page = http.get("/connect/oauth2", params=params)
    assert page.status_code == 200, page.text
    assert "Connect" in page.text
    answer = http.post(
        "/connect/oauth2", data={**params, "decision": "allow", "sandbox_company": company}
    )
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(params["redirect_uri"])
    return dict(parse_qsl(urlparse(location).query))


def exchange(
    http: httpx.Client, qbo: RunningSandbox, code: str, redirect_uri: str = REDIRECT_URI
) -> httpx.Response:
    return http.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        auth=(qbo.config.client_id, qbo.config.client_secret),
    )


def link(http: httpx.Client, qbo: RunningSandbox, company: str = "new-us") -> Linked:
    """Link a company: ``new-us``/``new-uk`` (fresh), ``us``/``uk`` (seeded) or a realm id."""
    query = approve(http, authorize_params(qbo), company)
    assert query["state"] == "st-1"
    tokens = exchange(http, qbo, query["code"])
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    return Linked(body["access_token"], body["refresh_token"], query["realmId"], body)
