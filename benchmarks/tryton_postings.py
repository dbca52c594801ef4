"""Tryton postings: the connector's ``post`` against raw JSON-RPC, same moves, same server.

Target: the connector posts card expenses at >= 90% of the rate of raw batched
JSON-RPC calls that create and post the same moves (``account.move.create`` of a batch,
then ``account.move.post`` of it: a move is only in the books once posted). The raw
create alone is printed too, for reference.

    .venv/bin/python -m benchmarks.tryton_postings [--postings 1000] [--repeat 3]

Builds the prepared Tryton database (about 25 s), starts trytond, then, in turn per
round, times the raw calls and the connector's ``post`` (which also asks the books which
keys they hold, and reads what it needs once per session) on the same number of
Payments (one expense line and the card line each), in batches of the manifest's
batch size, and prints the best rate of each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.tryton_server import build_sqlite_template, linked_session, running_tryton

from expense_sync.connectors.base import Posting, PostingLine
from expense_sync.connectors.tryton import TRYTON_MANIFEST
from expense_sync.connectors.tryton.client import TrytonClient

COMPANY = {"company": 1}


def _batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _raw_move(
    index: int, journal: int, period: int, expense: int, cash: int, today: dt.date
) -> dict[str, Any]:
    amount = Decimal("10.00") + index % 100
    return {
        "company": 1,
        "journal": journal,
        "period": period,
        "date": today,
        "description": f"raw {uuid.uuid4()}",
        "lines": [
            ["create", [
                {"account": expense, "debit": amount, "credit": Decimal(0)},
                {"account": cash, "debit": Decimal(0), "credit": amount},
            ]],
        ],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--postings", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    size = TRYTON_MANIFEST.batch_size
    today = dt.date.today()
    work = Path(tempfile.mkdtemp(prefix="es-tryton-postings-"))
    template = build_sqlite_template(work / "template")
    with running_tryton(template, work / "server") as server:
        raw = TrytonClient(server.url, server.database, "admin", "admin")

        def first(model: str, domain: list[Any]) -> int:
            return int(raw.call(model, "search", domain, 0, 1, None, context=COMPANY)[0])

        expense = first("account.account", [["type.expense", "=", True], ["name", "=", "Services"]])
        cash = first("account.account", [["name", "=", "Cash and Cash Equivalents"]])
        journal = first("account.journal", [["type", "=", "cash"]])
        period = first(
            "account.period",
            [["start_date", "<=", today], ["end_date", ">=", today], ["type", "=", "standard"]],
        )
        books = linked_session(server, work)
        create_rates, raw_rates, ours = [], [], []
        for _ in range(args.repeat):
            moves = [
                _raw_move(i, journal, period, expense, cash, today) for i in range(args.postings)
            ]
            started = time.perf_counter()
            created = [raw.call("account.move", "create", b, context=COMPANY)
                       for b in _batches(moves, size)]  # fmt: skip
            create_seconds = time.perf_counter() - started
            for ids in created:
                raw.call("account.move", "post", ids, context=COMPANY)
            raw_rates.append(args.postings / (time.perf_counter() - started))
            create_rates.append(args.postings / create_seconds)
            postings = [
                Posting(
                    key=str(uuid.uuid4()),
                    revision=1,
                    kind="expense",
                    type="Payment",
                    date=today,
                    currency="USD",
                    currency_rate=None,
                    lines=(PostingLine(str(expense), Decimal("10.00") + i % 100),),
                    counter_account=str(cash),
                )
                for i in range(args.postings)
            ]
            started = time.perf_counter()
            for batch in _batches(postings, size):
                books.post(batch)
            ours.append(args.postings / (time.perf_counter() - started))
    raw_best, ours_best = max(raw_rates), max(ours)
    print(f"postings per round         : {args.postings} in batches of {size} "
          f"(best of {args.repeat})")  # fmt: skip
    print(f"raw JSON-RPC create only   : {max(create_rates):8.0f} moves/s (drafts)")
    print(f"raw JSON-RPC create + post : {raw_best:8.0f} moves/s")
    print(f"connector post             : {ours_best:8.0f} moves/s")
    print(f"connector / raw            : {ours_best / raw_best:8.1%}   (target >= 90%)")


if __name__ == "__main__":
    main()
