"""Tryton batched writes: the connector against raw JSON-RPC, same records, same server.

Target (issue 3): the connector creates records at >= 90% of the rate of one raw
batched ``party.party.create`` JSON-RPC call for the same records.

    .venv/bin/python -m benchmarks.tryton_writes [--records 1000]

Builds the prepared Tryton database (about 25 s), starts trytond, then times, in turn,
a raw batched create and the connector's create (with its idempotency key and read-back)
of the same number of suppliers, and prints both rates.

"The same records" are what the connector leaves in Tryton: each supplier is a party in
the Supplier category with one ``party.identifier`` holding the write's idempotency key
(``expense-sync-key: <key>/<n>``), which is how a retried write finds what landed. The raw
call creates exactly those rows. A raw create of the bare parties (no identifier) is
printed too, for reference: the gap between the two raw figures is what Tryton itself
spends on the idempotency identifiers, the gap to the connector is the connector's own
cost (its key lookup, category lookup and read-back).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from tests.tryton_server import build_sqlite_template, linked_session, running_tryton

from expense_sync.connectors.tryton.client import TrytonClient
from expense_sync.connectors.tryton.parties import KEY_PREFIX


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="es-tryton-bench-"))
    template = build_sqlite_template(work / "template")
    with running_tryton(template, work / "server") as server:
        raw_client = TrytonClient(server.url, server.database, "admin", "admin")
        category = raw_client.call("party.category", "create", [{"name": "Supplier"}])[0]
        books = linked_session(server, work)
        raw_rates, bare_rates, ours = [], [], []
        for round_ in range(args.repeat):
            bare = [{"name": f"Bare {round_}-{i}", "categories": [["add", [category]]]}
                    for i in range(args.records)]  # fmt: skip
            started = time.perf_counter()
            raw_client.call("party.party", "create", bare)
            bare_rates.append(args.records / (time.perf_counter() - started))
            key = str(uuid.uuid4())
            same = [{"name": f"Raw {round_}-{i}", "categories": [["add", [category]]],
                     "identifiers": [["create", [{"code": f"{KEY_PREFIX}{key}/{i}"}]]]}
                    for i in range(args.records)]  # fmt: skip
            started = time.perf_counter()
            raw_client.call("party.party", "create", same)
            raw_rates.append(args.records / (time.perf_counter() - started))
            records = [{"supplierName": f"Ours {round_}-{i}"} for i in range(args.records)]
            started = time.perf_counter()
            books.create("suppliers", records, key=str(uuid.uuid4()))
            ours.append(args.records / (time.perf_counter() - started))
    raw_best, bare_best, ours_best = max(raw_rates), max(bare_rates), max(ours)
    print(f"records per batch             : {args.records} (best of {args.repeat})")
    print(f"raw create, bare parties      : {bare_best:8.0f} records/s  (reference)")
    print(f"raw create, the same records  : {raw_best:8.0f} records/s")
    print(f"connector create              : {ours_best:8.0f} records/s")
    print(f"connector / raw same records  : {ours_best / raw_best:8.1%}   (target >= 90%)")
    print(f"connector / raw bare parties  : {ours_best / bare_best:8.1%}")


if __name__ == "__main__":
    main()
