"""Organisations a new tenant starts as: ``demo`` (a UK company in GBP) and ``demo-us``.

The account codes are those of Xero's default UK chart (090 bank, 200 sales, 400
advertising, 429 general expenses, 800 accounts payable ...), so what works here works on
a fresh Xero organisation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sandboxes.xero.state import Record, Tenant

SEEDS: dict[str, Callable[[str], Tenant]] = {}


def _seed(name: str) -> Callable[[Callable[[str], Tenant]], Callable[[str], Tenant]]:
    def register(build: Callable[[str], Tenant]) -> Callable[[str], Tenant]:
        SEEDS[name] = build
        return build

    return register


def new_tenant(seed: str, name: str | None = None) -> Tenant:
    """A fresh tenant from ``seed``, optionally renamed (each linked company gets its own)."""
    try:
        build = SEEDS[seed]
    except KeyError:
        raise ValueError(f"unknown seed {seed!r}; choose one of {sorted(SEEDS)}") from None
    tenant = build(str(uuid.uuid4()))
    if name:
        tenant.organisation["Name"] = name
        tenant.organisation["LegalName"] = name
    return tenant


def _account(code: str, name: str, type_: str, class_: str, tax: str, **extra: Any) -> Record:
    return {
        "Code": code,
        "Name": name,
        "Type": type_,
        "Class": class_,
        "TaxType": tax,
        "Status": "ACTIVE",
        "EnablePaymentsToAccount": False,
        "ShowInExpenseClaims": class_ == "EXPENSE",
        "HasAttachments": False,
        **extra,
    }


def _bank(code: str, name: str, currency: str, bank_type: str, number: str) -> Record:
    return _account(
        code,
        name,
        "BANK",
        "ASSET",
        "NONE",
        BankAccountType=bank_type,
        BankAccountNumber=number,
        CurrencyCode=currency,
    )


def _tax(tax_type: str, name: str, rate: str, *, report: str = "INPUT") -> Record:
    return {
        "Name": name,
        "TaxType": tax_type,
        "Status": "ACTIVE",
        "ReportTaxType": report,
        "CanApplyToAssets": True,
        "CanApplyToEquity": True,
        "CanApplyToExpenses": report != "OUTPUT",
        "CanApplyToLiabilities": True,
        "CanApplyToRevenue": report != "INPUT",
        "DisplayTaxRate": float(rate),
        "EffectiveRate": float(rate),
        "TaxComponents": [
            {"Name": name, "Rate": float(rate), "IsCompound": False, "IsNonRecoverable": False}
        ],
    }


def _contact(name: str, *, supplier: bool, customer: bool = False, **extra: Any) -> Record:
    return {
        "Name": name,
        "ContactStatus": "ACTIVE",
        "IsSupplier": supplier,
        "IsCustomer": customer,
        "Addresses": [],
        "Phones": [],
        "HasAttachments": False,
        **extra,
    }


def _organisation(name: str, currency: str, country: str, version: str) -> Record:
    return {
        "OrganisationID": str(uuid.uuid4()),
        "APIKey": uuid.uuid4().hex.upper(),
        "Name": name,
        "LegalName": name,
        "PaysTax": True,
        "Version": version,
        "OrganisationType": "COMPANY",
        "BaseCurrency": currency,
        "CountryCode": country,
        "IsDemoCompany": True,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 12 if country == "US" else 3,
        "SalesTaxBasis": "ACCRUALS" if country == "GB" else "ACCRUAL",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "Timezone": "GMTSTANDARDTIME" if country == "GB" else "EASTERNSTANDARDTIME",
        "OrganisationEntityType": "COMPANY",
        "ShortCode": "!" + uuid.uuid4().hex[:5],
        "Edition": "BUSINESS",
        "Class": "PREMIUM",
    }


def _fill(tenant: Tenant, accounts: list[Record], taxes: list[Record]) -> Tenant:
    for account in accounts:
        tenant.accounts.put(account)
    for tax in taxes:
        tenant.tax_rates.put(tax)
    region = {
        "Name": "Region",
        "Status": "ACTIVE",
        "Options": [
            {"TrackingOptionID": str(uuid.uuid4()), "Name": name, "Status": "ACTIVE"}
            for name in ("North", "South", "East", "West")
        ],
    }
    tenant.tracking_categories.put(region)
    for supplier in ("Acme Office Supplies", "City Taxis", "Coffee House"):
        tenant.contacts.put(_contact(supplier, supplier=True))
    tenant.contacts.put(_contact("Big Customer Ltd", supplier=False, customer=True))
    tenant.contacts.put(
        _contact(
            "Jane Employee",
            supplier=True,
            FirstName="Jane",
            LastName="Employee",
            EmailAddress="jane@example.com",
        )
    )
    return tenant


@_seed("demo")
def demo_uk(tenant_id: str) -> Tenant:
    tenant = Tenant(
        tenant_id=tenant_id,
        organisation=_organisation("Demo Company (UK)", "GBP", "GB", "UK"),
        enabled_currencies=["GBP", "EUR", "USD"],
    )
    accounts = [
        _bank("090", "Business Bank Account", "GBP", "BANK", "12345678"),
        _bank("091", "Business Savings Account", "GBP", "BANK", "87654321"),
        _bank("092", "Company Credit Card", "GBP", "CREDITCARD", "4111"),
        _bank("093", "Euro Account", "EUR", "BANK", "55555555"),
        _account("200", "Sales", "REVENUE", "REVENUE", "OUTPUT2"),
        _account("260", "Other Revenue", "REVENUE", "REVENUE", "OUTPUT2"),
        _account("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "INPUT2"),
        _account("400", "Advertising", "OVERHEADS", "EXPENSE", "INPUT2"),
        _account("420", "Entertainment", "OVERHEADS", "EXPENSE", "NONE"),
        _account("429", "General Expenses", "OVERHEADS", "EXPENSE", "INPUT2"),
        _account("449", "Motor Vehicle Expenses", "OVERHEADS", "EXPENSE", "INPUT2"),
        _account("493", "Travel - National", "OVERHEADS", "EXPENSE", "INPUT2"),
        _account("610", "Accounts Receivable", "CURRENT", "ASSET", "NONE", SystemAccount="DEBTORS"),
        _account(
            "800", "Accounts Payable", "CURRLIAB", "LIABILITY", "NONE", SystemAccount="CREDITORS"
        ),
        _account("820", "VAT", "CURRLIAB", "LIABILITY", "NONE", SystemAccount="GST"),
        _account("970", "Owner A Funds Introduced", "EQUITY", "EQUITY", "NONE"),
        _account(
            "499", "Old Expenses (archived)", "OVERHEADS", "EXPENSE", "INPUT2", Status="ARCHIVED"
        ),
    ]
    taxes = [
        _tax("INPUT2", "20% (VAT on Expenses)", "20"),
        _tax("OUTPUT2", "20% (VAT on Income)", "20", report="OUTPUT"),
        _tax("NONE", "No VAT", "0", report="NONE"),
        _tax("ZERORATEDINPUT", "Zero Rated Expenses", "0"),
        _tax("EXEMPTINPUT", "Exempt Expenses", "0"),
    ]
    return _fill(tenant, accounts, taxes)


@_seed("demo-us")
def demo_us(tenant_id: str) -> Tenant:
    tenant = Tenant(
        tenant_id=tenant_id,
        organisation=_organisation("Demo Company (US)", "USD", "US", "US"),
        enabled_currencies=["USD", "CAD"],
    )
    accounts = [
        _bank("090", "Checking Account", "USD", "BANK", "1234567890"),
        _bank("092", "Company Credit Card", "USD", "CREDITCARD", "4242"),
        _account("400", "Sales", "REVENUE", "REVENUE", "NONE"),
        _account("600", "Advertising", "EXPENSE", "EXPENSE", "NONE"),
        _account("620", "General Expenses", "EXPENSE", "EXPENSE", "NONE"),
        _account("640", "Travel", "EXPENSE", "EXPENSE", "NONE"),
        _account(
            "800", "Accounts Payable", "CURRLIAB", "LIABILITY", "NONE", SystemAccount="CREDITORS"
        ),
    ]
    taxes = [
        _tax("NONE", "Tax Exempt", "0", report="NONE"),
        _tax("TAX001", "State Sales Tax", "8.875"),
    ]
    return _fill(tenant, accounts, taxes)
