"""FreeAgent's entities as pydantic models: what the sandbox holds every request and
answer to (``extra="forbid"``: a field FreeAgent does not have is a violation).

FreeAgent publishes no OpenAPI file; its official Postman collection
(``shared/reference/freeagent/FreeAgent.postman_collection.json``, fac/postman-freeagent-
api-collection) is the machine-readable source. Each field below names where it comes from:

- ``[C: <request name>]``: the body or query of that request in the collection;
- ``[D: <page>]``: FreeAgent's API documentation page (dev.freeagent.com/docs/<page>) for a
  field the collection does not show (the collection has no example answers, so the
  read-only fields of answers come from there).

Money is a decimal string, as every body of the collection writes it (``"-730.0"``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

Money = Annotated[str, StringConstraints(pattern=r"^-?\d+(\.\d+)?$")]
Date = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+/v2/\S+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- attachments --------------------------------------------------------------------------


class AttachmentUpload(Strict):
    """An attachment sent inline with an explanation or a bill.
    ``data``, ``file_name`` [C: Bills / Create Bill with Attachment]; ``content_type``,
    ``description`` [D: attachments]."""

    data: str
    file_name: str = Field(min_length=1)
    content_type: str | None = None
    description: str | None = None


class Attachment(Strict):
    """url, content_src, content_type, file_name, file_size
    [C: Bank Transaction Explanations / Create, its ``attachment``]; description,
    expires_at, created_at, updated_at [D: attachments]."""

    url: Url
    content_src: str
    content_type: str
    file_name: str
    file_size: int
    description: str | None = None
    expires_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


# -- company, users -----------------------------------------------------------------------


class Company(Strict):
    """[D: company] (the collection has only ``GET /v2/company``)."""

    url: Url
    name: str
    subdomain: str
    type: str
    currency: str
    mileage_units: str
    company_start_date: Date
    first_accounting_year_end: Date | None = None
    sales_tax_registration_status: str
    sales_tax_registration_number: str | None = None
    company_registration_number: str | None = None
    address1: str | None = None
    town: str | None = None
    postcode: str | None = None
    country: str | None = None
    created_at: str
    updated_at: str


class User(Strict):
    """first_name, last_name, email, role, permission_level, ni_number,
    unique_tax_reference, opening_mileage [C: Users / Create a user]; url, created_at,
    updated_at [D: users]."""

    url: Url
    first_name: str
    last_name: str
    email: str
    role: str
    permission_level: int
    ni_number: str | None = None
    unique_tax_reference: str | None = None
    opening_mileage: int | None = None
    created_at: str
    updated_at: str


# -- categories ---------------------------------------------------------------------------

CategoryGroup = Literal["income", "cost_of_sales", "admin_expenses", "general"]


class CategoryCreate(Strict):
    """description, nominal_code, tax_reporting_name, allowable_for_tax,
    auto_sales_tax_rate, category_group [C: Categories / Create category]."""

    description: str = Field(min_length=1)
    nominal_code: Annotated[str, StringConstraints(pattern=r"^\d{3}$")]
    tax_reporting_name: str | None = None
    allowable_for_tax: bool | None = None
    auto_sales_tax_rate: str | None = None
    category_group: Literal[
        "income", "cost_of_sales", "admin_expenses", "current_assets", "liabilities", "equities"
    ]


class CategoryUpdate(Strict):
    """[C: Categories / Update category] (no ``category_group``: a group is kept)."""

    description: str | None = None
    nominal_code: Annotated[str, StringConstraints(pattern=r"^\d{3}$")] | None = None
    tax_reporting_name: str | None = None
    allowable_for_tax: bool | None = None
    auto_sales_tax_rate: str | None = None


class Category(Strict):
    """The create fields [C: Categories / Create category] less ``category_group`` (an
    answer lists categories under their group instead) plus url [D: categories]."""

    url: Url
    description: str
    nominal_code: str
    tax_reporting_name: str | None = None
    allowable_for_tax: bool | None = None
    auto_sales_tax_rate: str | None = None


# -- bank accounts, transactions, explanations -------------------------------------------

BankAccountType = Literal["StandardBankAccount", "CreditCardAccount", "PaypalAccount"]


class BankAccountWrite(Strict):
    """opening_balance, type, name, is_personal, status (and the read-only updated_at,
    created_at the collection's body carries) [C: Bank Accounts / Create Bank Account];
    currency, account_number, sort_code, iban, bic, bank_name, email, nominal_code
    [D: bank_accounts]. Type's values: the ``view`` query of List Bank Accounts."""

    opening_balance: Money | None = None
    type: BankAccountType | None = None
    name: str | None = None
    is_personal: bool | None = None
    status: Literal["active", "hidden"] | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    account_number: str | None = None
    sort_code: str | None = None
    iban: str | None = None
    bic: str | None = None
    bank_name: str | None = None
    email: str | None = None
    nominal_code: str | None = None
    updated_at: str | None = None
    created_at: str | None = None


class BankAccount(Strict):
    """The write fields [C: Bank Accounts / Create Bank Account] plus url,
    current_balance, is_primary [D: bank_accounts]."""

    url: Url
    type: BankAccountType
    name: str
    opening_balance: Money
    current_balance: Money
    currency: str
    is_personal: bool
    is_primary: bool
    status: Literal["active", "hidden"]
    nominal_code: str
    account_number: str | None = None
    sort_code: str | None = None
    iban: str | None = None
    bic: str | None = None
    bank_name: str | None = None
    email: str | None = None
    created_at: str
    updated_at: str


class StatementLine(Strict):
    """dated_on, amount, description [C: Bank Transactions / Upload a bank statement]."""

    dated_on: Date
    amount: float | int | Money
    description: str | None = None


class Statement(Strict):
    statement: list[StatementLine] = Field(min_length=1)


class ExplanationWrite(Strict):
    """bank_transaction, bank_account, dated_on, description, category, gross_value,
    project, rebill_type, rebill_factor, attachment
    [C: Bank Transaction Explanations / Create a bank transaction explanation];
    sales_tax_rate, sales_tax_value, transfer_bank_account (a transfer between bank
    accounts), paid_bill, paid_user [D: bank_transaction_explanations]."""

    bank_transaction: Url | None = None
    bank_account: Url | None = None
    dated_on: Date | None = None
    description: str | None = None
    category: Url | None = None
    gross_value: Money | None = None
    sales_tax_rate: Money | None = None
    sales_tax_value: Money | None = None
    transfer_bank_account: Url | None = None
    paid_bill: Url | None = None
    paid_user: Url | None = None
    project: Url | None = None
    rebill_type: Literal["cost", "markup", "price"] | None = None
    rebill_factor: Money | None = None
    attachment: AttachmentUpload | None = None


class Explanation(Strict):
    """The write fields [C: ... / Create a bank transaction explanation] as stored, plus
    url, is_deletable, linked_transfer_account, linked_transfer_explanation, created_at,
    updated_at [D: bank_transaction_explanations]; ``attachment`` as the collection's
    body shows a stored one."""

    url: Url
    bank_transaction: Url
    bank_account: Url
    dated_on: Date
    description: str | None = None
    category: Url | None = None
    gross_value: Money
    sales_tax_rate: Money | None = None
    sales_tax_value: Money | None = None
    transfer_bank_account: Url | None = None
    linked_transfer_account: Url | None = None
    linked_transfer_explanation: Url | None = None
    paid_bill: Url | None = None
    project: Url | None = None
    rebill_type: str | None = None
    rebill_factor: Money | None = None
    is_deletable: bool
    attachment: Attachment | None = None
    created_at: str
    updated_at: str


class BankTransaction(Strict):
    """dated_on, amount, description [C: Upload a bank statement]; the filters of
    List all bank transactions name bank_account; url, unexplained_amount, is_manual,
    bank_transaction_explanations, created_at, updated_at [D: bank_transactions]."""

    url: Url
    bank_account: Url
    dated_on: Date
    amount: Money
    description: str | None = None
    unexplained_amount: Money
    is_manual: bool
    bank_transaction_explanations: list[Explanation]
    created_at: str
    updated_at: str


# -- contacts -----------------------------------------------------------------------------


class ContactWrite(Strict):
    """first_name, last_name, email [C: Contacts / Create Contact]; country
    [C: Contacts / Update Contact]; organisation_name, phone_number, address1-3, town,
    region, postcode, contact_name_on_invoices, sales_tax_registration_number, status
    [D: contacts]."""

    first_name: str | None = None
    last_name: str | None = None
    organisation_name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    address1: str | None = None
    address2: str | None = None
    address3: str | None = None
    town: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None
    contact_name_on_invoices: bool | None = None
    sales_tax_registration_number: str | None = None
    status: Literal["Active", "Hidden"] | None = None


class Contact(ContactWrite):
    """The write fields plus url, created_at, updated_at [D: contacts]."""

    url: Url
    status: Literal["Active", "Hidden"]
    created_at: str
    updated_at: str


# -- bills --------------------------------------------------------------------------------


class BillItemWrite(Strict):
    """category, total_value, sales_tax_rate (the collection's bill carries them on the
    bill itself), description [D: bills, "bill_items"]."""

    category: Url
    total_value: Money
    description: str | None = None
    sales_tax_rate: Money | None = None
    sales_tax_value: Money | None = None


class BillWrite(Strict):
    """contact, reference, dated_on, due_on, category, total_value, sale_tax_rate
    (spelled so in the collection), attachment [C: Bills / Create Bill, Create Bill with
    Attachment]; bill_items (several categories on one bill), comments [D: bills]."""

    contact: Url | None = None
    reference: str | None = None
    dated_on: Date | None = None
    due_on: Date | None = None
    category: Url | None = None
    total_value: Money | None = None
    sale_tax_rate: Money | None = None
    sales_tax_rate: Money | None = None
    bill_items: list[BillItemWrite] | None = None
    comments: str | None = None
    attachment: AttachmentUpload | None = None


class BillItem(BillItemWrite):
    """A stored item: its url and bill [C: Bill Items / List Bill Items filters by bill]."""

    url: Url
    bill: Url


class Bill(Strict):
    """The write fields as stored plus url, total_value, paid_value, due_value, status,
    currency, created_at, updated_at [D: bills]."""

    url: Url
    contact: Url
    reference: str
    dated_on: Date
    due_on: Date
    total_value: Money
    paid_value: Money
    due_value: Money
    status: str
    currency: str
    comments: str | None = None
    bill_items: list[BillItem]
    attachment: Attachment | None = None
    created_at: str
    updated_at: str


# -- journal sets -------------------------------------------------------------------------


class JournalEntryWrite(Strict):
    """url (on update), category, user, description, debit_value
    [C: Journal Sets / Create a journal set, Update a journal set]."""

    url: Url | None = None
    category: Url
    user: Url | None = None
    description: str | None = None
    debit_value: Money


class JournalSetWrite(Strict):
    """url (on update), dated_on, description, tag, journal_entries
    [C: Journal Sets / Create a journal set, Update a journal set]."""

    url: Url | None = None
    dated_on: Date
    description: str = Field(min_length=1)
    tag: str | None = None
    journal_entries: list[JournalEntryWrite] = Field(min_length=2)


class JournalEntry(JournalEntryWrite):
    url: Url  # always set on a stored entry


class JournalSet(Strict):
    url: Url
    dated_on: Date
    description: str
    tag: str | None = None
    journal_entries: list[JournalEntry]
    created_at: str | None = None
    updated_at: str | None = None


# -- what each path takes and answers -----------------------------------------------------


def _wrapper(name: str, model: type[BaseModel]) -> type[BaseModel]:
    """``{"<name>": <model>}``, FreeAgent's envelope for one record."""
    fields: dict[str, Any] = {name: (model, ...)}
    return create_model(f"{name}_envelope", __config__=ConfigDict(extra="forbid"), **fields)


def _list(name: str, model: type[BaseModel]) -> type[BaseModel]:
    fields: dict[str, Any] = {name: (list[model], ...)}  # type: ignore[valid-type]
    return create_model(f"{name}_list", __config__=ConfigDict(extra="forbid"), **fields)


class Categories(Strict):
    """``GET /v2/categories`` lists by group [D: categories]."""

    admin_expenses_categories: list[Category]
    cost_of_sales_categories: list[Category]
    income_categories: list[Category]
    general_categories: list[Category]


# (collection, singular, write model, stored model)
RESOURCES: dict[str, tuple[str, type[BaseModel] | None, type[BaseModel]]] = {
    "bank_accounts": ("bank_account", BankAccountWrite, BankAccount),
    "bank_transactions": ("bank_transaction", None, BankTransaction),
    "bank_transaction_explanations": (
        "bank_transaction_explanation",
        ExplanationWrite,
        Explanation,
    ),
    "contacts": ("contact", ContactWrite, Contact),
    "bills": ("bill", BillWrite, Bill),
    "bill_items": ("bill_item", None, BillItem),
    "journal_sets": ("journal_set", JournalSetWrite, JournalSet),
    "attachments": ("attachment", None, Attachment),
    "users": ("user", None, User),
}

REQUESTS: dict[str, type[BaseModel]] = {
    collection: _wrapper(singular, write)
    for collection, (singular, write, _) in RESOURCES.items()
    if write is not None
}
REQUESTS["categories"] = _wrapper("category", CategoryCreate)
REQUESTS["categories:update"] = _wrapper("category", CategoryUpdate)
REQUESTS["bank_transactions/statement"] = Statement

ONE: dict[str, type[BaseModel]] = {
    collection: _wrapper(singular, stored)
    for collection, (singular, _, stored) in RESOURCES.items()
}
ONE["categories"] = _wrapper("category", Category)
ONE["company"] = _wrapper("company", Company)
MANY: dict[str, type[BaseModel]] = {
    collection: _list(collection, stored) for collection, (_, _, stored) in RESOURCES.items()
}
MANY["categories"] = Categories


class ErrorMessage(Strict):
    message: str


class ErrorBody(Strict):
    """``{"errors": {"error": {"message": ...}}}`` for one problem, a list for several
    [D: introduction, "Errors"]."""

    errors: dict[Literal["error"], ErrorMessage] | list[ErrorMessage]
