"""Build ``entities.json`` from Microsoft's Business Central API v2.0 resource pages.

Each page (``resources/dynamics_<entity>.md`` in Microsoft's docs, kept in
``../shared/reference/business-central/v2.0``) lists an entity's properties in a table
``| Property | Type | Description |``. This reads that table for each entity the sandbox
serves and writes, per entity: the page it came from and each property's type and
whether the page calls it read-only. ``schemas`` turns the file into JSON Schemas.

Run: ``python -m sandboxes.business_central.schemagen <reference>/business-central/v2.0``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

# Collection name in the API -> the resource page that defines its entity.
PAGES = {
    "companies": "dynamics_company.md",
    "accounts": "dynamics_account.md",
    "vendors": "dynamics_vendor.md",
    "customers": "dynamics_customer.md",
    "employees": "dynamics_employee.md",
    "dimensions": "dynamics_dimension.md",
    "dimensionValues": "dynamics_dimensionvalue.md",
    "dimensionSetLines": "dynamics_dimensionSetLine.md",
    "taxGroups": "dynamics_taxGroup.md",
    "bankAccounts": "dynamics_bankAccount.md",
    "purchaseInvoices": "dynamics_purchaseinvoice.md",
    "purchaseInvoiceLines": "dynamics_purchaseinvoiceline.md",
    "journals": "dynamics_journal.md",
    "journalLines": "dynamics_journalline.md",
    "attachments": "dynamics_attachment.md",
    "documentAttachments": "dynamics_documentattachment.md",
    "companyInformation": "dynamics_companyinformation.md",
}
OUTPUT = Path(__file__).with_name("entities.json")
_ROW = re.compile(r"^\|\s*([A-Za-z0-9@.]+)\s*\|\s*([A-Za-z0-9.]+)\s*\|(.*)\|\s*$")
_READ_ONLY = re.compile(r"read-only|non-editable", re.IGNORECASE)


def properties(page: str) -> dict[str, dict[str, Any]]:
    """The rows of a page's ``## Properties`` table."""
    found: dict[str, dict[str, Any]] = {}
    inside = False
    for line in page.splitlines():
        if line.startswith("## "):
            inside = line.strip() == "## Properties"
            continue
        match = _ROW.match(line.strip()) if inside else None
        if match is None or match.group(1) == "Property":
            continue
        name, kind, description = match.groups()
        found[name] = {"type": kind, "readOnly": bool(_READ_ONLY.search(description))}
    return found


def build(reference: Path) -> dict[str, Any]:
    entities: dict[str, Any] = {}
    for collection, page in PAGES.items():
        props = properties((reference / "resources" / page).read_text(encoding="utf-8"))
        if not props:
            raise ValueError(f"{page}: no properties table")
        entities[collection] = {"source": f"v2.0/resources/{page}", "properties": props}
    return entities


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    entities = build(Path(argv[0]))
    OUTPUT.write_text(json.dumps(entities, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(entities)} entities)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
