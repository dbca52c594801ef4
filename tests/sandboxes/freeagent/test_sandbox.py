"""The FreeAgent sandbox over real HTTP: OAuth, schemas, FreeAgent's rules for
explanations, bills and journal sets, paging, limits, attachments and faults."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest

from sandboxes.freeagent import Limits, RunningSandbox, SandboxConfig, run
from tests.sandboxes.freeagent.conftest import REDIRECT, Approved, approve

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108020000009077530000000c4944415478da63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def banks(api: httpx.Client) -> dict[str, str]:
    return {b["name"]: b["url"] for b in api.get("/v2/bank_accounts").json()["bank_accounts"]}


def category(freeagent: RunningSandbox, code: str) -> str:
    return f"{freeagent.base_url}/v2/categories/{code}"


def explain(api: httpx.Client, **fields: Any) -> httpx.Response:
    return api.post(
        "/v2/bank_transaction_explanations", json={"bank_transaction_explanation": fields}
    )


def message(response: httpx.Response) -> str:
    errors = response.json()["errors"]
    if isinstance(errors, dict):
        return str(errors["error"]["message"])
    return "; ".join(e["message"] for e in errors)


# -- OAuth --------------------------------------------------------------------------------


def test_codes_are_single_use_and_refresh_keeps_the_refresh_token(
    freeagent: RunningSandbox, approved: Approved
) -> None:
    auth = (freeagent.config.client_id, freeagent.config.client_secret)
    refreshed = httpx.post(
        freeagent.token_url,
        auth=auth,
        data={"grant_type": "refresh_token", "refresh_token": approved.refresh_token},
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] == approved.refresh_token
    assert refreshed.json()["access_token"] != approved.access_token
    wrong = httpx.post(
        freeagent.token_url,
        auth=auth,
        data={"grant_type": "authorization_code", "code": "made-up", "redirect_uri": REDIRECT},
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    bad_client = httpx.post(
        freeagent.token_url,
        auth=("x", "y"),
        data={"grant_type": "refresh_token", "refresh_token": "r"},
    )
    assert bad_client.status_code == 401 and "Access denied" in bad_client.text
    assert httpx.post(f"{freeagent.base_url}/__sandbox__/tokens/revoke").status_code == 204
    revoked = httpx.post(
        freeagent.token_url,
        auth=auth,
        data={"grant_type": "refresh_token", "refresh_token": approved.refresh_token},
    )
    assert revoked.status_code == 400 and revoked.json()["error"] == "invalid_grant"
    gone = httpx.get(
        f"{freeagent.base_url}/v2/company",
        headers={"Authorization": f"Bearer {approved.access_token}"},
    )
    assert gone.status_code == 401 and "revoked" in message(gone)


def test_a_wrong_pkce_verifier_is_refused(freeagent: RunningSandbox) -> None:
    params = {
        "client_id": freeagent.config.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "code_challenge": "abc",
        "code_challenge_method": "S256",
    }
    code = httpx.URL(httpx.get(freeagent.authorize_url, params=params).headers["location"])
    answer = httpx.post(
        freeagent.token_url,
        auth=(freeagent.config.client_id, freeagent.config.client_secret),
        data={
            "grant_type": "authorization_code",
            "code": code.params["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": "other",
        },
    )
    assert answer.status_code == 400 and "code_verifier" in answer.json()["error_description"]


def test_without_a_token_the_api_answers_401(freeagent: RunningSandbox) -> None:
    answer = httpx.get(f"{freeagent.base_url}/v2/company")
    assert answer.status_code == 401 and message(answer) == "No access token"


# -- the seed and schemas -----------------------------------------------------------------


def test_the_seed_is_a_uk_company_with_standard_categories(api: httpx.Client) -> None:
    company = api.get("/v2/company").json()["company"]
    assert (company["currency"], company["type"]) == ("GBP", "UkLimitedCompany")
    grouped = api.get("/v2/categories").json()
    admin = {c["nominal_code"]: c["description"] for c in grouped["admin_expenses_categories"]}
    assert admin["285"] == "Accommodation and Meals" and admin["365"] == "Travel"
    one = api.get("/v2/categories/365").json()["category"]
    assert one["description"] == "Travel"
    kinds = {b["type"] for b in api.get("/v2/bank_accounts").json()["bank_accounts"]}
    assert kinds == {"StandardBankAccount", "CreditCardAccount"}
    cards = api.get("/v2/bank_accounts", params={"view": "credit_card_accounts"}).json()
    assert [b["name"] for b in cards["bank_accounts"]] == ["Company Credit Card"]
    assert api.get("/v2/users/me").json()["user"]["role"] == "Director"


def test_a_request_that_breaks_the_schema_is_refused_and_recorded(
    freeagent: RunningSandbox, api: httpx.Client
) -> None:
    card = banks(api)["Company Credit Card"]
    refused = explain(
        api,
        bank_account=card,
        dated_on="2026-11-02",
        gross_value=-3.5,
        category=category(freeagent, "365"),
    )
    assert refused.status_code == 400
    assert refused.headers["X-Sandbox-Violation"] == "request"
    assert "gross_value" in message(refused)
    unknown = api.post(
        "/v2/contacts", json={"contact": {"organisation_name": "A", "colour": "red"}}
    )
    assert unknown.status_code == 400 and "colour" in message(unknown)
    kinds = [(v["kind"], v["path"]) for v in freeagent.violations()]
    assert kinds == [("request", "/v2/bank_transaction_explanations"), ("request", "/v2/contacts")]
    assert freeagent.state("1")["bank_transaction_explanations"] == []


# -- explanations -------------------------------------------------------------------------


def test_explanation_rules(freeagent: RunningSandbox, api: httpx.Client) -> None:
    card, current = banks(api)["Company Credit Card"], banks(api)["Current Account"]
    travel = category(freeagent, "365")
    base = {"bank_account": card, "dated_on": "2026-11-02", "gross_value": "-10.00"}
    no_category = explain(api, **base)
    assert no_category.status_code == 422 and "exactly one of category" in message(no_category)
    both = explain(api, **base, category=travel, transfer_bank_account=current)
    assert both.status_code == 422 and "it has category, transfer_bank_account" in message(both)
    missing = explain(api, **base, category=category(freeagent, "999"))
    assert missing.status_code == 422 and "does not exist" in message(missing)
    no_bank = explain(
        api, **{**base, "bank_account": f"{freeagent.base_url}/v2/bank_accounts/9"}, category=travel
    )
    assert no_bank.status_code == 422 and "Bank account" in message(no_bank)
    zero = explain(api, **{**base, "gross_value": "0"}, category=travel)
    assert zero.status_code == 422
    early = explain(api, **{**base, "dated_on": "2019-01-01"}, category=travel)
    assert early.status_code == 422 and "start date (2020-04-01)" in message(early)
    made = explain(api, **base, category=travel, description="[k] Taxi")
    assert made.status_code == 201
    record = made.json()["bank_transaction_explanation"]
    transaction = api.get(record["bank_transaction"]).json()["bank_transaction"]
    assert transaction["amount"] == "-10.00" and transaction["unexplained_amount"] == "0.00"
    assert transaction["is_manual"] is True


def test_an_explanation_must_match_its_bank_transaction(
    freeagent: RunningSandbox, api: httpx.Client
) -> None:
    card = banks(api)["Company Credit Card"]
    uploaded = api.post(
        "/v2/bank_transactions/statement",
        params={"bank_account": card},
        json={"statement": [{"dated_on": "2026-11-02", "amount": -50, "description": "CARD"}]},
    )
    assert uploaded.status_code == 200
    (line,) = api.get("/v2/bank_transactions", params={"bank_account": card}).json()[
        "bank_transactions"
    ]
    fields = {
        "bank_transaction": line["url"],
        "dated_on": "2026-11-02",
        "category": category(freeagent, "285"),
    }
    too_much = explain(api, **fields, gross_value="-60.00")
    assert too_much.status_code == 422 and "-50.00 is left to explain" in message(too_much)
    assert explain(api, **fields, gross_value="-30.00").status_code == 201
    assert (
        explain(
            api, **{**fields, "category": category(freeagent, "365")}, gross_value="-20.00"
        ).status_code
        == 201
    )
    done = api.get(line["url"]).json()["bank_transaction"]
    assert done["unexplained_amount"] == "0.00" and len(done["bank_transaction_explanations"]) == 2
    assert explain(api, **fields, gross_value="-1.00").status_code == 422


def test_a_transfer_explains_both_accounts(freeagent: RunningSandbox, api: httpx.Client) -> None:
    card, current = banks(api)["Company Credit Card"], banks(api)["Current Account"]
    made = explain(
        api,
        bank_account=current,
        dated_on="2026-11-02",
        gross_value="-200.00",
        transfer_bank_account=card,
        description="[t]",
    )
    assert made.status_code == 201
    into_card = api.get("/v2/bank_transaction_explanations", params={"bank_account": card}).json()[
        "bank_transaction_explanations"
    ]
    assert [e["gross_value"] for e in into_card] == ["200.00"]
    assert (
        into_card[0]["linked_transfer_explanation"]
        == made.json()["bank_transaction_explanation"]["url"]
    )


def test_bills_and_journal_sets(freeagent: RunningSandbox, api: httpx.Client) -> None:
    contacts = api.get("/v2/contacts").json()["contacts"]
    jane = next(c["url"] for c in contacts if c.get("first_name") == "Jane")
    bill = {
        "contact": jane,
        "reference": "B1",
        "dated_on": "2026-11-02",
        "bill_items": [
            {"category": category(freeagent, "285"), "total_value": "40"},
            {"category": category(freeagent, "365"), "total_value": "2.5"},
        ],
    }
    made = api.post("/v2/bills", json={"bill": bill})
    assert made.status_code == 201 and made.json()["bill"]["total_value"] == "42.50"
    again = api.post("/v2/bills", json={"bill": bill})
    assert again.status_code == 422 and "already been taken" in message(again)
    (item,) = api.get("/v2/bill_items", params={"bill": made.json()["bill"]["url"]}).json()[
        "bill_items"
    ][:1]
    assert item["total_value"] == "40.00"
    # The collection's own body: one category on the bill itself.
    single = {
        "contact": jane,
        "reference": "B2",
        "dated_on": "2025-10-17",
        "due_on": "2025-11-17",
        "category": category(freeagent, "285"),
        "total_value": "300",
        "sale_tax_rate": "20",
    }
    assert api.post("/v2/bills", json={"bill": single}).status_code == 201
    entries = [
        {"category": category(freeagent, "285"), "debit_value": "5"},
        {"category": category(freeagent, "796"), "debit_value": "-4"},
    ]
    unbalanced = api.post(
        "/v2/journal_sets",
        json={
            "journal_set": {
                "dated_on": "2026-11-02",
                "description": "x",
                "journal_entries": entries,
            }
        },
    )
    assert unbalanced.status_code == 422 and "must balance" in message(unbalanced)
    entries[1]["debit_value"] = "-5"
    made_set = api.post(
        "/v2/journal_sets",
        json={
            "journal_set": {
                "dated_on": "2026-11-02",
                "description": "x",
                "tag": "T",
                "journal_entries": entries,
            }
        },
    )
    assert made_set.status_code == 201
    tagged = api.get("/v2/journal_sets", params={"tag": "T"}).json()["journal_sets"]
    assert len(tagged) == 1 and api.get("/v2/journal_sets", params={"tag": "U"}).json() == {
        "journal_sets": []
    }


def test_categories_and_contacts_follow_freeagents_rules(api: httpx.Client) -> None:
    new = {"description": "Custom", "nominal_code": "212", "category_group": "admin_expenses"}
    assert api.post("/v2/categories", json={"category": new}).status_code == 201
    taken = api.post("/v2/categories", json={"category": new})
    assert taken.status_code == 422 and "already been taken" in message(taken)
    outside = api.post("/v2/categories", json={"category": {**new, "nominal_code": "050"}})
    assert outside.status_code == 422 and "range 200-499" in message(outside)
    nameless = api.post("/v2/contacts", json={"contact": {"email": "a@b.co"}})
    assert nameless.status_code == 422 and "organisation name" in message(nameless)


# -- paging and limits --------------------------------------------------------------------


def test_lists_are_paged_with_a_link_header(api: httpx.Client) -> None:
    for index in range(5):
        api.post("/v2/contacts", json={"contact": {"organisation_name": f"Supplier {index}"}})
    first = api.get("/v2/contacts", params={"per_page": 3})
    assert first.headers["X-Total-Count"] == "8" and len(first.json()["contacts"]) == 3
    assert first.links["next"]["url"].endswith("page=2&per_page=3")
    last = api.get(first.links["last"]["url"])
    assert len(last.json()["contacts"]) == 2 and "next" not in last.links
    assert "prev" in last.links
    capped = api.get("/v2/contacts", params={"per_page": 1000})
    assert len(capped.json()["contacts"]) == 8


def test_limits_answer_429_with_retry_after() -> None:
    limits = Limits(per_minute=3, per_hour=5, window_seconds=1.0)
    with run(SandboxConfig(auto_approve=True, limits=limits)) as freeagent:
        approved = approve(freeagent)
        headers = {"Authorization": f"Bearer {approved.access_token}"}
        with httpx.Client(base_url=freeagent.base_url, headers=headers) as api:
            statuses = [api.get("/v2/company").status_code for _ in range(4)]
            assert statuses == [200, 200, 200, 429]
            limited = api.get("/v2/company")
            assert int(limited.headers["Retry-After"]) >= 1
            assert message(limited) == "Rate limit exceeded"
            time.sleep(1.1)  # the minute (shrunk to a second) has passed; the hour has not
            assert [api.get("/v2/company").status_code for _ in range(3)] == [200, 200, 429]
            hour = api.get("/v2/company")
            assert hour.status_code == 429 and int(hour.headers["Retry-After"]) > 60


def test_the_rate_limit_test_header_lowers_the_minute_to_five() -> None:
    with run(SandboxConfig(auto_approve=True, limits=Limits.real())) as freeagent:
        approved = approve(freeagent)
        headers = {"Authorization": f"Bearer {approved.access_token}", "X-RateLimit-Test": "true"}
        with httpx.Client(base_url=freeagent.base_url, headers=headers) as api:
            statuses = [api.get("/v2/company").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


# -- attachments and faults ---------------------------------------------------------------


def test_attachments_are_inline_base64_up_to_5_mb_of_freeagents_types(
    freeagent: RunningSandbox, api: httpx.Client
) -> None:
    card = banks(api)["Company Credit Card"]
    base = {
        "bank_account": card,
        "dated_on": "2026-11-02",
        "gross_value": "-1.00",
        "category": category(freeagent, "365"),
    }

    def upload(data: bytes, content_type: str) -> dict[str, Any]:
        return {
            "data": base64.b64encode(data).decode(),
            "file_name": "r",
            "content_type": content_type,
        }

    made = explain(api, **base, attachment=upload(PNG, "image/png"))
    assert made.status_code == 201
    stored = made.json()["bank_transaction_explanation"]["attachment"]
    assert stored["file_size"] == len(PNG)
    assert api.get(stored["url"]).json()["attachment"]["content_type"] == "image/png"
    big = explain(
        api, **base, attachment=upload(b"%PDF" + b"0" * (5 * 1024 * 1024), "application/x-pdf")
    )
    assert big.status_code == 422 and "less than 5 MB" in message(big)
    word = explain(api, **base, attachment=upload(b"PK\x03\x04", "application/msword"))
    assert word.status_code == 422 and "not supported" in message(word)
    lying = explain(api, **base, attachment=upload(b"GIF89a", "image/png"))
    assert lying.status_code == 422 and "is not image/png" in message(lying)
    broken = explain(
        api, **base, attachment={"data": "***", "file_name": "r", "content_type": "image/png"}
    )
    assert broken.status_code == 422 and "base64" in message(broken)


def test_faults_error_and_drop_after_commit(freeagent: RunningSandbox, api: httpx.Client) -> None:
    control = f"{freeagent.base_url}/__sandbox__/faults"
    assert (
        httpx.post(
            control, json={"path": "/v2/contacts", "kind": "error", "status": 503}
        ).status_code
        == 201
    )
    assert api.get("/v2/contacts").status_code == 503
    assert api.get("/v2/contacts").status_code == 200
    assert (
        httpx.post(
            control, json={"path": "/v2/contacts", "kind": "drop", "method": "POST"}
        ).status_code
        == 201
    )
    with pytest.raises(httpx.HTTPError):
        api.post("/v2/contacts", json={"contact": {"organisation_name": "Dropped Ltd"}})
    names = [c.get("organisation_name") for c in freeagent.state("1")["contacts"]]
    assert "Dropped Ltd" in names  # stored, though the answer never arrived
