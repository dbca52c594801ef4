"""FreeAgent's rules for what is written, each refusal in FreeAgent's words (422).

- an explanation names its bank account (or a bank transaction) that exists, and exactly
  one of: a category (one per explanation), a bank account to transfer to, a bill paid;
- nothing is dated before the company's start date;
- its category exists and is not a bank account's; its gross value is not zero and,
  on an existing bank transaction, does not exceed what is left unexplained;
- bills: a contact that exists, a reference not used before, categories that exist;
- journal sets balance (debits sum to zero) over categories that exist;
- contacts: a first and last name, or an organisation name;
- categories: a free nominal code in its group's range;
- attachments: base64 ``data``, at most 5 MB, PNG, JPEG, GIF or PDF, the bytes being
  of the type declared.
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal, InvalidOperation
from typing import Any

from sandboxes.freeagent.config import SandboxConfig
from sandboxes.freeagent.store import CODE_RANGES, Books, Record, now

MAGIC = {
    b"\x89PNG": ("image/png", "image/x-png"),
    b"\xff\xd8\xff": ("image/jpeg", "image/jpg"),
    b"GIF8": ("image/gif",),
    b"%PDF": ("application/x-pdf", "application/pdf"),
}


class Refused(Exception):
    """A write FreeAgent would refuse: ``status`` and its messages."""

    def __init__(self, *messages: str, status: int = 422) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)
        self.status = status


def money(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise Refused(f"{name} is not a number") from None


def text(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def category(books: Books, url: Any) -> Record:
    found = books.lookup(url, "categories")
    if found is None:
        raise Refused(f"Category {url} does not exist")
    return found


def attachment(books: Books, upload: Record | None, config: SandboxConfig) -> Record | None:
    """Store an inline attachment; return what its owner holds (or None)."""
    if upload is None:
        return None
    try:
        data = base64.b64decode(upload["data"], validate=True)
    except (binascii.Error, ValueError):
        raise Refused("Attachment data is not valid base64") from None
    if len(data) > config.attachment_max_bytes:
        limit = config.attachment_max_bytes // (1024 * 1024)
        raise Refused(f"Attachment file size must be less than {limit} MB")
    declared = upload.get("content_type") or ""
    real = next((types for magic, types in MAGIC.items() if data.startswith(magic)), ())
    if declared not in config.attachment_types:
        raise Refused(
            f"Attachment content type {declared or '(none)'} is not supported; use one of "
            + ", ".join(config.attachment_types)
        )
    if declared not in real:
        raise Refused(f"Attachment content is not {declared}")
    record_id = books.new_id()
    stamp = now()
    record: Record = {
        "url": f"/v2/attachments/{record_id}",
        "content_src": f"/v2/attachments/{record_id}/content",
        "content_type": declared,
        "file_name": upload["file_name"],
        "file_size": len(data),
        "description": upload.get("description"),
        "created_at": stamp,
        "updated_at": stamp,
    }
    books.attachments[record_id] = record
    books.contents[record_id] = data
    return record


def _one_target(fields: Record) -> str:
    targets = [k for k in ("category", "transfer_bank_account", "paid_bill") if fields.get(k)]
    if len(targets) != 1:
        raise Refused(
            "An explanation needs exactly one of category, transfer_bank_account or paid_bill"
            + (f" (it has {', '.join(targets)})" if targets else "")
        )
    return targets[0]


def explanation(books: Books, fields: Record, config: SandboxConfig, old: Record | None) -> Record:
    """Check and store an explanation (and its manual bank transaction, and for a
    transfer the other account's side); return it."""
    merged = {**(old or {}), **{k: v for k, v in fields.items() if v is not None}}
    transaction = books.lookup(merged.get("bank_transaction"), "bank_transactions")
    if merged.get("bank_transaction") and transaction is None:
        raise Refused(f"Bank transaction {merged['bank_transaction']} does not exist")
    account_url = transaction["bank_account"] if transaction else merged.get("bank_account")
    account = books.lookup(account_url, "bank_accounts")
    if account is None:
        raise Refused(f"Bank account {merged.get('bank_account') or '(none)'} does not exist")
    if not merged.get("dated_on"):
        raise Refused("Dated on can't be blank")
    started(books, merged["dated_on"])
    if merged.get("gross_value") is None:
        raise Refused("Gross value can't be blank")
    gross = money(merged["gross_value"], "Gross value")
    if gross == 0:
        raise Refused("Gross value can't be zero")
    target = _one_target(merged)
    if target == "category":
        found = category(books, merged["category"])
        merged["category"] = found["url"]
    elif target == "transfer_bank_account":
        other = books.lookup(merged["transfer_bank_account"], "bank_accounts")
        if other is None or other is account:
            raise Refused("Transfer bank account must be another existing bank account")
    else:
        raise Refused(
            "Paying bills from an explanation is not supported by this sandbox", status=400
        )
    if merged.get("sales_tax_value") is not None and abs(
        money(merged["sales_tax_value"], "Sales tax value")
    ) > abs(gross):
        raise Refused("Sales tax value can't exceed the gross value")
    if transaction is not None and (
        old is None or old.get("bank_transaction") != transaction["url"]
    ):
        left = money(transaction["unexplained_amount"], "unexplained")
        if (left > 0) != (gross > 0) or abs(gross) > abs(left):
            raise Refused(
                f"Gross value {text(gross)} does not match the bank transaction: "
                f"{text(left)} is left to explain"
            )
    stamp = now()
    record_id = old["url"].rsplit("/", 1)[1] if old else books.new_id()
    if transaction is None:
        transaction = _manual_transaction(books, account, merged, gross, old)
    upload = fields.get("attachment")
    stored_attachment = attachment(books, upload, config) if upload else merged.get("attachment")
    record: Record = {
        k: merged.get(k)
        for k in (
            "description",
            "sales_tax_rate",
            "sales_tax_value",
            "project",
            "rebill_type",
            "rebill_factor",
        )
        if merged.get(k) is not None
    }
    record |= {
        "url": f"/v2/bank_transaction_explanations/{record_id}",
        "bank_transaction": transaction["url"],
        "bank_account": account["url"],
        "dated_on": merged["dated_on"],
        "gross_value": text(gross),
        "is_deletable": True,
        "created_at": (old or {}).get("created_at", stamp),
        "updated_at": stamp,
        target: merged[target] if target != "category" else merged["category"],
    }
    if stored_attachment:
        record["attachment"] = stored_attachment
    if target == "transfer_bank_account":
        record["transfer_bank_account"] = books.lookup(merged[target], "bank_accounts")["url"]  # type: ignore[index]
        _transfer_side(books, record, gross, account)
    books.explanations[record_id] = record
    settle(books, transaction)
    return record


def _manual_transaction(
    books: Books, account: Record, fields: Record, gross: Decimal, old: Record | None
) -> Record:
    """FreeAgent creates a bank transaction for an explanation given a bank account."""
    if old is not None:
        existing = books.lookup(old["bank_transaction"], "bank_transactions")
        if existing is not None and existing["is_manual"]:
            existing["amount"] = text(gross)
            existing["dated_on"] = fields["dated_on"]
            return existing
    record_id = books.new_id()
    stamp = now()
    record: Record = {
        "url": f"/v2/bank_transactions/{record_id}",
        "bank_account": account["url"],
        "dated_on": fields["dated_on"],
        "amount": text(gross),
        "description": fields.get("description"),
        "unexplained_amount": text(gross),
        "is_manual": True,
        "created_at": stamp,
        "updated_at": stamp,
    }
    books.bank_transactions[record_id] = record
    return record


def _transfer_side(books: Books, source: Record, gross: Decimal, account: Record) -> None:
    """The other account's side of a transfer: its own transaction and explanation."""
    target = books.lookup(source["transfer_bank_account"], "bank_accounts")
    assert target is not None
    linked = books.lookup(
        source.get("linked_transfer_explanation"), "bank_transaction_explanations"
    )
    fields = {"dated_on": source["dated_on"], "description": source.get("description")}
    transaction = _manual_transaction(books, target, fields, -gross, linked)
    record_id = linked["url"].rsplit("/", 1)[1] if linked else books.new_id()
    stamp = now()
    other: Record = {
        "url": f"/v2/bank_transaction_explanations/{record_id}",
        "bank_transaction": transaction["url"],
        "bank_account": target["url"],
        "dated_on": source["dated_on"],
        "gross_value": text(-gross),
        "transfer_bank_account": account["url"],
        "linked_transfer_account": account["url"],
        "linked_transfer_explanation": source["url"],
        "is_deletable": True,
        "created_at": stamp,
        "updated_at": stamp,
    }
    if source.get("description"):
        other["description"] = source["description"]
    books.explanations[record_id] = other
    source["linked_transfer_account"] = target["url"]
    source["linked_transfer_explanation"] = other["url"]
    settle(books, transaction)


def settle(books: Books, transaction: Record) -> None:
    explained = sum(
        (
            Decimal(e["gross_value"])
            for e in books.explanations.values()
            if e["bank_transaction"] == transaction["url"]
        ),
        Decimal(0),
    )
    transaction["unexplained_amount"] = text(Decimal(transaction["amount"]) - explained)
    transaction["updated_at"] = now()


def started(books: Books, dated_on: str) -> None:
    """FreeAgent keeps nothing dated before the company's start date."""
    start = str(books.company["company_start_date"])
    if dated_on < start:
        raise Refused(f"Dated on can't be before the company's start date ({start})")


def contact(fields: Record) -> None:
    named = fields.get("organisation_name") or (
        fields.get("first_name") and fields.get("last_name")
    )
    if not named:
        raise Refused("Contact needs a first and last name, or an organisation name")


def bill(books: Books, fields: Record, config: SandboxConfig, old: Record | None) -> Record:
    merged = {**(old or {}), **{k: v for k, v in fields.items() if v is not None}}
    problems = []
    contact_record = books.lookup(merged.get("contact"), "contacts")
    if contact_record is None:
        problems.append(f"Contact {merged.get('contact') or '(none)'} does not exist")
    if not merged.get("reference"):
        problems.append("Reference can't be blank")
    elif any(
        b["reference"] == merged["reference"] and (old is None or b["url"] != old["url"])
        for b in books.bills.values()
    ):
        problems.append(f"Reference {merged['reference']} has already been taken")
    if not merged.get("dated_on"):
        problems.append("Dated on can't be blank")
    elif merged["dated_on"] < str(books.company["company_start_date"]):
        problems.append(
            f"Dated on can't be before the company's start date "
            f"({books.company['company_start_date']})"
        )
    items = fields.get("bill_items")
    if items is None and fields.get("category"):
        items = [
            {
                "category": fields["category"],
                "total_value": fields.get("total_value") or "0",
                "sales_tax_rate": fields.get("sales_tax_rate") or fields.get("sale_tax_rate"),
            }
        ]
    if items is None and old is not None:
        items = old["bill_items"]
    if not items:
        problems.append("A bill needs a category and total value, or bill_items")
    for index, item in enumerate(items or []):
        if books.lookup(item.get("category"), "categories") is None:
            problems.append(f"bill_items[{index}]: Category {item.get('category')} does not exist")
    if problems:
        raise Refused(*problems)
    assert contact_record is not None and items is not None
    record_id = old["url"].rsplit("/", 1)[1] if old else books.new_id()
    url = f"/v2/bills/{record_id}"
    stored_items = []
    for index, item in enumerate(items):
        stored_items.append(
            {
                **{k: v for k, v in item.items() if v is not None and k not in ("url", "bill")},
                "category": category(books, item["category"])["url"],
                "total_value": text(money(item["total_value"], "Total value")),
                "url": f"/v2/bill_items/{record_id}{index:03d}",
                "bill": url,
            }
        )
    total = sum((Decimal(i["total_value"]) for i in stored_items), Decimal(0))
    stamp = now()
    upload = fields.get("attachment")
    stored_attachment = attachment(books, upload, config) if upload else merged.get("attachment")
    record: Record = {
        "url": url,
        "contact": contact_record["url"],
        "reference": merged["reference"],
        "dated_on": merged["dated_on"],
        "due_on": merged.get("due_on") or merged["dated_on"],
        "total_value": text(total),
        "paid_value": "0.00",
        "due_value": text(total),
        "status": "Open",
        "currency": books.company["currency"],
        "bill_items": stored_items,
        "created_at": (old or {}).get("created_at", stamp),
        "updated_at": stamp,
    }
    if merged.get("comments"):
        record["comments"] = merged["comments"]
    if stored_attachment:
        record["attachment"] = stored_attachment
    books.bills[record_id] = record
    return record


def journal_set(books: Books, fields: Record, old: Record | None) -> Record:
    problems = []
    total = Decimal(0)
    for index, entry in enumerate(fields["journal_entries"]):
        if books.lookup(entry.get("category"), "categories") is None:
            problems.append(
                f"journal_entries[{index}]: Category {entry.get('category')} does not exist"
            )
        total += money(entry["debit_value"], "Debit value")
    if total != 0:
        problems.append(f"Journal entries must balance: the debit values sum to {text(total)}")
    if problems:
        raise Refused(*problems)
    record_id = old["url"].rsplit("/", 1)[1] if old else books.new_id()
    stamp = now()
    record: Record = {
        "url": f"/v2/journal_sets/{record_id}",
        "dated_on": fields["dated_on"],
        "description": fields["description"],
        "journal_entries": [
            {
                **{k: v for k, v in entry.items() if v is not None},
                "url": f"/v2/journal_entries/{record_id}{index:03d}",
                "category": category(books, entry["category"])["url"],
                "debit_value": text(money(entry["debit_value"], "Debit value")),
            }
            for index, entry in enumerate(fields["journal_entries"])
        ],
        "created_at": (old or {}).get("created_at", stamp),
        "updated_at": stamp,
    }
    if fields.get("tag"):
        record["tag"] = fields["tag"]
    books.journal_sets[record_id] = record
    return record


def new_category(books: Books, fields: Record) -> Record:
    code, group = fields["nominal_code"], fields["category_group"]
    low, high = CODE_RANGES[group]
    if code in books.categories:
        raise Refused(f"Nominal code {code} has already been taken")
    if not low <= int(code) <= high:
        raise Refused(f"Nominal code {code} is not in the {group} range {low:03d}-{high:03d}")
    from sandboxes.freeagent.store import GROUP_OF_CREATE

    return books.add_category(
        code,
        fields["description"],
        GROUP_OF_CREATE[group],
        tax_reporting_name=fields.get("tax_reporting_name"),
        auto_sales_tax_rate=fields.get("auto_sales_tax_rate"),
    )
