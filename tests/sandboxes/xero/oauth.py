"""The OAuth 2.0 authorization code flow with PKCE against a sandbox, as a client runs it."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlparse

import httpx

from sandboxes.xero import RunningSandbox

REDIRECT_URI = "http://127.0.0.1:9/link/callback"


@dataclass
class Linked:
    access_token: str
    refresh_token: str
    tenant_id: str
    tokens: dict[str, object]


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(xero: RunningSandbox, verifier: str, state: str = "st-1") -> dict[str, str]:
    return {
        "client_id": xero.config.client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid offline_access accounting.transactions accounting.settings",
        "state": state,
        "code_challenge": challenge_of(verifier),
        "code_challenge_method": "S256",
    }


def approve(http: httpx.Client, params: dict[str, str], **form: str) -> dict[str, str]:
    """Submit the consent page as the user would; the redirect's query (code, state)."""
    page = http.get("/identity/connect/authorize", params=params)
    assert page.status_code == 200, page.text
    assert "Allow access" in page.text
    answer = http.post("/identity/connect/authorize", data={**params, "decision": "allow", **form})
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(params["redirect_uri"])
    return dict(parse_qsl(urlparse(location).query))


def exchange(
    http: httpx.Client,
    xero: RunningSandbox,
    code: str,
    verifier: str,
    redirect_uri: str = REDIRECT_URI,
) -> httpx.Response:
    return http.post(
        "/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(xero.config.client_id, xero.config.client_secret),
    )


def link(http: httpx.Client, xero: RunningSandbox, **form: str) -> Linked:
    verifier = secrets.token_urlsafe(48)
    query = approve(http, authorize_params(xero, verifier), **form)
    tokens = exchange(http, xero, query["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    connections = http.get(
        "/connections", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert connections.status_code == 200, connections.text
    return Linked(
        body["access_token"], body["refresh_token"], connections.json()[0]["tenantId"], body
    )
