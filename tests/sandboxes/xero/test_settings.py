"""Organisation, chart of accounts, tax rates, tracking categories and currencies."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx

from sandboxes.xero import RunningSandbox
from tests.sandboxes.xero.oauth import Linked


def test_the_demo_organisation(api: httpx.Client) -> None:
    organisation = api.get("/Organisation").json()["Organisations"][0]
    assert (organisation["BaseCurrency"], organisation["CountryCode"]) == ("GBP", "GB")
    codes = {a["Code"]: a for a in api.get("/Accounts").json()["Accounts"]}
    assert {"090", "200", "400", "429"} <= set(codes)
    assert codes["090"]["Type"] == "BANK"
    assert codes["092"]["BankAccountType"] == "CREDITCARD"
    assert codes["499"]["Status"] == "ARCHIVED"
    taxes = {t["TaxType"] for t in api.get("/TaxRates").json()["TaxRates"]}
    assert {"INPUT2", "NONE", "ZERORATEDINPUT"} <= taxes
    currencies = [c["Code"] for c in api.get("/Currencies").json()["Currencies"]]
    assert currencies[0] == "GBP" and "EUR" in currencies


def test_accounts_where_and_order(api: httpx.Client) -> None:
    banks = api.get(
        "/Accounts", params={"where": 'Type=="BANK" AND Status=="ACTIVE"', "order": "Name DESC"}
    )
    names = [a["Name"] for a in banks.json()["Accounts"]]
    assert names == sorted(names, reverse=True) and len(names) == 4
    assert all(a["Type"] == "BANK" for a in banks.json()["Accounts"])
    unread = api.get("/Accounts", params={"where": "Type=="})
    assert unread.status_code == 400 and unread.json()["Type"] == "ValidationException"


def test_an_account_is_created_updated_and_archived(api: httpx.Client) -> None:
    created = api.put(
        "/Accounts",
        json={"Code": "455", "Name": "Software", "Type": "OVERHEADS", "TaxType": "INPUT2"},
    )
    assert created.status_code == 200, created.text
    account = created.json()["Accounts"][0]
    assert account["Class"] == "EXPENSE" and account["Status"] == "ACTIVE"
    same_code = api.put("/Accounts", json={"Code": "455", "Name": "Other", "Type": "OVERHEADS"})
    assert same_code.status_code == 400
    assert "unique Code" in same_code.json()["Elements"][0]["ValidationErrors"][0]["Message"]
    archived = api.post(
        f"/Accounts/{account['AccountID']}",
        json={"Accounts": [{"AccountID": account["AccountID"], "Status": "ARCHIVED"}]},
    )
    assert archived.json()["Accounts"][0]["Status"] == "ARCHIVED"
    read = api.get(f"/Accounts/{account['AccountID']}").json()["Accounts"][0]
    assert read["Status"] == "ARCHIVED" and read["Name"] == "Software"


def test_a_bank_account_needs_a_number_and_an_enabled_currency(api: httpx.Client) -> None:
    refused = api.put(
        "/Accounts", json={"Name": "Yen account", "Type": "BANK", "CurrencyCode": "JPY"}
    )
    messages = [e["Message"] for e in refused.json()["Elements"][0]["ValidationErrors"]]
    assert any("BankAccountNumber" in m for m in messages)
    assert any("'JPY' is not enabled" in m for m in messages)
    assert api.put("/Currencies", json={"Code": "JPY"}).status_code == 200
    created = api.put(
        "/Accounts",
        json={
            "Code": "095",
            "Name": "Yen account",
            "Type": "BANK",
            "CurrencyCode": "JPY",
            "BankAccountNumber": "777",
        },
    )
    assert created.status_code == 200, created.text


def test_if_modified_since_returns_only_later_changes(api: httpx.Client) -> None:
    time.sleep(0.01)
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    time.sleep(0.01)
    api.put("/Accounts", json={"Code": "456", "Name": "Subscriptions", "Type": "OVERHEADS"})
    changed = api.get("/Accounts", headers={"If-Modified-Since": since}).json()["Accounts"]
    assert [a["Code"] for a in changed] == ["456"]


def test_tracking_categories_allow_two_active(api: httpx.Client) -> None:
    region = api.get("/TrackingCategories").json()["TrackingCategories"][0]
    assert region["Name"] == "Region" and len(region["Options"]) == 4
    second = api.put("/TrackingCategories", json={"Name": "Department"})
    assert second.status_code == 200
    category_id = second.json()["TrackingCategories"][0]["TrackingCategoryID"]
    option = api.put(f"/TrackingCategories/{category_id}/Options", json={"Name": "Sales"})
    assert option.json()["Options"][0]["Name"] == "Sales"
    third = api.put("/TrackingCategories", json={"Name": "Project"})
    assert third.status_code == 400
    assert "2 active tracking categories" in third.json()["Message"]


def test_a_request_that_breaks_the_spec_is_refused_and_recorded(
    api: httpx.Client, http: httpx.Client, xero: RunningSandbox
) -> None:
    refused = api.put("/Accounts", json={"Code": "460", "Name": "Bad", "Type": "NOT-A-TYPE"})
    assert refused.status_code == 400
    assert refused.headers["x-sandbox-violation"] == "request"
    assert refused.json()["Type"] == "SandboxSpecViolation"
    assert "Type: 'NOT-A-TYPE' is not one of" in refused.json()["Message"]
    recorded = http.get("/__sandbox__/violations").json()
    assert [(v["kind"], v["path"]) for v in recorded] == [("request", "/api.xro/2.0/Accounts")]
    assert xero.violations() == recorded
    assert http.delete("/__sandbox__/violations").status_code == 204
    assert xero.violations() == []


def test_a_missing_tenant_header_breaks_the_spec(linked: Linked, http: httpx.Client) -> None:
    refused = http.get(
        "/api.xro/2.0/Accounts", headers={"Authorization": f"Bearer {linked.access_token}"}
    )
    assert refused.status_code == 400
    assert "xero-tenant-id" in refused.json()["Message"]


def test_the_sandbox_refuses_its_own_answer_when_it_breaks_the_spec(
    api: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    tenant = xero.memory.tenant(linked.tenant_id)
    assert tenant is not None
    tenant.organisation["Version"] = "MARS"  # corrupt the stored record on purpose
    broken = api.get("/Organisation")
    assert broken.status_code == 500
    assert broken.headers["x-sandbox-violation"] == "response"
    assert "Organisations/0/Version" in broken.json()["Message"]
    assert [v["kind"] for v in xero.violations()] == ["response"]
    xero.memory.violations.clear()  # the fixture checks that no other answer broke the spec


def test_a_failure_of_the_sandbox_itself_is_a_recorded_500(
    api: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    tenant = xero.memory.tenant(linked.tenant_id)
    assert tenant is not None
    del tenant.tax_rates  # break the sandbox on purpose
    broken = api.get("/TaxRates")
    assert broken.status_code == 500
    assert "the sandbox failed: AttributeError" in broken.json()["Detail"]
    assert [v["kind"] for v in xero.violations()] == ["response"]
    xero.memory.violations.clear()
