"""Sync Health at scale: the history page, ``GET /syncs`` and the overview with 1,000,000
syncs across 10,000 companies on PostgreSQL.

Target (issue 16): the history page and ``GET /syncs`` with a search and a status filter
answer in p95 <= 300 ms, the overview in <= 500 ms, using indexes (no full scans of the
syncs), with the query plans shown.

    .venv/bin/python -m benchmarks.dashboard [--syncs 1000000] [--companies 10000]
        [--runs 30] [--keep] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

How it is measured, and why:

- **Data**: a scratch database built by the migrations, then filled with SQL
  ``generate_series`` (not the API: a million syncs through intake would take hours and
  measure intake). The benchmark client owns ``--companies`` companies, each with one
  linked connection (Beancount or Tryton); another client owns 1% more companies, whose
  syncs share the tables. Syncs are spread evenly over the last 365 days, newest ~20 still
  running; 80% end 2000, 8% 5130, 5% 5120, 3% 4000, 2% 2040, 2% 4220. Every sync except
  the 2040s has one transaction and one sync item (USD, EUR or GBP). The overview's day
  totals are then rebuilt from them as migration 0009 does (a running server adds each
  sync as it finishes). ``VACUUM ANALYZE`` runs before timing.
- **Timed**: each request through the real application in this process (routing,
  sign-in cookie, the read model, Jinja rendering, JSON), with FastAPI's TestClient, so
  the figure is the server's time without the network. Each case runs once to warm up,
  then ``--runs`` times; p50 and p95 are printed.
- **Plans**: every SQL statement one request of each case sends is captured and run
  again under ``EXPLAIN (ANALYZE, BUFFERS)``; the plans are printed, and any sequential
  scan of ``syncs``, ``sync_items`` or ``expense_transactions`` is reported.
"""

from __future__ import annotations

import argparse
import base64
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.services.clients import create_api_key
from expense_sync.services.sync_totals import rebuild
from expense_sync.storage.migrate import upgrade
from expense_sync.storage.uow import UnitOfWork

BIG_TABLES = ("syncs", "sync_items", "expense_transactions")
FILL = [
    """INSERT INTO clients (id, name, created) VALUES
       ('00000000-0000-0000-0000-00000000000a', 'bench', now()),
       ('00000000-0000-0000-0000-00000000000b', 'other', now())""",
    # The benchmark client's companies, then the other client's (1% more).
    """INSERT INTO companies (id, client_id, name, created, products)
       SELECT md5('company' || g)::uuid,
              CASE WHEN g <= :companies THEN '00000000-0000-0000-0000-00000000000a'::uuid
                   ELSE '00000000-0000-0000-0000-00000000000b'::uuid END,
              'Company ' || lpad(g::text, 5, '0') || ' Ltd', now() - interval '400 days',
              '["expenses"]'
       FROM generate_series(1, :companies + :companies / 100) g""",
    """INSERT INTO connections (id, company_id, platform_key, status, created)
       SELECT md5('connection' || g)::uuid, md5('company' || g)::uuid,
              CASE WHEN g % 2 = 0 THEN 'bean' ELSE 'tryt' END, 'Linked',
              now() - interval '400 days'
       FROM generate_series(1, :companies + :companies / 100) g""",
    """INSERT INTO syncs (id, company_id, status_code, error_message, data_pushed, requested,
                          started, completed, attempts)
       SELECT md5('sync' || g)::uuid,
              md5('company' || (1 + g % (:companies + :companies / 100)))::uuid,
              code, CASE WHEN code >= 4000 THEN '1 of 1 transaction(s) were not posted' END,
              code = 2000, at, at + interval '1 second',
              CASE WHEN g > 20 THEN at + interval '1 second' + random() * interval '20 seconds'
              END, 1
       FROM (SELECT g, now() - g * (interval '365 days' / :syncs) AS at,
                    CASE WHEN g <= 20 THEN 1000
                         WHEN r < 0.80 THEN 2000 WHEN r < 0.88 THEN 5130
                         WHEN r < 0.93 THEN 5120 WHEN r < 0.96 THEN 4000
                         WHEN r < 0.98 THEN 2040 ELSE 4220 END AS code
             FROM (SELECT g, random() AS r FROM generate_series(1, :syncs) g) numbered
       ) generated""",
    """INSERT INTO expense_transactions (id, company_id, transaction_id, kind, body, revision,
                                         status, created, modified, currency, total_e4)
       SELECT md5('transaction' || id::text)::uuid, company_id, id::text, 'expense', '{}',
              1, CASE status_code WHEN 2000 THEN 'Completed' WHEN 1000 THEN 'Pending'
                                  WHEN 5130 THEN 'PushError' ELSE 'ValidationError' END,
              requested, requested, (ARRAY['USD', 'EUR', 'GBP'])[1 + abs(hashtext(id::text)) % 3],
              abs(hashtext(id::text)) % 10000000
       FROM syncs WHERE status_code <> 2040""",
    """INSERT INTO sync_items (sync_id, transaction_row_id, position, revision, status, message)
       SELECT id, md5('transaction' || id::text)::uuid, 0, 1,
              CASE status_code WHEN 2000 THEN 'Completed' WHEN 1000 THEN 'Pending'
                               WHEN 5130 THEN 'PushError' ELSE 'ValidationError' END,
              CASE WHEN status_code >= 4000 THEN 'The books refused it' END
       FROM syncs WHERE status_code <> 2040""",
]


@contextmanager
def scratch_database(server_url: str, keep: bool) -> Iterator[str]:
    name = f"es_bench_dashboard_{uuid.uuid4().hex[:8]}"
    admin: Engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fill(engine: Engine, syncs: int, companies: int) -> None:
    started = time.perf_counter()
    with engine.begin() as connection:
        for statement in FILL:
            connection.execute(text(statement), {"syncs": syncs, "companies": companies})
        rebuild(connection)  # the overview's day totals, as the migration builds them
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    with engine.connect() as connection:
        counts = {
            table: connection.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("companies", *BIG_TABLES)
        }
    print(f"filled in {time.perf_counter() - started:.0f} s: {counts}")


class Statements:
    """The SQL statements (with parameters) the application sends while recording."""

    def __init__(self, engine: Engine) -> None:
        self.recording = False
        self.seen: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.recording and statement.lstrip().upper().startswith("SELECT"):
            self.seen.append((statement, params))

    @contextmanager
    def capture(self) -> Iterator[list[tuple[str, Any]]]:
        self.seen, self.recording = [], True
        try:
            yield self.seen
        finally:
            self.recording = False


def sign_in(client: TestClient, key: str) -> None:
    form = client.get("/dashboard/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    signed = client.post(
        "/dashboard/sign-in",
        data={"api_key": key, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


def time_case(client: TestClient, path: str, headers: dict[str, str], runs: int) -> list[float]:
    response = client.get(path, headers=headers)  # warm-up
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return timings


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def explain(engine: Engine, statements: list[tuple[str, Any]]) -> list[str]:
    """Each statement's plan, run again under EXPLAIN ANALYZE; and the full scans found."""
    scans = []
    with engine.connect() as connection:
        for statement, params in statements:
            rows = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params
            )
            plan = "\n".join(row[0] for row in rows)
            print("    " + statement.replace("\n", " ")[:300])
            print("\n".join("      " + line for line in plan.splitlines()))
            scans += [t for t in BIG_TABLES if f"Seq Scan on {t} " in plan + " "]
    return scans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server on which a scratch database is made",
    )
    parser.add_argument("--syncs", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as work,
        scratch_database(args.database_url, args.keep) as url,
    ):
        settings = Settings(
            data_dir=Path(work),
            database_url=url,
            secret_key=base64.urlsafe_b64encode(b"b" * 32).decode(),
        )
        runtime = Runtime.from_settings(settings)
        upgrade(runtime.engine)
        fill(runtime.engine, args.syncs, args.companies)
        with UnitOfWork(runtime.session_factory) as uow:
            key = create_api_key(
                uow.session, uuid.UUID("00000000-0000-0000-0000-00000000000a"), "bench"
            ).plaintext
            uow.commit()
        auth = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
        statements = Statements(runtime.engine)
        # Not entered as a context manager: no lifespan, so no embedded worker picks up
        # the syncs left running.
        client = TestClient(create_app(runtime=runtime))
        sign_in(client, key)
        with runtime.engine.connect() as connection:
            one_sync = str(
                connection.scalar(text("SELECT id FROM syncs WHERE status_code = 5130 LIMIT 1"))
            )
        name_search = "q=Company+0042&status=5130"
        query = "companyName~Company%200042%26%26syncStatusCode%3D5130"
        cases: list[tuple[str, str, dict[str, str], int | None]] = [
            ("history: company name search + status 5130", f"/dashboard/syncs?{name_search}",
             {}, 300),
            ("GET /syncs: companyName~ + syncStatusCode=5130", f"/syncs?query={query}", auth, 300),
            ("history: status 5130 only (all companies)", "/dashboard/syncs?status=5130", {},
             None),
            ("GET /syncs: syncStatusCode=5130 only",
             "/syncs?query=syncStatusCode%3D5130&pageSize=25", auth, None),
            ("history: sync id search", f"/dashboard/syncs?q={one_sync}", {}, 300),
            ("history: no filter (newest first, counts all)", "/dashboard/syncs", {}, None),
            ("sync details", f"/dashboard/syncs/{one_sync}", {}, None),
            ("overview: last 30 days", "/dashboard?days=30", {}, 500),
            ("overview: last 7 days", "/dashboard?days=7", {}, 500),
        ]  # fmt: skip
        results = []
        for name, path, headers, target in cases:
            timings = time_case(client, path, headers, args.runs)
            results.append((name, statistics.median(timings), p95(timings), target))
            print(f"{name:52} p50 {statistics.median(timings):7.1f} ms  p95 {p95(timings):7.1f} ms")
        print("\nQuery plans (EXPLAIN ANALYZE of the statements each request sent):")
        full_scans: dict[str, list[str]] = {}
        for name, path, headers, _ in cases:
            print(f"\n== {name}: GET {path}")
            with statements.capture() as seen:
                client.get(path, headers=headers)
            # The session's key and client look-ups are primary-key reads; skip them.
            wanted = [s for s in seen if " FROM sync" in s[0].replace("\n", " ")]
            full_scans[name] = explain(runtime.engine, wanted)
        print(f"\n{args.syncs:,} syncs, {args.companies:,} companies, {args.runs} runs each")
        print(f"{'case':52} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}  verdict")
        for name, median, high, target in results:
            verdict = "-" if target is None else ("ok" if high <= target else "MISSED")
            scans = ", ".join(full_scans[name]) or "no full scans"
            shown = "" if target is None else f"{target:8}"
            print(f"{name:52} {median:8.1f} {high:8.1f} {shown:>8}  {verdict}; {scans}")
        runtime.engine.dispose()


if __name__ == "__main__":
    main()
