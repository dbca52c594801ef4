"""Transfers in their accounts' currencies, synced to a real trytond through the API: two
GBP bank accounts of a USD company (Tryton keeps them with GBP as second currency), a
GBP -> GBP transfer at Tryton's own rate and a GBP -> USD one at the implied rate."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from expense_sync.connectors.tryton.client import TrytonClient
from tests.conftest import Tenant
from tests.integration.test_tryton_api import _link
from tests.tryton_server import TrytonServer
from tests.waiting import wait_for

COMPANY = {"company": 1}


def test_transfers_post_in_their_accounts_currencies_to_tryton(
    api: TestClient, tenant: Tenant, tryton: TrytonServer
) -> None:
    rpc = TrytonClient(tryton.url, tryton.database, "admin", "admin")
    (gbp,) = rpc.call("currency.currency", "create", [
        {"name": "Pound Sterling", "code": "GBP", "symbol": "£", "rounding": Decimal("0.01"),
         "digits": 2}], context=COMPANY)  # fmt: skip
    # Tryton's rates are units per base unit: USD 1.0 (the test company's), GBP 0.8.
    rpc.call("currency.currency.rate", "create",
             [{"currency": gbp, "date": dt.date(2000, 1, 1), "rate": Decimal("0.8")}],
             context=COMPANY)  # fmt: skip
    base, connection, linked = _link(api, tenant, tryton.fields)
    assert linked["status"] == "Linked", linked
    headers = tenant.headers

    def push(name: str, currency: str = "GBP") -> dict[str, Any]:
        body = {"accountName": name, "accountType": "Debit", "currency": currency}
        key = api.post(f"{connection}/push/bankAccounts", json=body, headers=headers).json()[
            "pushOperationKey"
        ]
        return wait_for(lambda: (op := api.get(f"{base}/push/{key}", headers=headers).json())
                        ["status"] != "Pending" and op, "the push", timeout=60)  # fmt: skip

    def pushed(name: str) -> str:
        done = push(name)
        assert done["status"] == "Success", done
        return str(done["data"]["id"])

    london, reserve = pushed("London Current"), pushed("London Reserve")
    accounts_before = rpc.call("account.account", "search_count", [], context=COMPANY)
    swiss = push("Zurich Current", "CHF")  # a currency this Tryton does not have
    assert swiss["status"] == "Failed", swiss
    assert swiss["validation"]["errors"][0]["itemId"] == "currency"
    assert "no currency CHF" in swiss["validation"]["errors"][0]["message"]
    assert rpc.call("account.account", "search_count", [], context=COMPANY) == accounts_before
    assert api.post(f"{base}/data/all", headers=headers).status_code == 204
    wait_for(lambda: all(p["isCompleted"] for p in api.get(f"{base}/data/history",
             headers=headers).json()["results"]), "Tryton pulls", timeout=60)  # fmt: skip
    options = api.get(f"{base}/sync/expenses/mappingOptions", headers=headers).json()
    accounts = options["accounts"]
    currencies = {a["id"]: a["currency"] for a in accounts}
    assert currencies[london] == currencies[reserve] == "GBP"
    (cash,) = rpc.call("account.account", "search",
                       [["name", "=", "Cash and Cash Equivalents"]], 0, 1, None)  # fmt: skip
    assert currencies[str(cash)] == "USD"

    def synced(source: str, sent: str, target: str, received: str) -> list[dict[str, Any]]:
        transfer_id = str(uuid.uuid4())
        body = {"date": dt.date.today().isoformat(),
                "from": {"accountRef": {"id": source}, "amount": sent},
                "to": {"accountRef": {"id": target}, "amount": received}}  # fmt: skip
        created = api.put(f"{base}/sync/expenses/transfer-transactions/{transfer_id}",
                          json=body, headers=headers)  # fmt: skip
        assert created.status_code == 200, created.text
        sync_id = created.json()["syncId"]
        status = wait_for(
            lambda: (s := api.get(f"{base}/sync/expenses/syncs/{sync_id}/status",
                                  headers=headers).json())["syncStatusCode"]
            not in (1000, 1010) and s,
            "the Tryton sync", timeout=60,
        )  # fmt: skip
        assert status["syncStatusCode"] == 2000, status
        (result,) = api.get(f"{base}/sync/expenses/syncs/{sync_id}/transactions",
                            headers=headers).json()["results"]  # fmt: skip
        move = int(result["message"].removeprefix("Posted as account.move,"))
        (row,) = rpc.call("account.move", "read", [move], ["state", "lines"], context=COMPANY)
        assert row["state"] == "posted"
        return list(rpc.call("account.move.line", "read", row["lines"],
                             ["account", "debit", "credit", "second_currency",
                              "amount_second_currency"], context=COMPANY))  # fmt: skip

    def seen(lines: list[dict[str, Any]]) -> dict[int, tuple[Decimal, int | None, Decimal | None]]:
        return {
            line["account"]: (
                line["debit"] - line["credit"],
                line["second_currency"],
                line["amount_second_currency"],
            )
            for line in lines
        }

    # GBP -> GBP: Tryton's rate, 100 GBP = 125 USD (1.0 / 0.8)
    assert seen(synced(london, "100", reserve, "100")) == {
        int(london): (Decimal(-125), gbp, Decimal(-100)),
        int(reserve): (Decimal(125), gbp, Decimal(100)),
    }
    # GBP -> USD: the amounts imply the rate (1.277)
    assert seen(synced(london, "100", str(cash), "127.70")) == {
        int(london): (Decimal("-127.70"), gbp, Decimal(-100)),
        cash: (Decimal("127.70"), None, None),
    }
