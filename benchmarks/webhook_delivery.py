"""Webhook events: what writing one costs a sync, and how fast the worker delivers them.

    .venv/bin/python -m benchmarks.webhook_delivery [--events 1000] [--consumers 3]
        [--threads 2] [--database-url URL]

**Writing**: ``publish`` of one event (the outbox row and one delivery per consumer, each
consumer subscribed) in a transaction of its own, as a sync's close does, timed over
``--events`` transactions on SQLite in a temporary data directory (or
``--database-url``), the worker already delivering. Printed per event.

**Delivering**: the embedded worker (``--threads`` actor threads) then sends every
delivery, signed, over real HTTP to a receiver on 127.0.0.1 that answers 200 at once;
timed from the first commit until every delivery is ``Delivered``. Printed as deliveries
a second, and the latency from an event's commit to its receipt (median and p95).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.services.clients import ensure_client
from expense_sync.services.webhook_events import publish
from expense_sync.services.webhooks import ConsumerSpec, create_consumer
from expense_sync.storage.migrate import upgrade
from expense_sync.storage.models import WebhookDelivery
from expense_sync.storage.uow import UnitOfWork

EVENT = "expenses.sync.successful"


def receiver() -> tuple[ThreadingHTTPServer, list[tuple[str, float]]]:
    arrivals: list[tuple[str, float]] = []  # (webhook-id, when)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            arrivals.append((self.headers["webhook-id"], time.perf_counter()))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, arrivals


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--consumers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    server, arrivals = receiver()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            database_url=args.database_url,
            secret_key=base64.urlsafe_b64encode(b"0" * 32).decode(),
        )
        runtime = Runtime.from_settings(settings)
        upgrade(runtime.engine)
        with UnitOfWork(runtime.session_factory) as uow:
            client_id = ensure_client(uow.session, "bench").id
            for _ in range(args.consumers):
                spec = ConsumerSpec(url=url, event_types=[EVENT])
                create_consumer(uow.session, client_id, spec, runtime.secrets)
            uow.commit()

        runtime.executor.start_worker(args.threads)
        committed: dict[str, float] = {}
        payload = {"syncId": "bench", "transactions": [{"id": "t", "status": "Completed"}]}
        started = time.perf_counter()
        for _ in range(args.events):
            with UnitOfWork(runtime.session_factory) as uow:
                event = publish(uow.session, client_id, EVENT, payload, datetime.now(UTC))
                uow.commit()
            committed[str(event.id)] = time.perf_counter()
        written = (time.perf_counter() - started) / args.events
        total = args.events * args.consumers
        while _delivered(runtime) < total:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        runtime.stop()
    server.shutdown()
    latencies = sorted(when - committed[event_id] for event_id, when in arrivals)
    print(f"database: {settings.resolved_database_url.split(':', 1)[0]}")
    print(f"write: {written * 1000:.2f} ms per event and its {args.consumers} deliveries")
    print(
        f"deliver: {total} deliveries in {elapsed:.2f} s = {total / elapsed:.0f}/s "
        f"with {args.threads} threads; receipt after commit: median "
        f"{statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms"
    )


def _delivered(runtime: Runtime) -> int:
    with UnitOfWork(runtime.session_factory) as uow:
        statement = select(func.count()).where(WebhookDelivery.status == "Delivered")
        return int(uow.session.scalar(statement) or 0)


if __name__ == "__main__":
    main()
