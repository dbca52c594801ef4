"""``expense-sync demo``: the whole flow, driven through the Python SDK as a card platform
would drive it, with progress on the terminal.

It creates a company, links it to a new Beancount ledger, reads the ledger's accounts,
adds the employees as suppliers, sets the card account, sends a month of spend (in the
API's batches of 50), waits for every sync, uploads the receipts, and reports each
sync's outcome and where the ledger is.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from expense_sync.client import ExpenseSync, Upload
from expense_sync.demo.month import CARD, EMPLOYEES, Month, month_of_spend

BATCH = 50


@dataclass(frozen=True)
class SyncReport:
    what: str
    sync_id: str
    code: int
    status: str
    completed: int
    failed: list[str]


@dataclass(frozen=True)
class DemoReport:
    company_id: str
    ledger: Path
    syncs: list[SyncReport]
    receipts: int


def receipt_pdf(transaction_id: str) -> bytes:
    """A small but well-formed one-page PDF standing in for a receipt photo."""
    text = f"Receipt for {transaction_id}"
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out + trailer.encode()


def run_demo(sdk: ExpenseSync, console: Console, *, payments: int = 120) -> DemoReport:
    today = dt.date.today()
    first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # last month
    month = month_of_spend(first, payments=payments)
    with Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        setup = progress.add_task("Setting up the company's books", total=5)
        company = sdk.companies.create(
            request={"name": f"Northwind Cards demo ({first:%B %Y})", "description": "demo"}
        )
        connection = sdk.connections.create(company_id=company.id, request={"platform_key": "bean"})
        linked = sdk.connections.update_authorization(
            company_id=company.id, connection_id=connection.id, request={}
        )
        ledger = Path(str((linked.connection_info or {})["ledgerPath"]))
        progress.advance(setup)
        sdk.manage_data.refresh_all_data_types(company_id=company.id)
        _until(lambda: _pulls_done(sdk, company.id))
        progress.advance(setup)
        employees = _add_employees(sdk, company.id, connection.id)
        progress.advance(setup)
        sdk.manage_data.refresh_data_type(company_id=company.id, data_type="suppliers")
        _until(lambda: _pulls_done(sdk, company.id))
        progress.advance(setup)
        sdk.configuration.set(
            company_id=company.id,
            request={"bank_account": {"id": CARD}, "supplier": {}, "customer": {}},
        )
        progress.advance(setup)

        sending = progress.add_task("Sending the month's transactions", total=month.total)
        started = _send(sdk, company.id, month, employees, lambda n: progress.advance(sending, n))
        syncing = progress.add_task("Syncing to the ledger", total=month.total)
        reports = []
        for what, sync_id, ids in started:
            outcome = sdk.wait_for_sync(company.id, sync_id, timeout=600)
            progress.advance(syncing, len(ids))
            reports.append(
                SyncReport(
                    what,
                    sync_id,
                    outcome.status.sync_status_code,
                    outcome.status.sync_status,
                    len(outcome.completed),
                    [f"{t.transaction_id}: {t.message}" for t in outcome.failed],
                )
            )
        uploading = progress.add_task("Uploading receipts", total=len(month.receipts))
        where = {t: sync_id for _, sync_id, ids in started for t in ids}
        for transaction_id in month.receipts:
            sdk.attachments.upload(
                company_id=company.id,
                sync_id=where[transaction_id],
                transaction_id=transaction_id,
                request=Upload(
                    receipt_pdf(transaction_id),
                    filename=f"receipt-{transaction_id[:8]}.pdf",
                    content_type="application/pdf",
                ),
            )
            progress.advance(uploading)
        _until(lambda: ledger.read_text().count("expense-sync-attachment") >= len(month.receipts))
    return DemoReport(company.id, ledger, reports, len(month.receipts))


def _until(done: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the server did not finish in time")
        time.sleep(0.2)


def _pulls_done(sdk: ExpenseSync, company_id: str) -> bool:
    return all(p.is_completed for p in sdk.manage_data.list_pull_operations(company_id=company_id))


def _add_employees(sdk: ExpenseSync, company_id: str, connection_id: str) -> dict[str, str]:
    """Each employee as a supplier of the books (a reimbursable is owed to them)."""
    ids = {}
    for name in EMPLOYEES:
        pushed = sdk.suppliers.create(
            company_id=company_id,
            connection_id=connection_id,
            request={"supplierName": name, "status": "Active"},
        )
        key = pushed.push_operation_key
        _until(lambda k=key: sdk.push_operations.get(
            company_id=company_id, push_operation_key=k
        ).status != "Pending")  # fmt: skip
        done = sdk.push_operations.get(company_id=company_id, push_operation_key=key)
        ids[name] = str((done.data or {})["id"])
    return ids


def _send(
    sdk: ExpenseSync,
    company_id: str,
    month: Month,
    employees: dict[str, str],
    advance: Any,
) -> list[tuple[str, str, list[str]]]:
    """Send everything; return (what, sync id, transaction ids) per sync."""
    started = []
    for start in range(0, len(month.expenses), BATCH):
        batch = month.expenses[start : start + BATCH]
        created = sdk.expenses.create(company_id=company_id, request=batch)
        what = f"card transactions {start + 1}-{start + len(batch)}"
        started.append((what, created.sync_id, [e["id"] for e in batch]))
    claims = [
        c | {"contactRef": {"id": employees[c["contactRef"]["id"]]}} for c in month.reimbursables
    ]
    created = sdk.reimbursements.create(company_id=company_id, request=claims)
    started.append(("expense claims", created.sync_id, [c["id"] for c in claims]))
    for transaction_id, body in month.transfers:
        created = sdk.transfers.create(
            company_id=company_id, transaction_id=transaction_id, request=body
        )
        started.append(("card bill (transfer)", created.sync_id, [transaction_id]))
    created = sdk.adjustments.create(company_id=company_id, request=month.adjustments)
    ids = [a["id"] for a in month.adjustments]
    started.append(("fee correction (adjustment)", created.sync_id, ids))
    for _, _, sent in started:
        advance(len(sent))
    return started


def print_report(report: DemoReport, console: Console) -> None:
    table = Table(title="Syncs", title_justify="left")
    for column in ("what", "sync id", "code", "status", "posted", "failed"):
        table.add_column(column)
    for sync in report.syncs:
        style = "green" if not sync.failed else "red"
        table.add_row(
            sync.what, sync.sync_id, str(sync.code), sync.status, str(sync.completed),
            str(len(sync.failed)), style=style,
        )  # fmt: skip
    console.print(table)
    for sync in report.syncs:
        for failure in sync.failed:
            console.print(f"[red]failed[/] {failure}")
    posted = sum(s.completed for s in report.syncs)
    console.print(
        f"\n{posted} transactions posted and {report.receipts} receipts attached for company "
        f"{report.company_id}."
    )
    console.print(f"Ledger: [bold]{report.ledger}[/]")
    console.print(
        f"Browse it with fava:  uvx fava {report.ledger}   "
        f"(or: .venv/bin/pip install fava && .venv/bin/fava {report.ledger})",
        soft_wrap=True,
        highlight=False,
    )
