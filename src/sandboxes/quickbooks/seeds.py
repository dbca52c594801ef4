"""The two companies a sandbox starts with, and what a new company starts as.

``us``: "Sandbox Company US", USD, automated sales tax (no tax codes on purchases), a
checking account, a credit card, expense accounts, vendors, an employee, classes and
departments. ``uk``: "Sandbox Company UK", GBP, VAT codes (20.0% S, 0.0% Z, Exempt, No VAT)
required on purchases, multi-currency on with EUR and USD (a Euro bank account too).
"""

from __future__ import annotations

import secrets
from typing import Any

from sandboxes.quickbooks.state import Company, Record

SEEDS = ("us", "uk")

_ACCOUNTS: list[tuple[str, str, str, str]] = [
    # name, AccountType, AccountSubType, Classification
    ("Checking", "Bank", "Checking", "Asset"),
    ("Savings", "Bank", "Savings", "Asset"),
    ("Company Credit Card", "Credit Card", "CreditCard", "Liability"),
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", "Liability"),
    ("Advertising", "Expense", "AdvertisingPromotional", "Expense"),
    ("Meals and Entertainment", "Expense", "EntertainmentMeals", "Expense"),
    ("Office Supplies", "Expense", "OfficeGeneralAdministrativeExpenses", "Expense"),
    ("Travel", "Expense", "Travel", "Expense"),
    ("Bank Charges", "Expense", "BankCharges", "Expense"),
    ("Card Rewards", "Other Income", "OtherMiscellaneousIncome", "Revenue"),
    ("Old Expenses", "Expense", "OtherMiscellaneousServiceCost", "Expense"),
]


def _ref(value: str, name: str | None = None) -> dict[str, str]:
    return {"value": value, "name": name} if name else {"value": value}


def new_company(seed: str, name: str | None = None) -> Company:
    if seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}; choose one of {list(SEEDS)}")
    realm_id = "9341" + "".join(str(secrets.randbelow(10)) for _ in range(12))
    uk = seed == "uk"
    currency = "GBP" if uk else "USD"
    company = Company(realm_id=realm_id, country="GB" if uk else "US")
    # Home-currency value of one unit of each currency the company can turn on.
    company.currencies = (
        {"GBP": 1.0, "EUR": 0.86, "USD": 0.79} if uk else {"USD": 1.0, "EUR": 1.08, "GBP": 1.27}
    )
    info: Record = {
        "CompanyName": name or ("Sandbox Company UK" if uk else "Sandbox Company US"),
        "LegalName": name or ("Sandbox Company UK Ltd" if uk else "Sandbox Company US LLC"),
        "Country": company.country,
        "FiscalYearStartMonth": "April" if uk else "January",
    }
    company.store("CompanyInfo", info, new=True)
    prefs: Record = {
        "AccountingInfoPrefs": {
            "TrackDepartments": True,
            "DepartmentTerminology": "Location" if not uk else "Department",
            "ClassTrackingPerTxnLine": True,
        },
        "TaxPrefs": {"UsingSalesTax": not uk, "PartnerTaxEnabled": not uk},
        "CurrencyPrefs": {"MultiCurrencyEnabled": uk, "HomeCurrency": _ref(currency)},
    }
    company.store("Preferences", prefs, new=True)
    for account_name, account_type, subtype, classification in _ACCOUNTS:
        _store(
            company,
            "Account",
            {
                "Name": account_name,
                "FullyQualifiedName": account_name,
                "Active": account_name != "Old Expenses",
                "Classification": classification,
                "AccountType": account_type,
                "AccountSubType": subtype,
                "CurrentBalance": 0,
                "CurrencyRef": _ref(currency),
            },
        )
    if uk:
        _store(
            company,
            "Account",
            {
                "Name": "Euro Account",
                "FullyQualifiedName": "Euro Account",
                "Active": True,
                "Classification": "Asset",
                "AccountType": "Bank",
                "AccountSubType": "Checking",
                "CurrentBalance": 0,
                "CurrencyRef": _ref("EUR"),
            },
        )
        _vat(company)
    else:
        # US companies list the two pseudo codes QuickBooks has there (ids TAX and NON);
        # with automated sales tax only sales use TAX.
        for code, taxable in (("TAX", True), ("NON", False)):
            company.store(
                "TaxCode",
                {
                    "Name": code,
                    "Description": code,
                    "Active": True,
                    "Taxable": taxable,
                    "TaxGroup": False,
                },
                new=True,
                record_id=code,
            )
    for vendor in ("Acme Office Supplies", "City Taxis", "Coffee House"):
        _store(
            company,
            "Vendor",
            {
                "DisplayName": vendor,
                "CompanyName": vendor,
                "Active": True,
                "CurrencyRef": _ref(currency),
            },
        )
    _store(
        company,
        "Vendor",
        {
            "DisplayName": "Jane Employee (vendor)",
            "GivenName": "Jane",
            "FamilyName": "Employee",
            "Active": True,
            "CurrencyRef": _ref(currency),
        },
    )
    _store(company, "Customer", {"DisplayName": "Big Client", "Active": True})
    _store(
        company,
        "Employee",
        {
            "DisplayName": "Jane Employee",
            "GivenName": "Jane",
            "FamilyName": "Employee",
            "Active": True,
        },
    )
    for class_name in ("Sales", "Engineering"):
        _store(
            company, "Class", {"Name": class_name, "FullyQualifiedName": class_name, "Active": True}
        )
    for department in ("North", "South"):
        _store(
            company,
            "Department",
            {"Name": department, "FullyQualifiedName": department, "Active": True},
        )
    return company


def _store(company: Company, entity: str, record: Record) -> Record:
    return company.store(entity, record, new=True)


def _vat(company: Company) -> None:
    """UK VAT as QuickBooks sets it up: a rate per purchase/sales side, codes naming them."""
    rates: list[tuple[str, float, str]] = [
        ("20.0% S", 20.0, "Standard"),
        ("0.0% Z", 0.0, "Zero-rated"),
        ("Exempt", 0.0, "Exempt"),
    ]
    for rate_name, value, description in rates:
        rate = _store(
            company,
            "TaxRate",
            {
                "Name": f"{rate_name} (Purchase)",
                "Description": description,
                "Active": True,
                "RateValue": value,
                "AgencyRef": _ref("1"),
                "SpecialTaxType": "NONE",
                "DisplayType": "ReadOnly",
            },
        )
        _store(
            company,
            "TaxCode",
            {
                "Name": rate_name,
                "Description": description,
                "Active": True,
                "Taxable": value > 0,
                "TaxGroup": False,
                "SalesTaxRateList": {"TaxRateDetail": []},
                "PurchaseTaxRateList": {
                    "TaxRateDetail": [
                        {
                            "TaxRateRef": _ref(rate["Id"], rate["Name"]),
                            "TaxTypeApplicable": "TaxOnAmount",
                            "TaxOrder": 0,
                        }
                    ]
                },
            },
        )
    _store(
        company,
        "TaxCode",
        {
            "Name": "No VAT",
            "Description": "No VAT",
            "Active": True,
            "Taxable": False,
            "TaxGroup": False,
        },
    )


def tax_rate_of(company: Company, code: Record) -> float:
    """The purchase rate (percent) a tax code applies; 0 when it names none."""
    details: list[dict[str, Any]] = code.get("PurchaseTaxRateList", {}).get("TaxRateDetail", [])
    total = 0.0
    for detail in details:
        rate = company.find("TaxRate", detail["TaxRateRef"]["value"])
        total += float(rate["RateValue"]) if rate else 0.0
    return total
