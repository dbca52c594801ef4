"""The ``/v2/...`` resources: reads (with FreeAgent's filters and paging) and writes
(through ``rules``). Each handler answers ``(status, body)`` in FreeAgent's shapes with
stored paths; ``app`` makes them URLs, pages lists and checks them against the schemas.
"""

from __future__ import annotations

from typing import Any

from sandboxes.freeagent import rules
from sandboxes.freeagent.config import SandboxConfig
from sandboxes.freeagent.rules import Refused
from sandboxes.freeagent.store import Books, Record, now, path_of

Answer = tuple[int, Any]
LISTED = (
    "bank_accounts",
    "bank_transactions",
    "bank_transaction_explanations",
    "contacts",
    "bills",
    "bill_items",
    "journal_sets",
    "users",
)
SINGULAR = {
    "bank_accounts": "bank_account",
    "bank_transactions": "bank_transaction",
    "bank_transaction_explanations": "bank_transaction_explanation",
    "contacts": "contact",
    "bills": "bill",
    "bill_items": "bill_item",
    "journal_sets": "journal_set",
    "attachments": "attachment",
    "users": "user",
    "categories": "category",
}
BANK_VIEWS = {
    "standard_bank_accounts": "StandardBankAccount",
    "credit_card_accounts": "CreditCardAccount",
    "paypal_accounts": "PaypalAccount",
}


def _not_found() -> Answer:
    return 404, {"errors": {"error": {"message": "Resource not found"}}}


def _dated(records: list[Record], query: dict[str, str]) -> list[Record]:
    start, end = query.get("from_date"), query.get("to_date")
    since = query.get("updated_since")
    return [
        r
        for r in records
        if (not start or r["dated_on"] >= start)
        and (not end or r["dated_on"] <= end)
        and (not since or r["updated_at"] >= since)
    ]


def _bill_items(books: Books) -> list[Record]:
    return [item for bill in books.bills.values() for item in bill["bill_items"]]


def listing(books: Books, collection: str, query: dict[str, str]) -> list[Record] | None:
    """Every record of ``collection`` the query's filters keep (before paging)."""
    if collection == "bank_accounts":
        wanted = BANK_VIEWS.get(query.get("view", ""))
        return [a for a in books.bank_accounts.values() if wanted in (None, a["type"])]
    if collection in ("bank_transactions", "bank_transaction_explanations"):
        account = path_of(query.get("bank_account"))
        if collection == "bank_transactions" and account is None:
            raise Refused("bank_account is required", status=400)
        records = [
            r
            for r in books.table(collection).values()
            if account is None or r["bank_account"] == account
        ]
        if collection == "bank_transactions":
            records = [_transaction(books, r) for r in records]
        return _dated(records, query)
    if collection == "bills":
        contact = path_of(query.get("contact"))
        records = [b for b in books.bills.values() if contact in (None, b["contact"])]
        return _dated(records, query)
    if collection == "bill_items":
        bill = path_of(query.get("bill"))
        return [i for i in _bill_items(books) if bill in (None, i["bill"])]
    if collection == "journal_sets":
        tag = query.get("tag")
        records = [j for j in books.journal_sets.values() if tag in (None, j.get("tag"))]
        return _dated(records, query)
    if collection == "contacts":
        view = query.get("view", "active")
        return [c for c in books.contacts.values() if view == "all" or c["status"] == "Active"]
    if collection == "users":
        return list(books.users.values())
    return None


def _transaction(books: Books, record: Record) -> Record:
    return {
        **record,
        "bank_transaction_explanations": [
            e for e in books.explanations.values() if e["bank_transaction"] == record["url"]
        ],
    }


def categories(books: Books) -> Answer:
    grouped: dict[str, list[Record]] = {
        f"{group}_categories": []
        for group in ("admin_expenses", "cost_of_sales", "income", "general")
    }
    for code, record in books.categories.items():
        grouped[f"{books.groups[code]}_categories"].append(record)
    return 200, grouped


def show(books: Books, collection: str, record_id: str) -> Answer:
    if collection == "users" and record_id == "me":
        return 200, {"user": next(iter(books.users.values()))}
    if collection == "bill_items":
        found = next((i for i in _bill_items(books) if i["url"].endswith(f"/{record_id}")), None)
    elif collection == "bank_transactions":
        stored = books.bank_transactions.get(record_id)
        found = _transaction(books, stored) if stored else None
    else:
        found = books.table(collection).get(record_id)
    if found is None:
        return _not_found()
    return 200, {SINGULAR[collection]: found}


def write(
    books: Books,
    config: SandboxConfig,
    method: str,
    collection: str,
    record_id: str | None,
    body: dict[str, Any],
    query: dict[str, str],
) -> Answer:
    """A create (POST), update (PUT) or delete; ``body`` already met the schema."""
    with books.lock:
        if method == "DELETE":
            return _delete(books, collection, record_id)
        if collection == "bank_transactions" and record_id == "statement":
            return _statement(books, body, query)
        fields = body.get(SINGULAR.get(collection, ""), {})
        if collection == "journal_sets" and record_id is None and fields.get("url"):
            record_id = str(fields["url"]).rstrip("/").rsplit("/", 1)[1]  # the collection's PUT
        old = books.table(collection).get(record_id) if record_id else None
        if record_id and old is None:
            return _not_found()
        if method == "POST" and record_id:
            return 405, {"errors": {"error": {"message": "Method not allowed"}}}
        status = 200 if old else 201
        if collection == "bank_transaction_explanations":
            return status, {
                "bank_transaction_explanation": rules.explanation(books, fields, config, old)
            }
        if collection == "bills":
            return status, {"bill": rules.bill(books, fields, config, old)}
        if collection == "journal_sets":
            return status, {"journal_set": rules.journal_set(books, fields, old)}
        if collection == "contacts":
            merged = {**(old or {}), **{k: v for k, v in fields.items() if v is not None}}
            rules.contact(merged)
            if old is None:
                return 201, {"contact": books.add_contact(fields)}
            old.update({**merged, "updated_at": now()})
            return 200, {"contact": old}
        if collection == "categories":
            if old is None:
                return 201, {"category": rules.new_category(books, fields)}
            old.update({k: v for k, v in fields.items() if v is not None and k != "nominal_code"})
            return 200, {"category": old}
        if collection == "bank_accounts":
            return _bank_account(books, fields, old)
    return 405, {"errors": {"error": {"message": f"{method} is not allowed on {collection}"}}}


def _bank_account(books: Books, fields: Record, old: Record | None) -> Answer:
    if old is not None:
        kept = {
            k: v
            for k, v in fields.items()
            if v is not None and k not in ("created_at", "updated_at", "type")
        }
        old.update({**kept, "updated_at": now()})
        return 200, {"bank_account": old}
    if not fields.get("name"):
        raise Refused("Name can't be blank")
    if any(a["name"] == fields["name"] for a in books.bank_accounts.values()):
        raise Refused(f"Name {fields['name']} has already been taken")
    extra = {k: v for k, v in fields.items() if k not in ("name", "type", "currency")}
    record = books.add_bank_account(
        fields["name"],
        fields.get("type") or "StandardBankAccount",
        fields.get("currency") or books.company["currency"],
        **extra,
    )
    return 201, {"bank_account": record}


def _statement(books: Books, body: Record, query: dict[str, str]) -> Answer:
    account = books.lookup(query.get("bank_account"), "bank_accounts")
    if account is None:
        raise Refused("Bank account does not exist")
    for line in body["statement"]:
        record_id = books.new_id()
        amount = rules.text(rules.money(line["amount"], "Amount"))
        stamp = now()
        books.bank_transactions[record_id] = {
            "url": f"/v2/bank_transactions/{record_id}",
            "bank_account": account["url"],
            "dated_on": line["dated_on"],
            "amount": amount,
            "description": line.get("description"),
            "unexplained_amount": amount,
            "is_manual": False,
            "created_at": stamp,
            "updated_at": stamp,
        }
    return 200, None


def _delete(books: Books, collection: str, record_id: str | None) -> Answer:
    table = books.table(collection) if collection != "bill_items" else {}
    if not record_id or record_id not in table:
        return _not_found()
    removed = table.pop(record_id)
    if collection == "bank_transaction_explanations":
        transaction = books.lookup(removed["bank_transaction"], "bank_transactions")
        if transaction is not None:
            if transaction["is_manual"]:
                books.bank_transactions.pop(transaction["url"].rsplit("/", 1)[1])
            else:
                rules.settle(books, transaction)
    return 200, None
