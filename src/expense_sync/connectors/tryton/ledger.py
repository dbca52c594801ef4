"""Posting to Tryton exactly once, with batched JSON-RPC calls.

Each JSON-RPC call is its own database transaction in trytond, so a batch is written in
steps that each leave the books in a state the next ``post`` understands:

1. **Ask** which keys the books hold (one search per model, on the marker).
2. **Clear** leftovers of an interrupted write: draft moves and invoices carrying a key
   (created, never posted) are deleted, to be written again.
3. **Create** every move in one ``create`` call and every invoice in another (each is
   all or nothing), then **post** them (one call per model). If posting is refused the
   drafts of this batch are deleted, so nothing is left behind; if invoices were posted
   and the moves then refused, those invoices are cancelled (Tryton keeps cancelled
   invoices, which ``post`` ignores).
4. **Replace**: only once the new revision is posted, the records of older revisions are
   undone the way Tryton does it: a move gets a posted reversing move (``origin`` = the
   move, marker ``…/reversal``), an invoice is cancelled. A key whose older revision is
   still standing is undone on every ``post`` that sees it, so a crash between 3 and 4
   is finished by the retry.

What one batch needs from the books (company currency, journals, periods, accounts'
party rule, taxes, employees' payable accounts, currencies and Tryton's rates for
transfers between foreign-currency accounts) is read once per session and kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from expense_sync.connectors.base import Posted, Posting, ValidationConnectorError
from expense_sync.connectors.tryton import posting as shape
from expense_sync.connectors.tryton.client import TrytonClient

MOVE, INVOICE = "account.move", "account.invoice"


@dataclass(frozen=True)
class Found:
    """A record carrying a key's marker."""

    model: str
    id: int
    key: str
    revision: int
    reversal: bool
    state: str
    origin: int | None = None  # for a reversal: the move it reverses

    @property
    def reference(self) -> str:
        return f"{self.model},{self.id}"


@dataclass
class KeyState:
    """What the books hold for one key."""

    current: list[Found]  # posted and not undone
    leftovers: list[Found]  # drafts of an interrupted write

    @property
    def revision(self) -> int:
        return max((f.revision for f in self.current), default=0)

    @property
    def latest(self) -> Found | None:
        return max(self.current, key=lambda f: (f.revision, f.id), default=None)


class TrytonLedger:
    def __init__(self, client: TrytonClient, company_id: int) -> None:
        self.client = client
        self.company_id = company_id
        self.context = {"company": company_id}
        self._chart: shape.Chart | None = None

    def _call(self, model: str, method: str, *args: Any) -> Any:
        return self.client.call(model, method, *args, context=self.context)

    # -- asking ----------------------------------------------------------------------------

    def states(self, keys: list[str], *, invoices: bool = True) -> dict[str, KeyState]:
        found: list[Found] = []
        if keys:
            found += self._marked(MOVE, "description", keys, ("origin",))
            if invoices:
                found += self._marked(INVOICE, "reference", keys)
        undone = {f.origin for f in found if f.reversal and f.state == "posted"}
        states = {key: KeyState([], []) for key in keys}
        for item in found:
            if item.key not in states:
                continue
            if item.reversal:  # a draft reversal is left over from an interrupted undo
                if item.state == "draft":
                    states[item.key].leftovers.append(item)
                continue
            if item.state in ("posted", "paid") and not (item.model == MOVE and item.id in undone):
                states[item.key].current.append(item)
            elif item.state in ("draft", "validated"):
                states[item.key].leftovers.append(item)
        return states

    def _marked(
        self, model: str, field_name: str, keys: list[str], extra: tuple[str, ...] = ()
    ) -> list[Found]:
        """The records of ``model`` whose ``field_name`` carries a marker of ``keys``."""
        rows = self._call(
            model,
            "search_read",
            shape.key_domain(field_name, keys),
            0,
            None,
            None,
            [field_name, "state", *extra],
        )
        return [self._found(model, row, row[field_name]) for row in rows]

    def _found(self, model: str, row: dict[str, Any], text: str) -> Found:
        key, revision, reversal = shape.parse_marker(text) or ("", 0, False)
        origin = row.get("origin") or ""
        origin_id = int(origin.split(",")[1]) if origin.startswith(f"{MOVE},") else None
        return Found(model, row["id"], key, revision, reversal, row["state"], origin_id)

    # -- writing ---------------------------------------------------------------------------

    def post(self, postings: list[Posting]) -> list[Posted]:
        invoices = any(p.kind == "reimbursable" for p in postings)
        states = self.states([p.key for p in postings], invoices=invoices)
        to_write = [p for p in postings if states[p.key].revision < p.revision]
        self._clear([f for p in postings for f in states[p.key].leftovers])
        written = self._write(to_write) if to_write else {}
        self._undo(
            [
                found
                for item in postings
                for found in states[item.key].current
                if found.revision < max(item.revision, states[item.key].revision)
            ]
        )
        landed = []
        for item in postings:
            if item.key in written:
                landed.append(Posted(item.key, written[item.key], item.revision))
            else:
                latest = states[item.key].latest
                assert latest is not None  # not written only if a posted record is there
                landed.append(Posted(item.key, latest.reference, latest.revision))
        return landed

    def _write(self, postings: list[Posting]) -> dict[str, str]:
        chart = self.chart(postings)
        moves = [p for p in postings if p.kind != "reimbursable"]
        claims = [p for p in postings if p.kind == "reimbursable"]
        move_values = [shape.move_values(p, chart) for p in moves]
        invoice_values = [shape.invoice_values(p, chart) for p in claims]
        move_ids = list(self._call(MOVE, "create", move_values)) if moves else []
        try:
            invoice_ids = list(self._call(INVOICE, "create", invoice_values)) if claims else []
        except ValidationConnectorError:
            self._delete(MOVE, move_ids)
            raise
        try:
            if invoice_ids:
                self._call(INVOICE, "post", invoice_ids)
        except ValidationConnectorError:
            self._delete(MOVE, move_ids)
            self._delete(INVOICE, invoice_ids)
            raise
        try:
            if move_ids:
                self._call(MOVE, "post", move_ids)
        except ValidationConnectorError:
            self._delete(MOVE, move_ids)
            if invoice_ids:
                self._call(INVOICE, "cancel", invoice_ids)
            raise
        self._track_invoices(claims, invoice_ids)
        written = {p.key: f"{MOVE},{i}" for p, i in zip(moves, move_ids, strict=True)}
        written |= {p.key: f"{INVOICE},{i}" for p, i in zip(claims, invoice_ids, strict=True)}
        return written

    def _delete(self, model: str, ids: list[int]) -> None:
        if ids:
            self._call(model, "delete", ids)

    def _clear(self, leftovers: list[Found]) -> None:
        """Delete drafts of an interrupted write; cancel validated invoices (numbered)."""
        self._delete(MOVE, [f.id for f in leftovers if f.model == MOVE])
        drafts = [f.id for f in leftovers if f.model == INVOICE and f.state == "draft"]
        self._delete(INVOICE, drafts)
        validated = [f.id for f in leftovers if f.model == INVOICE and f.state == "validated"]
        if validated:
            self._call(INVOICE, "cancel", validated)

    def _undo(self, stale: list[Found]) -> None:
        """Undo records of replaced revisions: reverse moves, cancel invoices."""
        invoices = sorted({f.id for f in stale if f.model == INVOICE})
        if invoices:
            self._call(INVOICE, "cancel", invoices)
        moves = {f.id: f for f in stale if f.model == MOVE}
        if not moves:
            return
        read = self._call(
            MOVE, "read", sorted(moves), ["company", "journal", "period", "date", "lines"]
        )
        line_ids = [line for move in read for line in move["lines"]]
        line_fields = ["account", "debit", "credit", "party", "description", "second_currency",
                       "amount_second_currency", "analytic_lines", "tax_lines"]  # fmt: skip
        rows = self._call("account.move.line", "read", line_ids, line_fields)
        lines = {row["id"]: row for row in rows}
        analytic = self._related("analytic_account.line", lines, "analytic_lines",
                                 ["account", "debit", "credit", "date"])  # fmt: skip
        taxes = self._related("account.tax.line", lines, "tax_lines", ["type", "tax", "amount"])
        values = []
        for move in read:
            move["lines"] = [lines[i] for i in move["lines"]]
            undone = moves[move["id"]]
            reversal = shape.reversal_values(move, undone.key, undone.revision)
            for line, line_values in zip(move["lines"], reversal["lines"][0][1], strict=True):
                if line["analytic_lines"]:
                    line_values["analytic_lines"] = [["create", [
                        {"account": a["account"], "debit": a["credit"], "credit": a["debit"],
                         "date": a["date"]}
                        for a in (analytic[i] for i in line["analytic_lines"])
                    ]]]  # fmt: skip
                if line["tax_lines"]:
                    line_values["tax_lines"] = [["create", [
                        {"type": t["type"], "tax": t["tax"], "amount": -t["amount"]}
                        for t in (taxes[i] for i in line["tax_lines"])
                    ]]]  # fmt: skip
            values.append(reversal)
        self._call(MOVE, "post", list(self._call(MOVE, "create", values)))

    def _related(
        self, model: str, lines: dict[int, dict[str, Any]], name: str, fields: list[str]
    ) -> dict[int, dict[str, Any]]:
        ids = [i for line in lines.values() for i in line[name]]
        return {row["id"]: row for row in self._call(model, "read", ids, fields)} if ids else {}

    def _track_invoices(self, claims: list[Posting], invoice_ids: list[int]) -> None:
        """Analytic lines on the posted invoices' expense lines, one per tracking ref."""
        wanted = {
            invoice: posting
            for posting, invoice in zip(claims, invoice_ids, strict=True)
            if any(line.tracking for line in posting.lines)
        }
        if not wanted:
            return
        invoices = self._call(INVOICE, "read", sorted(wanted), ["lines"])
        by_line = {}
        for invoice in invoices:
            for line_id, line in zip(invoice["lines"], wanted[invoice["id"]].lines, strict=True):
                by_line[f"account.invoice.line,{line_id}"] = line
        rows = self._call(
            "account.move.line",
            "search_read",
            [["origin", "in", sorted(by_line)]],
            0,
            None,
            None,
            ["origin", "debit", "credit", "date"],
        )
        created = []
        for row in rows:
            line = by_line[row["origin"]]
            amount = row["debit"] - row["credit"]
            for kind, ref in line.tracking:
                if kind == "trackingCategories":
                    values = shape.analytic_line(int(ref), amount, row["date"])
                    created.append(values | {"move_line": row["id"]})
        if created:
            self._call("analytic_account.line", "create", created)

    # -- the books a batch needs -----------------------------------------------------------

    def chart(self, postings: list[Posting]) -> shape.Chart:
        if self._chart is None:
            self._chart = self._read_chart()
        chart = self._chart
        accounts = {
            int(ref)
            for p in postings
            for ref in [p.counter_account or "", *(line.account for line in p.lines)]
            if ref.isdigit()
        } - chart.party_required.keys()
        if accounts:
            rows = self._call("account.account", "read", sorted(accounts), ["party_required"])
            chart.party_required.update({row["id"]: bool(row["party_required"]) for row in rows})
        taxes = {
            int(line.tax_rate)
            for p in postings
            for line in p.lines
            if line.tax and line.tax_rate and line.tax_rate.isdigit()
        } - chart.taxes.keys()
        if taxes:
            rows = self._call(
                "account.tax",
                "search_read",
                [["id", "in", sorted(taxes)]],
                0,
                None,
                None,
                ["name", "invoice_account", "credit_note_account"],
            )
            chart.taxes.update(
                {r["id"]: (r["name"], r["invoice_account"], r["credit_note_account"]) for r in rows}
            )
        parties = {
            int(p.contact)
            for p in postings
            if p.kind == "reimbursable" and p.contact and p.contact.isdigit()
        } - chart.payables.keys()
        if parties:
            # A party's own payable account, else the company's default (as Tryton does).
            rows = self._call(
                "party.party", "read", sorted(parties), ["account_payable", "addresses"]
            )
            (config,) = self._call("account.configuration", "read", [1],
                                   ["default_account_payable"])  # fmt: skip
            default = config["default_account_payable"]
            chart.payables.update({row["id"]: row["account_payable"] or default for row in rows})
            # An invoice needs an address; Tryton's own form gives a new party an empty one.
            bare = [{"party": row["id"]} for row in rows if not row["addresses"]]
            created = iter(self._call("party.address", "create", bare) if bare else [])
            chart.addresses.update(
                {row["id"]: row["addresses"][0] if row["addresses"] else next(created)
                 for row in rows}
            )  # fmt: skip
        codes = {
            code for p in postings for code in (p.currency, *(line.currency for line in p.lines))
            if code
        } - chart.currencies.keys()  # fmt: skip
        if codes:
            rows = self._call(
                "currency.currency", "search_read", [["code", "in", sorted(codes)]],
                0, None, None, ["code"],
            )  # fmt: skip
            chart.currencies.update({row["code"]: row["id"] for row in rows})
        self._read_rates(postings, chart)
        return chart

    def _read_rates(self, postings: list[Posting], chart: shape.Chart) -> None:
        """Tryton's rate, on its date, of the ``to`` currency of each transfer with no side
        in the company's currency (``shape._transfer_amounts``): ``currency.currency``'s
        own ``compute`` of one unit, unrounded, in the date's context."""
        for p in postings:
            if p.kind != "transfer":
                continue
            currencies = shape.transfer_currencies(p, chart)
            wanted = (currencies[1], p.date)
            if chart.currency_code in currencies or wanted in chart.rates:
                continue
            if currencies[1] not in chart.currencies:
                continue  # refused by name when the move is built
            try:
                rate = self.client.call(
                    "currency.currency", "compute",
                    chart.currencies[currencies[1]], Decimal(1), chart.currency, False,
                    context={**self.context, "date": p.date},
                )  # fmt: skip
            except ValidationConnectorError:
                continue  # no rate on that date: refused by name when the move is built
            chart.rates[wanted] = Decimal(rate)

    def _read_chart(self) -> shape.Chart:
        (company,) = self._call(
            "company.company",
            "read",
            [self.company_id],
            ["currency", "currency.code", "currency.rounding"],
        )
        journals = self._call(
            "account.journal", "search_read", [], 0, None, [["id", "ASC"]], ["type"]
        )
        periods = self._call(
            "account.period",
            "search_read",
            [["fiscalyear.company", "=", self.company_id], ["type", "=", "standard"]],
            0,
            None,
            [["start_date", "ASC"]],
            ["start_date", "end_date"],
        )
        code = str(company["currency."]["code"])
        rounding = Decimal(company["currency."]["rounding"])
        return shape.Chart(
            company=self.company_id,
            currency=int(company["currency"]),
            currency_code=code,
            quantum=rounding if rounding > 0 else Decimal("0.01"),
            currencies={code: int(company["currency"])},
            journals={
                row["type"]: row["id"]
                for row in reversed(journals)  # the first of each type wins
            },
            periods=[(_date(r["start_date"]), _date(r["end_date"]), r["id"]) for r in periods],
            party_required={},
            taxes={},
        )

    # -- finding ---------------------------------------------------------------------------

    def reference(self, key: str) -> str | None:
        """Where the current revision of ``key`` is posted, if anywhere."""
        latest = self.states([key])[key].latest
        return latest.reference if latest else None


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
