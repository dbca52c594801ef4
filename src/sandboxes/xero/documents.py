"""Building each record Xero stores from what a client sent, or refusing it (``Invalid``).

A builder takes the tenant, the element sent and the stored record it updates (None to
create), and returns the record to store. It does not store it: the caller decides
whether the batch is kept (``summarizeErrors``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sandboxes.xero import rules
from sandboxes.xero.rules import Invalid
from sandboxes.xero.state import Record, Tenant
from sandboxes.xero.wire import date_string, money, ms_date, number, parse_date

Builder = Callable[[Tenant, Record, Record | None], Record]

ACCOUNT_TYPES = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EQUITY": "EQUITY",
    "EXPENSE": "EXPENSE",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "LIABILITY": "LIABILITY",
    "NONCURRENT": "ASSET",
    "OTHERINCOME": "REVENUE",
    "OVERHEADS": "EXPENSE",
    "PREPAYMENT": "ASSET",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
    "TERMLIAB": "LIABILITY",
}


def _date(value: object, errors: list[str], field: str = "Date") -> date:
    if value is None:
        return datetime.now(UTC).date()
    parsed = parse_date(value)
    if parsed is None:
        errors.append(f"{field} '{value}' is not a valid date.")
        return datetime.now(UTC).date()
    return parsed


def _raise(errors: list[str]) -> None:
    if errors:
        raise Invalid(errors)


def account(tenant: Tenant, item: Record, existing: Record | None) -> Record:
    errors: list[str] = []
    record: dict[str, Any] = dict(existing or {"Status": "ACTIVE", "HasAttachments": False})
    for key in (
        "Code",
        "Name",
        "Type",
        "Description",
        "TaxType",
        "BankAccountNumber",
        "BankAccountType",
        "CurrencyCode",
        "EnablePaymentsToAccount",
        "ShowInExpenseClaims",
        "ReportingCode",
        "Status",
    ):
        if key in item:
            record[key] = item[key]
    if not record.get("Name"):
        errors.append("Please enter a Name for the account.")
    type_ = record.get("Type")
    if type_ not in ACCOUNT_TYPES:
        errors.append(f"Account Type '{type_}' is not valid.")
    else:
        record["Class"] = ACCOUNT_TYPES[str(type_)]
    code = record.get("Code")
    if type_ != "BANK" and not code:
        errors.append("Please enter a Code for the account.")
    if code and len(str(code)) > 10:
        errors.append("Account code must be 10 characters or fewer.")
    clash = tenant.account_by_code(str(code)) if code else None
    if clash is not None and clash["AccountID"] != record.get("AccountID"):
        errors.append(f"Please enter a unique Code. '{code}' is already used by '{clash['Name']}'.")
    name_clash = tenant.accounts.find(Name=record.get("Name"))
    if name_clash is not None and name_clash["AccountID"] != record.get("AccountID"):
        errors.append(f"Please enter a unique Name. '{record.get('Name')}' is already used.")
    if type_ == "BANK":
        if not record.get("BankAccountNumber"):
            errors.append("Please enter a BankAccountNumber for the bank account.")
        record.setdefault("BankAccountType", "BANK")
        record["CurrencyCode"] = rules.currency(tenant, record.get("CurrencyCode"), errors)
        record.setdefault("TaxType", "NONE")
    if record.get("TaxType"):
        rules.tax_rate(tenant, record["TaxType"], errors, on=record)
    if record.get("Status") not in ("ACTIVE", "ARCHIVED"):
        errors.append("Status must be ACTIVE or ARCHIVED.")
    _raise(errors)
    return record


def contact(tenant: Tenant, item: Record, existing: Record | None) -> Record:
    errors: list[str] = []
    record: dict[str, Any] = dict(
        existing
        or {
            "ContactStatus": "ACTIVE",
            "IsSupplier": False,
            "IsCustomer": False,
            "HasAttachments": False,
        }
    )
    for key, value in item.items():
        if key not in ("ContactID", "UpdatedDateUTC", "ValidationErrors", "StatusAttributeString"):
            record[key] = value
    name = record.get("Name")
    if not name or not str(name).strip():
        errors.append("The contact name must be specified.")
    clash = tenant.contacts.find(Name=name) if name else None
    if clash is not None and clash["ContactID"] != record.get("ContactID"):
        errors.append(
            f"The contact name {name} is already assigned to another contact. "
            "The contact name must be unique across all active contacts."
        )
    number_ = record.get("ContactNumber")
    clash = tenant.contacts.find(ContactNumber=number_) if number_ else None
    if clash is not None and clash["ContactID"] != record.get("ContactID"):
        errors.append(f"The contact number {number_} is already assigned to another contact.")
    if record.get("DefaultCurrency"):
        rules.currency(tenant, record["DefaultCurrency"], errors)
    _raise(errors)
    return record


def _dated(record: dict[str, Any], day: date) -> None:
    record["Date"] = ms_date(day)
    record["DateString"] = date_string(day)


def bank_transaction(tenant: Tenant, item: Record, existing: Record | None) -> Record:
    errors: list[str] = []
    if existing is not None and item.get("Status") == "DELETED":
        # Xero deletes with the status alone; the rest of the record stays as it was.
        _bank_status(item, existing, errors)
        _raise(errors)
        return {**existing, "Status": "DELETED"}
    type_ = item.get("Type", (existing or {}).get("Type"))
    if type_ not in ("SPEND", "RECEIVE"):
        errors.append("Type must be SPEND or RECEIVE (the sandbox takes only these).")
    bank = rules.bank_account(tenant, item.get("BankAccount"), errors)
    sent_currency = rules.currency(tenant, item.get("CurrencyCode"), errors)
    # Xero books a bank transaction in its bank account's currency, whatever was sent.
    code = str(bank.get("CurrencyCode") or tenant.base_currency) if bank else sent_currency
    amount_types = str(item.get("LineAmountTypes") or "Exclusive")
    lines, subtotal, tax = rules.line_items(tenant, item.get("LineItems"), amount_types, errors)
    found = rules.contact(tenant, item.get("Contact"), errors)
    day = _date(item.get("Date"), errors)
    amounts = rules.totals(item, subtotal, tax, errors)
    rate = rules.currency_rate(item, code, tenant, errors)
    status = _bank_status(item, existing, errors)
    _raise(errors)
    assert bank is not None and found is not None
    record: dict[str, Any] = {
        **({"BankTransactionID": existing["BankTransactionID"]} if existing else {}),
        "Type": type_,
        "Contact": {"ContactID": found["ContactID"], "Name": found["Name"]},
        "BankAccount": {"AccountID": bank["AccountID"], "Code": bank["Code"], "Name": bank["Name"]},
        "LineItems": lines,
        "LineAmountTypes": amount_types,
        "Reference": item.get("Reference", ""),
        "CurrencyCode": code,
        "Status": status,
        "IsReconciled": bool(item.get("IsReconciled", False)),
        "HasAttachments": bool((existing or {}).get("HasAttachments", False)),
        **amounts,
    }
    if item.get("Url"):
        record["Url"] = item["Url"]
    if rate is not None:
        record["CurrencyRate"] = (
            number(rate) if rate == rate.quantize(Decimal("0.01")) else float(rate)
        )
    _dated(record, day)
    return record


def _bank_status(item: Record, existing: Record | None, errors: list[str]) -> str:
    """A bank transaction is created AUTHORISED; only an update may delete it, and a
    deleted one cannot change."""
    status = str(item.get("Status", (existing or {}).get("Status", "AUTHORISED")))
    if existing is not None and existing.get("Status") == "DELETED":
        errors.append("This bank transaction has been deleted and cannot be changed.")
    elif status not in ("AUTHORISED", "DELETED") or (existing is None and status != "AUTHORISED"):
        errors.append(f"Status '{status}' is not allowed here: create AUTHORISED, then DELETE.")
    return status


def invoice(tenant: Tenant, item: Record, existing: Record | None) -> Record:
    """Bills (``ACCPAY``); the sandbox refuses sales invoices, which the connector never sends."""
    errors: list[str] = []
    type_ = item.get("Type", (existing or {}).get("Type"))
    if type_ != "ACCPAY":
        errors.append("Type must be ACCPAY (bills; the sandbox takes only these).")
    code = rules.currency(tenant, item.get("CurrencyCode"), errors)
    amount_types = str(item.get("LineAmountTypes") or "Exclusive")
    lines, subtotal, tax = rules.line_items(tenant, item.get("LineItems"), amount_types, errors)
    found = rules.contact(tenant, item.get("Contact"), errors)
    day = _date(item.get("Date"), errors)
    due = _date(item.get("DueDate", item.get("Date")), errors, "DueDate")
    status = item.get("Status", "DRAFT")
    if status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
        errors.append("Status must be DRAFT, SUBMITTED or AUTHORISED.")
    amounts = rules.totals(item, subtotal, tax, errors)
    rate = rules.currency_rate(item, code, tenant, errors)
    _raise(errors)
    assert found is not None
    record: dict[str, Any] = {
        **({"InvoiceID": existing["InvoiceID"]} if existing else {}),
        "Type": "ACCPAY",
        "Contact": {"ContactID": found["ContactID"], "Name": found["Name"]},
        "LineItems": lines,
        "LineAmountTypes": amount_types,
        "InvoiceNumber": item.get("InvoiceNumber", ""),
        "Reference": item.get("Reference", ""),
        "CurrencyCode": code,
        "Status": status,
        "AmountDue": amounts["Total"],
        "AmountPaid": 0,
        "HasAttachments": bool((existing or {}).get("HasAttachments", False)),
        **amounts,
    }
    if rate is not None:
        record["CurrencyRate"] = float(rate)
    _dated(record, day)
    record["DueDate"] = ms_date(due)
    record["DueDateString"] = date_string(due)
    return record


def bank_transfer(tenant: Tenant, item: Record, existing: Record | None) -> Record:
    errors: list[str] = []
    if existing is not None:
        raise Invalid(["A bank transfer cannot be changed once created."])
    source = rules.bank_account(tenant, item.get("FromBankAccount"), errors, "FromBankAccount")
    target = rules.bank_account(tenant, item.get("ToBankAccount"), errors, "ToBankAccount")
    if source and target and source["AccountID"] == target["AccountID"]:
        errors.append("The FromBankAccount and ToBankAccount must be different accounts.")
    amount = money(item.get("Amount"))
    if amount is None or amount <= 0:
        errors.append("Amount must be greater than zero.")
    day = _date(item.get("Date"), errors)
    _raise(errors)
    assert source is not None and target is not None and amount is not None
    record: dict[str, Any] = {
        "FromBankAccount": {
            "AccountID": source["AccountID"],
            "Code": source["Code"],
            "Name": source["Name"],
        },
        "ToBankAccount": {
            "AccountID": target["AccountID"],
            "Code": target["Code"],
            "Name": target["Name"],
        },
        "Amount": number(amount),
        "Reference": item.get("Reference", ""),
        "FromBankTransactionID": str(uuid.uuid4()),
        "ToBankTransactionID": str(uuid.uuid4()),
        "FromIsReconciled": False,
        "ToIsReconciled": False,
        "HasAttachments": False,
        "CreatedDateUTC": ms_date(datetime.now(UTC)),
        "Status": "AUTHORISED",
    }
    # CurrencyRate is read-only in Xero's spec (Xero applies its own day rate), so a
    # transfer between currencies cannot carry the client's rate; none is invented here.
    _dated(record, day)
    return record


def manual_journal(tenant: Tenant, item: Record, existing: Record | None) -> Record:
    errors: list[str] = []
    narration = item.get("Narration")
    if not narration:
        errors.append("Narration must be specified.")
    lines = item.get("JournalLines")
    kept: list[Record] = []
    balance = Decimal(0)
    if not isinstance(lines, list) or len(lines) < 2:
        errors.append("A manual journal needs at least two journal lines.")
        lines = []
    amount_types = str(item.get("LineAmountTypes") or "NoTax")
    for line in lines:
        amount = money(line.get("LineAmount"))
        if amount is None:
            errors.append("Each journal line needs a LineAmount.")
            continue
        found = rules.account(tenant, line.get("AccountCode"), line.get("AccountID"), errors)
        tax_type = line.get("TaxType") or "NONE"
        if amount_types != "NoTax":
            rules.tax_rate(tenant, tax_type, errors, on=found)
        balance += amount
        kept.append(
            {
                "LineAmount": number(amount),
                "AccountCode": (found or {}).get("Code", line.get("AccountCode")),
                "AccountID": (found or {}).get("AccountID"),
                "Description": line.get("Description", ""),
                "TaxType": tax_type,
                "TaxAmount": 0,
                "Tracking": rules.tracking(tenant, line.get("Tracking"), errors),
                "IsBlank": False,
            }
        )
    if lines and balance != 0:
        errors.append(f"The journal lines do not balance: debits and credits differ by {balance}.")
    day = _date(item.get("Date"), errors)
    status = item.get("Status", "DRAFT")
    if status not in ("DRAFT", "POSTED"):
        errors.append("Status must be DRAFT or POSTED.")
    _raise(errors)
    record: dict[str, Any] = {
        **({"ManualJournalID": existing["ManualJournalID"]} if existing else {}),
        "Narration": narration,
        "JournalLines": [{k: v for k, v in line.items() if v is not None} for line in kept],
        "LineAmountTypes": amount_types,
        "Status": status,
        "ShowOnCashBasisReports": bool(item.get("ShowOnCashBasisReports", True)),
        "HasAttachments": bool((existing or {}).get("HasAttachments", False)),
    }
    if item.get("Url"):
        record["Url"] = item["Url"]
    _dated(record, day)
    return record
