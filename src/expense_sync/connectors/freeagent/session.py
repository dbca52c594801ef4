"""A session on one FreeAgent company: reads in Codat's shapes, pushes, posts exactly
once, and attaches receipts.

**Exactly once.** Each record a posting becomes carries its key where FreeAgent lists
it (``posting``: an explanation's or journal set's ``description`` starts ``[key]``, a
bill's ``reference`` is the key). ``post`` first lists, per bank account (explanations)
or per kind (bills, journal sets), the records of the batch's dates, writes only what
is missing (one call per record: FreeAgent has no batch writes), and remembers each
answer for the session. A day already listed in the session is not listed again (what
the session wrote since is added to what it saw), unless a write may have landed without
its answer. One refused posting fails alone: the others are written,
``post`` raises ``ValidationConnectorError``, and when the engine retries one posting
at a time the landed ones are answered from memory and the refused one with
FreeAgent's words, without calling FreeAgent again. A found posting of a later revision
is updated in place (``PUT``), and lines it no longer has are deleted.
"""

from __future__ import annotations

import base64
import mimetypes
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from expense_sync.connectors.base import (
    AttachmentLimits,
    Document,
    Posted,
    Posting,
    Record,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.connectors.base.cloud import checked_content_type
from expense_sync.connectors.freeagent import reading
from expense_sync.connectors.freeagent.api import FreeAgentApi, record_id
from expense_sync.connectors.freeagent.posting import TAG, Chart, Planned, marker, marker_of, plan
from expense_sync.connectors.freeagent.writing import PushMixin

# FreeAgent names PDF ``application/x-pdf`` (dev.freeagent.com/docs/attachments).
FREEAGENT_TYPE = {"application/pdf": "application/x-pdf"}
ATTACH_WINDOW = timedelta(days=35)  # how far back a receipt's record is looked for
Found = dict[tuple[str, str], dict[str, Any]]  # (where, marker) -> FreeAgent record


def attachment_name(document: Document, content_type: str) -> str:
    """``<document id>-<file name>`` (so a second attach finds the first)."""
    stem = Path(document.file_name).stem[:150] or "receipt"
    extension = mimetypes.guess_extension(content_type) or Path(document.file_name).suffix
    return f"{document.id}-{stem}{extension}"


class FreeAgentSession(PushMixin):
    def __init__(self, api: FreeAgentApi, attachments: AttachmentLimits | None) -> None:
        self.api = api
        self._attachment_limits = attachments
        self._cache: dict[str, Any] = {}
        # key -> (collection, ids of its records in line order, revision)
        self._landed: dict[str, tuple[str, list[str], int]] = {}
        self._refused: dict[tuple[str, int], str] = {}
        # Listings made in this session: (collection, bank account) -> days listed, and
        # what they held plus what this session wrote since. Valid while every write got
        # its answer; a write that may have landed unseen clears them.
        self._listed: dict[tuple[str, str], set[str]] = {}
        self._found: Found = {}

    # -- reads ----------------------------------------------------------------------------

    def check(self) -> None:
        self._company()

    def read(self, data_type: str) -> list[Record]:
        base = self._company().get("currency")
        if data_type == "chartOfAccounts":
            categories = [
                reading.category(item, group, base)
                for group, items in self._categories().items()
                for item in items
            ]
            return categories + [reading.bank_as_account(b) for b in self._banks()]
        if data_type == "bankAccounts":
            return [reading.bank_account(b) for b in self._banks()]
        if data_type in ("suppliers", "customers"):
            name = "supplierName" if data_type == "suppliers" else "customerName"
            return [reading.contact(c, name) for c in self._contacts()]
        if data_type in ("taxRates", "trackingCategories"):
            return []
        if data_type == "company":
            record = reading.company(self._company())
            currencies = sorted({str(b.get("currency")) for b in self._banks()} | {str(base)})
            record["supplementalData"]["content"]["expenseSync"]["currencies"] = currencies
            return [record]
        raise ValidationConnectorError(f"FreeAgent does not hold {data_type}.")

    def _company(self) -> dict[str, Any]:
        if "company" not in self._cache:
            self._cache["company"] = self.api.get("company")["company"]
        return dict(self._cache["company"])

    def _categories(self) -> dict[str, list[dict[str, Any]]]:
        if "categories" not in self._cache:
            self._cache["categories"] = self.api.get("categories")
        return dict(self._cache["categories"])

    def _banks(self) -> list[dict[str, Any]]:
        if "bank_accounts" not in self._cache:
            self._cache["bank_accounts"] = self.api.get_all("bank_accounts")
        return list(self._cache["bank_accounts"])

    def _contacts(self) -> list[dict[str, Any]]:
        if "contacts" not in self._cache:
            self._cache["contacts"] = self.api.get_all("contacts", {"view": "all"})
        return list(self._cache["contacts"])

    def _chart(self) -> Chart:
        return Chart(
            categories={
                str(item["nominal_code"]): str(item["url"])
                for items in self._categories().values()
                for item in items
            },
            banks={record_id(str(b["url"])): b for b in self._banks()},
            base_currency=self._company().get("currency"),
            base_url=self.api.base_url,
        )

    # -- postings -------------------------------------------------------------------------

    def post(self, postings: list[Posting]) -> list[Posted]:
        refused = [p for p in postings if (p.key, p.revision) in self._refused]
        if refused:
            raise ValidationConnectorError(self._words(refused))
        chart = self._chart()
        plans = {p.key: plan(p, chart) for p in postings}  # refuses bad input up front
        todo = [
            p for p in postings if p.key not in self._landed or self._landed[p.key][2] < p.revision
        ]
        found = self._find(todo, plans)
        for posting in todo:
            try:
                self._write(posting, plans[posting.key], found)
            except ValidationConnectorError as error:
                self._refused[(posting.key, posting.revision)] = error.message
            except RetriableConnectorError as error:
                if error.retry_after is None:  # a timeout or a 5xx: it may have landed
                    self._forget_listings()
                raise  # a wait (our limiter, a 429) carries retry_after: nothing was sent
            except BaseException:
                self._forget_listings()
                raise
        failed = [p for p in postings if (p.key, p.revision) in self._refused]
        if failed:
            raise ValidationConnectorError(self._words(failed))
        return [Posted(p.key, self._landed[p.key][1][0], self._landed[p.key][2]) for p in postings]

    def _forget_listings(self) -> None:
        """A write may have landed without its answer: list afresh next time."""
        self._listed.clear()
        self._found.clear()

    def _words(self, postings: list[Posting]) -> str:
        return "; ".join(f"{p.key}: {self._refused[(p.key, p.revision)]}" for p in postings)

    def _find(self, postings: list[Posting], plans: dict[str, list[Planned]]) -> Found:
        """What earlier tries left: one listing per bank account (explanations) or kind
        (bills, journal sets) over the batch's dates not listed yet in this session."""
        dates: dict[tuple[str, str], set[str]] = {}
        for posting in postings:
            for planned in plans[posting.key]:
                where = (planned.collection, planned.bank_account or "")
                dates.setdefault(where, set()).add(posting.date.isoformat())
        found = self._found
        for (collection, bank_account), wanted in dates.items():
            days = wanted - self._listed.get((collection, bank_account), set())
            if not days:
                continue
            self._listed.setdefault((collection, bank_account), set()).update(days)
            params: dict[str, Any] = {"from_date": min(days), "to_date": max(days)}
            if bank_account:
                params["bank_account"] = bank_account
            if collection == "journal_sets":
                params["tag"] = TAG
            if collection == "bills":
                params["view"] = "all"
            for item in self.api.get_all(collection, params):
                mark = item.get("reference") if collection == "bills" else None
                mark = f"{mark}" if mark else marker_of(item.get("description"))
                if mark:
                    found[(bank_account or collection, mark)] = item
        return found

    def _write(self, posting: Posting, planned: list[Planned], found: Found) -> None:
        ids = []
        collection = planned[0].collection
        for item in planned:
            where = item.bank_account or collection
            existing = found.get((where, item.marker))
            if existing is None:
                created = self.api.create(collection, item.singular, item.body)
                found[(where, item.marker)] = created
                ids.append(record_id(created["url"]))
            elif posting.revision > 1:
                self.api.update(collection, item.singular, record_id(existing["url"]), item.body)
                ids.append(record_id(existing["url"]))
            else:
                ids.append(record_id(existing["url"]))
        if posting.revision > 1 and collection == "bank_transaction_explanations":
            where = planned[0].bank_account or collection
            extra = len(planned)
            while (where, marker(posting.key, extra)) in found:  # lines it no longer has
                gone = found.pop((where, marker(posting.key, extra)))
                self.api.delete(collection, record_id(gone["url"]))
                extra += 1
        self._landed[posting.key] = (collection, ids, posting.revision)

    # -- attachments ----------------------------------------------------------------------

    def attach(self, key: str, document: Document) -> str:
        """The receipt goes inline (base64 ``data``) on the posting's first explanation or
        its bill, FreeAgent's one attachment per record; size and real type are checked
        first against FreeAgent's 5 MB and PNG, JPEG, GIF, PDF."""
        if self._attachment_limits is not None:
            content_type = checked_content_type(document, self._attachment_limits, "FreeAgent")
        else:
            content_type = document.content_type
        collection, singular, record = self._posted_record(key)
        name = attachment_name(document, content_type)
        held = self.api.get(f"{collection}/{record}")[singular].get("attachment") or {}
        if held.get("file_name") == name:
            return record_id(str(held["url"]))
        data = base64.b64encode(document.path.read_bytes()).decode()
        upload = {
            "data": data,
            "file_name": name,
            "content_type": FREEAGENT_TYPE.get(content_type, content_type),
            "description": f"Receipt for {key}"[:255],
        }
        updated = self.api.update(collection, singular, record, {"attachment": upload})
        stored = updated.get("attachment") or {}
        return record_id(str(stored["url"])) if stored.get("url") else f"{collection}/{record}"

    def _posted_record(self, key: str) -> tuple[str, str, str]:
        if key in self._landed:
            collection, ids, _ = self._landed[key]
            if collection == "bills":
                return "bills", "bill", ids[0]
            if collection == "bank_transaction_explanations":
                return collection, "bank_transaction_explanation", ids[0]
        since = (datetime.now(UTC) - ATTACH_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ")
        for bank in self._banks():
            params = {"bank_account": bank["url"], "updated_since": since}
            for item in self.api.get_all("bank_transaction_explanations", params):
                if marker_of(item.get("description")) == marker(key) and not item.get(
                    "transfer_bank_account"
                ):
                    return (
                        "bank_transaction_explanations",
                        "bank_transaction_explanation",
                        record_id(str(item["url"])),
                    )
        for bill in self.api.get_all("bills", {"view": "all", "updated_since": since}):
            if bill.get("reference") == key:
                return "bills", "bill", record_id(str(bill["url"]))
        raise ValidationConnectorError(
            f"Nothing is posted to FreeAgent under transaction {key} that can hold a receipt "
            "(FreeAgent attaches them to explanations and bills); sync it first."
        )
