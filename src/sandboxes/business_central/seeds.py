"""A new company as the sandbox seeds it: a chart of accounts, a card and a current bank
account, vendors (one of them an employee's), an employee, dimensions DEPARTMENT and
PROJECT with values, tax groups, a general journal, and company information."""

from __future__ import annotations

import uuid
from typing import Any

from sandboxes.business_central import schemas
from sandboxes.business_central.store import Company, now

ACCOUNTS = (
    ("10100", "Checking account", "Assets"),
    ("20100", "Accounts Payable", "Liabilities"),
    ("30100", "Capital Stock", "Equity"),
    ("40100", "Sales", "Income"),
    ("60100", "Travel", "Expense"),
    ("60200", "Meals", "Expense"),
    ("60300", "Office Supplies", "Expense"),
    ("60400", "Software", "Expense"),
)
BANK_ACCOUNTS = (("CHECKING", "Checking", "1234567"), ("CARD", "Company card", "4000123412341234"))
VENDORS = ("Fabrikam, Inc.", "Coho Winery", "Jane Employee")
DIMENSIONS = {
    "DEPARTMENT": ("Department", (("ADM", "Administration"), ("SALES", "Sales"))),
    "PROJECT": ("Project", (("ALPHA", "Project Alpha"), ("BETA", "Project Beta"))),
}
TAX_GROUPS = (
    ("NONTAXABLE", "Nontaxable", "Sales Tax"),
    ("SUPPLIES", "Taxable Olympic Supplies", "Sales Tax"),
)


def _add(company: Company, collection: str, **values: Any) -> dict[str, Any]:
    record = {
        **schemas.empty_record(collection),
        **values,
        "id": str(uuid.uuid4()),
    }
    if "lastModifiedDateTime" in record:
        record["lastModifiedDateTime"] = now()
    company.table(collection)[record["id"]] = record
    company.versions[record["id"]] = 1
    return record


def seed(company: Company) -> None:
    for number, name, category in ACCOUNTS:
        _add(
            company,
            "accounts",
            number=number,
            displayName=name,
            category=category,
            accountType="Posting",
            directPosting=True,
        )
    for number, name, account_number in BANK_ACCOUNTS:
        _add(
            company,
            "bankAccounts",
            number=number,
            displayName=name,
            bankAccountNumber=account_number,
            currencyCode="",
        )
    for index, name in enumerate(VENDORS, start=1):
        _add(company, "vendors", number=f"V{index:04d}", displayName=name, currencyCode="")
    _add(
        company,
        "employees",
        number="E0001",
        displayName="Jane Employee",
        givenName="Jane",
        surname="Employee",
        status="Active",
    )
    for code, (name, values) in DIMENSIONS.items():
        dimension = _add(company, "dimensions", code=code, displayName=name)
        for value_code, value_name in values:
            _add(
                company,
                "dimensionValues",
                code=value_code,
                displayName=value_name,
                dimensionId=dimension["id"],
            )
    for code, name, kind in TAX_GROUPS:
        _add(company, "taxGroups", code=code, displayName=name, taxType=kind)
    _add(
        company,
        "journals",
        code="DEFAULT",
        displayName="Default journal",
        templateDisplayName="GENERAL",
    )
    _add(
        company,
        "companyInformation",
        id=company.company_id,
        displayName=company.name,
        currencyCode="USD",
        country="US",
        currentFiscalYearStartDate="2026-01-01",
    )
