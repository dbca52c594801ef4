"""QuickBooks' business rules for what the sandbox stores, with Intuit's codes and words.

Checked on create and update, after the body kept the XSD; a broken rule raises
``QboError`` (answered as a ``Fault``). Rules also fill what QuickBooks computes
(``TotalAmt``, ``TxnTaxDetail.TotalTax``, ``ExchangeRate``, ``HomeTotalAmt``).

Tax, by region (PLATFORMS.md: QBO's "no tax" code is ``NON``): a US company uses automated
sales tax, which has no tax on purchases, so a purchase line naming a tax code other than
``NON`` is refused (6000); a UK company needs a VAT code on every expense line (6000 with
QuickBooks' "Make sure all your transactions have a VAT rate" message).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandboxes.quickbooks import schema
from sandboxes.quickbooks.seeds import tax_rate_of
from sandboxes.quickbooks.state import NAME_LISTS, Company, Record
from sandboxes.quickbooks.wire import (
    BUSINESS_VALIDATION,
    CLOSED_BOOKS,
    DUPLICATE_DOC_NUMBER,
    INVALID_REFERENCE,
    OBJECT_NOT_FOUND,
    REQUIRED_PARAM,
    QboError,
    money,
    number,
)

REQUIRED: dict[str, tuple[str, ...]] = {
    "Purchase": ("PaymentType", "AccountRef", "Line"),
    "Deposit": ("DepositToAccountRef", "Line"),
    "Transfer": ("FromAccountRef", "ToAccountRef", "Amount"),
    "Bill": ("VendorRef", "Line"),
    "BillPayment": ("VendorRef", "PayType", "TotalAmt", "Line"),
    "JournalEntry": ("Line",),
    "Account": ("Name",),
    "Class": ("Name",),
    "Department": ("Name",),
}
PAYMENT_ACCOUNT = {"CreditCard": "Credit Card", "Cash": "Bank", "Check": "Bank"}
PERSON_LISTS = ("Vendor", "Customer", "Employee")
# A line detail's reference fields and the entity each names.
REFS = {
    "AccountRef": "Account",
    "ClassRef": "Class",
    "DepartmentRef": "Department",
    "VendorRef": "Vendor",
    "CustomerRef": "Customer",
    "FromAccountRef": "Account",
    "ToAccountRef": "Account",
    "DepositToAccountRef": "Account",
    "APAccountRef": "Account",
    "TaxCodeRef": "TaxCode",
}
LINE_DETAILS = (
    "AccountBasedExpenseLineDetail",
    "DepositLineDetail",
    "JournalEntryLineDetail",
)


def business(detail: str, element: str = "") -> QboError:
    return QboError(
        BUSINESS_VALIDATION,
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
        element=element,
    )


def required(element: str) -> QboError:
    return QboError(
        REQUIRED_PARAM,
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {element} is missing in the request",
        element=element,
    )


def check(company: Company, entity: str, record: Record) -> None:
    """Refuse ``record`` as QuickBooks would, or complete it as QuickBooks does."""
    for name in REQUIRED.get(entity, ()):
        if record.get(name) in (None, "", []):
            raise required(name)
    if entity in PERSON_LISTS and not any(
        record.get(k) for k in ("DisplayName", "GivenName", "FamilyName", "CompanyName")
    ):
        raise required("DisplayName")
    if entity in NAME_LISTS:
        _unique_name(company, entity, record)
        return
    if entity == "Attachable" or entity not in REQUIRED:
        return
    _references(company, record)
    closed_books(company, record)
    _doc_number(company, entity, record)
    _currency(company, entity, record)
    lines = [line for line in record.get("Line", []) if isinstance(line, dict)]
    for index, line in enumerate(lines):
        if money(line.get("Amount")) is None and entity != "BillPayment":
            raise required(f"Line[{index}].Amount")
        detail = next((line[d] for d in LINE_DETAILS if isinstance(line.get(d), dict)), None)
        if entity in ("Purchase", "Bill") and (detail is None or not detail.get("AccountRef")):
            raise required(f"Line[{index}].AccountBasedExpenseLineDetail.AccountRef")
        if detail is not None:
            _line_references(company, detail)
    if entity == "Purchase":
        _purchase(company, record)
    elif entity == "JournalEntry":
        _journal(record, lines)
    elif entity == "Transfer":
        _transfer(company, record)
    if entity in ("Purchase", "Bill", "Deposit"):
        _tax(company, entity, record, lines)
    elif entity == "JournalEntry":
        record["TotalAmt"] = number(_debits(lines))
    if schema.has_child(entity, "HomeTotalAmt"):
        _home_total(record)


def _name_of(record: Record) -> str:
    for key in ("DisplayName", "Name"):
        if record.get(key):
            return str(record[key])
    parts = [record.get("GivenName"), record.get("FamilyName")]
    return " ".join(str(p) for p in parts if p) or str(record.get("CompanyName", ""))


def _unique_name(company: Company, entity: str, record: Record) -> None:
    """Names are unique per list; vendors, customers and employees share one name space."""
    name = _name_of(record).casefold()
    if entity in PERSON_LISTS:
        record.setdefault("DisplayName", _name_of(record))
    lists = PERSON_LISTS if entity in PERSON_LISTS else (entity,)
    for other_entity in lists:
        for other in company.all(other_entity):
            same_record = other_entity == entity and other.get("Id") == record.get("Id")
            if not same_record and _name_of(other).casefold() == name:
                raise QboError(
                    "6240",
                    "Duplicate Name Exists Error",
                    f"The name supplied already exists. : Another {other_entity} is "
                    f"already using this name. Please use a different name. Id={other['Id']}",
                )


def _reference(company: Company, entity: str, ref: object, element: str) -> Record:
    value = ref.get("value") if isinstance(ref, dict) else None
    found = company.find(entity, value) if value is not None else None
    if found is None:
        raise QboError(
            INVALID_REFERENCE,
            "Invalid Reference Id",
            f"Invalid Reference Id : {entity} assigned to this transaction has been "
            f"deleted or does not exist: {value}",
            element=element,
        )
    if found.get("Active") is False:
        raise QboError(
            OBJECT_NOT_FOUND,
            "Object Not Found",
            "Object Not Found : Something you're trying to use has been made inactive. "
            f"Check the fields with accounts, customers, items, vendors or employees. "
            f"({entity} {value})",
            element=element,
        )
    return found


def _references(company: Company, record: Record) -> None:
    for key, entity in REFS.items():
        if key in record and key != "TaxCodeRef":
            _reference(company, entity, record[key], key)
    entity_ref = record.get("EntityRef")
    if isinstance(entity_ref, dict):
        kind = str(entity_ref.get("type") or "Vendor")
        if kind not in PERSON_LISTS:
            raise business(f"EntityRef type {kind} is not a vendor, customer or employee")
        _reference(company, kind, entity_ref, "EntityRef")


def _line_references(company: Company, detail: dict[str, Any]) -> None:
    for key, entity in REFS.items():
        if key in detail and key != "TaxCodeRef":
            _reference(company, entity, detail[key], key)
    entity_ref = detail.get("Entity")
    if isinstance(entity_ref, dict) and isinstance(entity_ref.get("EntityRef"), dict):
        kind = str(entity_ref.get("Type") or entity_ref["EntityRef"].get("type") or "Vendor")
        _reference(
            company, kind if kind in PERSON_LISTS else "Vendor", entity_ref["EntityRef"], "Entity"
        )


def closed_books(company: Company, record: Record) -> None:
    closed = company.book_close_date
    txn_date = record.get("TxnDate")
    if closed and txn_date and str(txn_date)[:10] <= closed:
        raise QboError(
            CLOSED_BOOKS,
            "A business validation error has occurred while processing your request",
            f"Business Validation Error: The books are closed on {closed}; you cannot add "
            f"or change a transaction dated {txn_date}.",
            element="TxnDate",
        )


def preferences(stored: Record, record: Record) -> None:
    """Multi-currency, once on, stays on (QuickBooks cannot turn it off)."""
    was = stored.get("CurrencyPrefs", {}).get("MultiCurrencyEnabled")
    now = record.get("CurrencyPrefs", {}).get("MultiCurrencyEnabled")
    if was and not now:
        raise business("Multicurrency cannot be turned off once it is on", "MultiCurrencyEnabled")
    if (
        record.get("CurrencyPrefs", {}).get("HomeCurrency")
        != stored["CurrencyPrefs"]["HomeCurrency"]
    ):
        raise business("The home currency cannot be changed", "HomeCurrency")


def _doc_number(company: Company, entity: str, record: Record) -> None:
    doc = record.get("DocNumber")
    if not doc:
        return
    for other in company.all(entity):
        if other.get("DocNumber") == doc and other.get("Id") != record.get("Id"):
            if entity == "Bill" and other.get("VendorRef", {}).get("value") != record.get(
                "VendorRef", {}
            ).get("value"):
                continue
            raise QboError(
                DUPLICATE_DOC_NUMBER,
                "Duplicate Document Number Error",
                "Duplicate Document Number Error : You must specify a different number. "
                f"This number has already been used. DocNumber={doc} is assigned to "
                f"TxnType={entity} with TxnId={other['Id']}",
                element="DocNumber",
            )


def _currency(company: Company, entity: str, record: Record) -> None:
    home = company.home_currency
    currency = str((record.get("CurrencyRef") or {}).get("value") or home)
    if currency != home and not company.multicurrency:
        raise business(
            f"Multicurrency is not enabled for this company; CurrencyRef {currency} cannot "
            f"be used (home currency {home}).",
            "CurrencyRef",
        )
    if currency not in company.currencies:
        raise business(f"Currency {currency} is not in the company's currency list", "CurrencyRef")
    if company.multicurrency:
        record["CurrencyRef"] = {"value": currency}
        if record.get("ExchangeRate") is None:
            record["ExchangeRate"] = 1 if currency == home else company.currencies[currency]
        elif currency == home and money(record["ExchangeRate"]) != 1:
            raise business("The exchange rate of the home currency must be 1", "ExchangeRate")
    elif record.get("ExchangeRate") not in (None, 1):
        raise business("ExchangeRate needs multicurrency to be enabled", "ExchangeRate")
    for key in ("AccountRef", "DepositToAccountRef", "FromAccountRef", "ToAccountRef"):
        account = company.find("Account", (record.get(key) or {}).get("value"))
        if account is None or account.get("AccountType") not in ("Bank", "Credit Card"):
            continue
        account_currency = account.get("CurrencyRef", {}).get("value", home)
        if account_currency != currency and entity != "Transfer":
            raise business(
                f"The currency of the transaction ({currency}) must match the currency of "
                f"account {account['Name']} ({account_currency}).",
                key,
            )


def _home_total(record: Record) -> None:
    rate, total = money(record.get("ExchangeRate")), money(record.get("TotalAmt"))
    if rate is not None and total is not None:
        record["HomeTotalAmt"] = number(total * rate)


def _purchase(company: Company, record: Record) -> None:
    account = company.get("Account", record["AccountRef"]["value"])
    wanted = PAYMENT_ACCOUNT.get(str(record["PaymentType"]))
    if wanted is not None and account.get("AccountType") != wanted:
        raise business(
            f"PaymentType {record['PaymentType']} needs a {wanted} account; "
            f"{account['Name']} is {account.get('AccountType')}.",
            "AccountRef",
        )
    if record.get("Credit") and record["PaymentType"] != "CreditCard":
        raise business("Credit is allowed only when PaymentType is CreditCard", "Credit")


def _debits(lines: list[dict[str, Any]]) -> Decimal:
    return sum(
        (
            money(line.get("Amount")) or Decimal(0)
            for line in lines
            if line.get("JournalEntryLineDetail", {}).get("PostingType") == "Debit"
        ),
        Decimal(0),
    )


def _journal(record: Record, lines: list[dict[str, Any]]) -> None:
    credits = Decimal(0)
    for index, line in enumerate(lines):
        detail = line.get("JournalEntryLineDetail")
        if not isinstance(detail, dict) or not detail.get("PostingType"):
            raise required(f"Line[{index}].JournalEntryLineDetail.PostingType")
        if not detail.get("AccountRef"):
            raise required(f"Line[{index}].JournalEntryLineDetail.AccountRef")
        if detail["PostingType"] == "Credit":
            credits += money(line.get("Amount")) or Decimal(0)
    if credits != _debits(lines):
        raise business(
            f"Transaction must be balanced: debits {_debits(lines)}, credits {credits}", "Line"
        )


def _transfer(company: Company, record: Record) -> None:
    if record["FromAccountRef"].get("value") == record["ToAccountRef"].get("value"):
        raise business("Transfer accounts must be different", "ToAccountRef")
    amount = money(record.get("Amount"))
    if amount is None or amount <= 0:
        raise business("Amount must be positive", "Amount")


def _tax(company: Company, entity: str, record: Record, lines: list[dict[str, Any]]) -> None:
    subtotal, tax = Decimal(0), Decimal(0)
    calculation = str(record.get("GlobalTaxCalculation") or "TaxExcluded")
    for index, line in enumerate(lines):
        amount = money(line.get("Amount")) or Decimal(0)
        subtotal += amount
        detail: dict[str, Any] = next(
            (line[d] for d in LINE_DETAILS if isinstance(line.get(d), dict)), {}
        )
        code_ref = detail.get("TaxCodeRef")
        element = f"Line[{index}].TaxCodeRef"
        if company.country == "US":
            if code_ref and code_ref.get("value") != "NON":
                raise business(
                    "This company uses automated sales tax: purchases take no sales tax "
                    f"code (use NON or none), got {code_ref.get('value')}.",
                    element,
                )
            continue
        if not code_ref:
            raise business(
                "Make sure all your transactions have a VAT rate before you save.", element
            )
        code = _reference(company, "TaxCode", code_ref, element)
        rate = Decimal(str(tax_rate_of(company, code))) / 100
        if calculation == "TaxInclusive":
            tax += (amount - amount / (1 + rate)).quantize(Decimal("0.01"))
        elif calculation == "TaxExcluded":
            tax += (amount * rate).quantize(Decimal("0.01"))
    if company.country != "US":
        record["GlobalTaxCalculation"] = calculation
        record["TxnTaxDetail"] = {"TotalTax": number(tax)}
    total = subtotal + tax if calculation == "TaxExcluded" else subtotal
    record["TotalAmt"] = number(total)
    if entity == "Bill":
        record["Balance"] = number(total)
