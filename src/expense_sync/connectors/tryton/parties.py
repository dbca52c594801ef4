"""Suppliers and customers as Tryton parties.

- supplierName / customerName: the ``party.party`` name; status: ``active``.
- emailAddress, phone: the party's email and phone (``party.contact_mechanism``);
  contactName: the ``name`` on that email mechanism (on the phone, if there is no email).
- taxNumber (read only): the party's tax identifier (``party.identifier`` of a tax type).
- addresses: its active ``party.address`` records. line1 and line2 are the street's
  lines; then city, postal code, country (by ISO code or name) and region (a subdivision
  of that country, by name or code). ``Billing`` is an invoice address; ``Delivery`` a
  delivery address, where the server has them (its stock module).

Tryton types a tax identifier by country (``eu_vat``, ``us_ein``…) and checks it; a
Codat taxNumber does not say which it is, so it is read but not written, and the
registration number and default currency have no place on a party: the push model
leaves those fields out, and a request that sends one is told so.
"""

from __future__ import annotations

from typing import Any

from expense_sync.connectors.base import Record, ValidationConnectorError
from expense_sync.connectors.tryton.client import TrytonClient

KEY_PREFIX = "expense-sync-key: "
CATEGORY = {"suppliers": "Supplier", "customers": "Customer"}
NAME_FIELD = {"suppliers": "supplierName", "customers": "customerName"}
NOT_STORED = ("registrationNumber", "taxNumber", "defaultCurrency")  # see the module's text
PARTY_FIELDS = ["name", "active"]
TAX_NUMBER = "tax_identifier.code"  # a function field: ~80 ms a thousand parties
MECHANISMS = {"emailAddress": "email", "phone": "phone"}  # record field: Tryton's type
ADDRESS_FIELDS = ["party", "street", "city", "postal_code", "country.code", "subdivision.name",
                  "invoice"]  # fmt: skip


class Parties:
    """The parties of the "Supplier" and "Customer" categories, read and written."""

    def __init__(self, client: TrytonClient) -> None:
        self.client = client
        self._delivery: bool | None = None  # whether addresses can be delivery addresses

    # -- reading -------------------------------------------------------------------------

    def read(
        self, data_type: str, ids: list[int] | None = None, *, just_created: bool = False
    ) -> list[Record]:
        """Every party of the data type, or the parties ``ids`` in that order. Parties
        ``just_created`` have no tax identifier (none is written), so it is not looked up."""
        fields = PARTY_FIELDS if just_created else [*PARTY_FIELDS, TAX_NUMBER]
        if ids is None:
            rows = self.client.call("party.party", "search_read", _domain(data_type), 0, None,
                                    [["id", "ASC"]], fields)  # fmt: skip
        else:
            by_id = {row["id"]: row for row in self.client.call("party.party", "read", ids,
                                                                fields)}  # fmt: skip
            rows = [by_id[i] for i in ids]
        party_ids = [row["id"] for row in rows]
        addresses = self._addresses(party_ids) if party_ids else {}
        contacts = self._contacts(party_ids) if party_ids else {}
        return [
            {
                "id": str(row["id"]),
                NAME_FIELD[data_type]: row["name"],
                **_contact_fields(contacts.get(row["id"], {})),
                "registrationNumber": None,
                "taxNumber": (row.get("tax_identifier.") or {}).get("code"),
                "defaultCurrency": None,
                "status": "Active" if row.get("active", True) else "Archived",
                "addresses": addresses.get(row["id"], []),
                "metadata": {"isDeleted": False},
            }
            for row in rows
        ]

    def _addresses(self, party_ids: list[int]) -> dict[int, list[Record]]:
        fields = ADDRESS_FIELDS + (["delivery"] if self._has_delivery() else [])
        # In Tryton's own order (sequence, then id), as the party lists them; not ordered
        # by party, which Tryton would sort by the party's name.
        rows = self.client.call("party.address", "search_read", [["party", "in", party_ids]], 0,
                                None, None, fields)  # fmt: skip
        found: dict[int, list[Record]] = {}
        for row in rows:
            lines = [line for line in (row.get("street") or "").splitlines() if line.strip()]
            address = {
                "type": "Billing" if row.get("invoice") else
                        "Delivery" if row.get("delivery") else "Unknown",
                "line1": lines[0] if lines else None,
                "line2": ", ".join(lines[1:]) or None,
                "city": row.get("city") or None,
                "region": (row.get("subdivision.") or {}).get("name"),
                "country": (row.get("country.") or {}).get("code"),
                "postalCode": row.get("postal_code") or None,
            }  # fmt: skip
            if any(value for key, value in address.items() if key != "type"):
                found.setdefault(row["party"], []).append(address)  # not the blank ones
        return found

    def _contacts(self, party_ids: list[int]) -> dict[int, dict[str, tuple[str, str | None]]]:
        """Each party's email and phone, with the name on each: the first of each type in
        Tryton's own order, which is the one the party shows (one call for all parties,
        not the party's function fields, which look them up party by party)."""
        mechanisms = self.client.call(
            "party.contact_mechanism",
            "search_read",
            [["party", "in", party_ids], ["type", "in", list(MECHANISMS.values())]],
            0, None, None, ["party", "type", "value", "name"],
        )  # fmt: skip
        found: dict[int, dict[str, tuple[str, str | None]]] = {}
        for mechanism in mechanisms:
            shown = found.setdefault(mechanism["party"], {})
            shown.setdefault(mechanism["type"], (mechanism["value"], mechanism["name"] or None))
        return found

    def _has_delivery(self) -> bool:
        if self._delivery is None:  # a field of the stock module, where it is activated
            self._delivery = "delivery" in self.client.call(
                "party.address", "fields_get", ["delivery"]
            )
        return self._delivery

    # -- writing -------------------------------------------------------------------------

    def create(self, data_type: str, records: list[Record], key: str | None) -> list[int]:
        category = self._category(CATEGORY[data_type])
        addresses = self._address_values(records)
        values = []
        for index, record in enumerate(records):
            party: dict[str, Any] = {
                "name": record[NAME_FIELD[data_type]],
                "categories": [["add", [category]]],
                "active": record.get("status", "Active") != "Archived",
            }
            mechanisms = [
                {"type": kind, "value": record[field], "name": name}
                for (field, kind), name in zip(MECHANISMS.items(), _names(record), strict=True)
                if record.get(field)
            ]
            if mechanisms:
                party["contact_mechanisms"] = [["create", mechanisms]]
            if addresses[index]:
                party["addresses"] = [["create", addresses[index]]]
            if key:
                party["identifiers"] = [["create", [{"code": f"{KEY_PREFIX}{key}/{index}"}]]]
            values.append(party)
        return list(self.client.call("party.party", "create", values))

    def update(self, data_type: str, party_id: int, record: Record) -> None:
        """Make the party what ``record`` says. An update replaces the record, as
        Beancount's does: an email, phone or address left out is removed (an address is
        archived, since invoices may point at it)."""
        # One call finds the party and its active addresses and contact mechanisms, in
        # Tryton's order (the one the party shows them in).
        found = self.client.call("party.party", "search_read",
                                 [["id", "=", party_id], *_domain(data_type)], 0, 1, None,
                                 ["addresses", "contact_mechanisms"])  # fmt: skip
        if not found:
            raise ValidationConnectorError(f"No {data_type[:-1]} {party_id} in Tryton.")
        current = found[0]
        mechanisms = current["contact_mechanisms"]
        kinds = (
            self.client.call("party.contact_mechanism", "read", mechanisms, ["type"])
            if mechanisms
            else []
        )
        (addresses,) = self._address_values([record])
        self.client.call(
            "party.party",
            "write",
            [party_id],
            {
                "name": record[NAME_FIELD[data_type]],
                "active": record.get("status", "Active") != "Archived",
                "contact_mechanisms": _mechanism_changes(kinds, record),
                "addresses": _address_changes(current["addresses"], addresses),
            },
        )

    def _category(self, name: str) -> int:
        found = self.client.call("party.category", "search", [["name", "=", name]], 0, 1, None)
        if found:
            return int(found[0])
        return int(self.client.call("party.category", "create", [{"name": name}])[0])

    def _address_values(self, records: list[Record]) -> list[list[dict[str, Any]]]:
        """Each record's addresses as ``party.address`` values; countries and regions are
        looked up in the books, in one call each for all the records."""
        sent = [record.get("addresses") or [] for record in records]
        every = [address for each in sent for address in each]
        countries = self._countries({a["country"] for a in every if a.get("country")})
        with_regions = {countries.get(a["country"].lower()) for a in every
                        if a.get("region") and a.get("country")}  # fmt: skip
        regions = self._regions({country for country in with_regions if country is not None})
        return [
            [self._address(a, f"addresses[{i}]", countries, regions) for i, a in enumerate(each)]
            for each in sent
        ]

    def _address(
        self,
        address: dict[str, Any],
        path: str,
        countries: dict[str, int],
        regions: dict[tuple[int, str], int],
    ) -> dict[str, Any]:
        country = region = None
        if address.get("country"):
            country = countries.get(address["country"].lower())
            if country is None:
                raise ValidationConnectorError(
                    f"Tryton's books have no country {address['country']!r}; send its "
                    "two-letter ISO code or its name as Tryton lists it (countries are loaded "
                    "with trytond_import_countries).",
                    field=f"{path}.country",
                )
        if address.get("region"):
            if country is None:
                raise ValidationConnectorError(
                    "A region needs the address's country in Tryton.", field=f"{path}.country"
                )
            region = regions.get((country, address["region"].lower()))
            if region is None:
                raise ValidationConnectorError(
                    f"Tryton's books have no region {address['region']!r} in "
                    f"{address['country']}; send a subdivision's name or code.",
                    field=f"{path}.region",
                )
        values: dict[str, Any] = {
            "street_unstructured": "\n".join(
                line for line in (address.get("line1"), address.get("line2")) if line
            ) or None,
            "city": address.get("city"),
            "postal_code": address.get("postalCode"),
            "country": country,
            "subdivision": region,
            "invoice": address.get("type") == "Billing",
            "active": True,
        }  # fmt: skip
        if address.get("type") == "Delivery":
            if not self._has_delivery():
                raise ValidationConnectorError(
                    "This Tryton database has no delivery addresses (its stock module is not "
                    "activated); send the address as Billing or Unknown.",
                    field=f"{path}.type",
                )
            values["delivery"] = True
        return values

    def _countries(self, wanted: set[str]) -> dict[str, int]:
        """Country ids by lower-cased ISO code and name, for the codes or names wanted."""
        if not wanted:
            return {}
        rows = self.client.call(
            "country.country",
            "search_read",
            ["OR", ["code", "in", sorted(w.upper() for w in wanted)],
             ["name", "in", sorted(wanted)]],
            0, None, None, ["code", "name"],
        )  # fmt: skip
        found = {}
        for row in rows:
            for label in (row["code"], row["name"]):
                if label:
                    found[label.lower()] = row["id"]
        return found

    def _regions(self, countries: set[int]) -> dict[tuple[int, str], int]:
        """The subdivisions of ``countries`` by (country id, lower-cased name, code or code
        without its country prefix)."""
        if not countries:
            return {}
        rows = self.client.call(
            "country.subdivision",
            "search_read",
            [["country", "in", sorted(countries)]],
            0, None, None, ["country", "name", "code"],
        )  # fmt: skip
        found = {}
        for row in rows:
            code = row.get("code") or ""
            for label in (row["name"], code, code.split("-", 1)[-1]):
                if label:
                    found[(row["country"], label.lower())] = row["id"]
        return found


def _contact_fields(shown: dict[str, tuple[str, str | None]]) -> Record:
    """emailAddress, phone and contactName from a party's email and phone mechanisms."""
    email, phone = shown.get("email"), shown.get("phone")
    return {
        "contactName": (email and email[1]) or (phone and phone[1]) or None,
        "emailAddress": email[0] if email else None,
        "phone": phone[0] if phone else None,
    }


def _mechanism_changes(current: list[dict[str, Any]], record: Record) -> list[list[Any]]:
    """The party's email and phone (and the contact's name on them) made what ``record``
    says, as the One2Many actions of one write, given its contact mechanisms in order
    (id and type): one sent replaces the first of its type (the one the party shows), one
    left out is removed, and the party's other contact mechanisms are left alone."""
    changes: list[list[Any]] = []
    for (field, kind), name in zip(MECHANISMS.items(), _names(record), strict=True):
        ids = [row["id"] for row in current if row["type"] == kind]
        value = record.get(field)
        if value and ids:
            changes.append(["write", ids[:1], {"value": value, "name": name}])
        elif value:
            changes.append(["create", [{"type": kind, "value": value, "name": name}]])
        elif ids:  # every one of them, or the party would still show the next
            changes.append(["delete", ids])
    return changes


def _address_changes(current: list[int], addresses: list[dict[str, Any]]) -> list[list[Any]]:
    """The party's active addresses (``current``, in order) rewritten with ``addresses``,
    extra ones created, and the ones left over archived."""
    changes: list[list[Any]] = [
        ["write", [address_id], values]
        for address_id, values in zip(current, addresses, strict=False)
    ]
    if len(addresses) > len(current):
        changes.append(["create", addresses[len(current) :]])
    if len(current) > len(addresses):
        changes.append(["write", current[len(addresses) :], {"active": False}])
    return changes


def _domain(data_type: str) -> list[Any]:
    """Every party of the data type's category, archived ones included."""
    return [["categories.name", "=", CATEGORY[data_type]], ["active", "in", [True, False]]]


def _names(record: Record) -> tuple[str | None, str | None]:
    """The contact's name for the email mechanism and for the phone one: on the email,
    or on the phone when there is no email."""
    name = record.get("contactName") or None
    if name and not record.get("emailAddress") and not record.get("phone"):
        raise ValidationConnectorError(
            "Tryton keeps a contact's name on their email or phone; send emailAddress or "
            "phone with contactName.",
            field="contactName",
        )
    if record.get("emailAddress"):
        return name, None
    return None, name
