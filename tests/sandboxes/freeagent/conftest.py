"""A FreeAgent sandbox per test over real HTTP, and a company approved on it."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from sandboxes.freeagent import RunningSandbox, SandboxConfig, run

REDIRECT = "http://127.0.0.1:1/callback"


@pytest.fixture
def freeagent() -> Iterator[RunningSandbox]:
    """A sandbox (no limits) whose own answers must all keep the schemas."""
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running
        own = [v for v in running.violations() if v["kind"] == "response"]
        assert own == [], own


@dataclass
class Approved:
    access_token: str
    refresh_token: str
    company_id: str


def approve(freeagent: RunningSandbox) -> Approved:
    """The code flow with PKCE, as the connector runs it."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "client_id": freeagent.config.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "state": "s1",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    approved = httpx.get(freeagent.authorize_url, params=params)
    assert approved.status_code == 302, approved.text
    location = httpx.URL(approved.headers["location"])
    assert location.params["state"] == "s1"
    tokens = httpx.post(
        freeagent.token_url,
        data={
            "grant_type": "authorization_code",
            "code": location.params["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=(freeagent.config.client_id, freeagent.config.client_secret),
    )
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["expires_in"] == 3600
    company = str(len(freeagent.sandbox.companies))
    return Approved(body["access_token"], body["refresh_token"], company)


@pytest.fixture
def approved(freeagent: RunningSandbox) -> Approved:
    return approve(freeagent)


@pytest.fixture
def api(freeagent: RunningSandbox, approved: Approved) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {approved.access_token}", "Accept": "application/json"}
    with httpx.Client(base_url=freeagent.base_url, headers=headers, timeout=30) as client:
        yield client
