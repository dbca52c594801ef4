"""A real trytond for tests: a prepared database built once per run, restored per test.

The template is built with trytond's own tools: ``trytond-admin`` creates the database
with the account, invoice and analytic modules; proteus and the account modules' test
helpers add a company ("Dunder Mifflin", USD), a fiscal year with its periods and
invoice sequences, the Universal chart of accounts (with default payable and receivable
accounts), a 10% tax ("Tax 0.10", posting to the chart's tax account), the EUR currency
and an analytic root "Departments" with the accounts "Sales" and "Engineering" (what
postings use). It is built on either of trytond's databases:

- SQLite: a file; each test gets a copy of it;
- PostgreSQL: a database on the local server; each test gets
  ``CREATE DATABASE <its own> TEMPLATE <template>``, a file-level copy that takes well
  under a second, and it is dropped after the test.

Each test runs its own ``trytond -c <conf> -d <db>`` on a free port; JSON-RPC is at
``http://127.0.0.1:<port>/<db>/rpc/``. Admin login: ``admin`` / ``admin``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from expense_sync.connectors.base import Authorization, LinkContext, LinkedBooks
from expense_sync.connectors.tryton import TrytonConnector
from expense_sync.connectors.tryton.session import TrytonSession
from tests.e2e.server import free_port, started, wait_until_ready
from tests.services import POSTGRES_ADMIN_URL, temporary_postgres_database

BIN = Path(sys.executable).parent
DATABASE = "books"
LOGIN = {"id": 0, "method": "common.db.login", "params": ["admin", {"password": "admin"}, "en"]}
SETUP = """
import datetime as dt, sys
from decimal import Decimal
from proteus import Model, config
from trytond.modules.company.tests.tools import create_company, get_company
from trytond.modules.account.tests.tools import create_fiscalyear, create_chart, create_tax
from trytond.modules.account_invoice.tests.tools import set_fiscalyear_invoice_sequences
from trytond.modules.currency.tests.tools import get_currency
config.set_trytond(sys.argv[2], config_file=sys.argv[1])
create_company()
company = get_company()
year = set_fiscalyear_invoice_sequences(create_fiscalyear(company, today=dt.date.today()))
year.click("create_period")
create_chart(company)
create_tax(Decimal("0.10")).save()
get_currency("EUR")
Analytic = Model.get("analytic_account.account")
root = Analytic(name="Departments", type="root")
root.save()
for name in ("Sales", "Engineering"):
    Analytic(name=name, type="normal", root=root, parent=root).save()
"""


@dataclass(frozen=True)
class TrytonServer:
    url: str
    database: str
    fields: dict[str, str]


@dataclass(frozen=True)
class Template:
    """A prepared Tryton database: a SQLite file, or a PostgreSQL template database."""

    backend: str
    location: str


def _postgres_server() -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0]


def _config(directory: Path, backend: str, port: int = 0) -> Path:
    if backend == "sqlite":
        database = f"uri = sqlite://\npath = {directory}\n"
    else:  # the server of POSTGRES_ADMIN_URL, any database on it
        database = f"uri = {_postgres_server()}/\n"
    conf = directory / "trytond.conf"
    conf.write_text(
        f"[database]\n{database}"
        f"[web]\nlisten = 127.0.0.1:{port or 8000}\n"
        "[session]\nmax_attempt = 1000\n"
    )
    return conf


def _prepare(directory: Path, backend: str, database: str) -> None:
    conf = _config(directory, backend)
    password = directory / "password"
    password.write_text("admin\n")
    _run(
        [str(BIN / "trytond-admin"), "-c", str(conf), "-d", database, "--all",
         "-u", "account_invoice", "analytic_account", "--activate-dependencies",
         "--email", "admin@example.test", "-p"],
        {"TRYTONPASSFILE": str(password), "PATH": str(BIN)},
    )  # fmt: skip
    # proteus takes a database URI; a bare name means trytond's SQLite backend.
    uri = database if backend == "sqlite" else f"{_postgres_server()}/{database}"
    # trytond picks its backend when first imported, so the config must be known by then.
    _run([sys.executable, "-c", SETUP, str(conf), uri], {**os.environ, "TRYTOND_CONFIG": str(conf)})


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")


def build_sqlite_template(directory: Path) -> Template:
    """Build the prepared database once as a SQLite file."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{DATABASE}.sqlite").touch()
    _prepare(directory, "sqlite", DATABASE)
    return Template("sqlite", str(directory / f"{DATABASE}.sqlite"))


@contextmanager
def postgres_template(directory: Path) -> Iterator[Template]:
    """Build the prepared database once on PostgreSQL; drop it afterwards."""
    directory.mkdir(parents=True, exist_ok=True)
    with temporary_postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        _prepare(directory, "postgresql", name)
        yield Template("postgresql", name)


@contextmanager
def _copy_of(template: Template, workdir: Path) -> Iterator[str]:
    """A database of the test's own, copied from the template; yields its name."""
    if template.backend == "sqlite":
        shutil.copyfile(template.location, workdir / f"{DATABASE}.sqlite")
        yield DATABASE
        return
    name = f"expense_sync_tryton_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.location}"')
    try:
        yield name
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_tryton(template: Template, workdir: Path) -> Iterator[TrytonServer]:
    workdir.mkdir(parents=True, exist_ok=True)
    with _copy_of(template, workdir) as database:
        port = free_port()
        conf = _config(workdir, template.backend, port)
        url = f"http://127.0.0.1:{port}"
        log = workdir / "trytond.log"

        def logged_in() -> bool:
            return bool(
                httpx.post(f"{url}/{database}/rpc/", json=LOGIN, timeout=2).json().get("result")
            )

        with started([str(BIN / "trytond"), "-c", str(conf), "-d", database], log) as process:
            wait_until_ready(logged_in, process, log, "trytond")
            fields = {"url": url, "database": database, "username": "admin", "password": "admin"}
            yield TrytonServer(url, database, fields)


def link(server: TrytonServer, directory: Path) -> Authorization:
    """What linking a connection to ``server`` with its admin login keeps."""
    context = LinkContext(uuid.uuid4(), uuid.uuid4(), directory, directory, "Tryton Co")
    return TrytonConnector().authorize(context, server.fields)


def linked_session(server: TrytonServer, directory: Path) -> TrytonSession:
    """The connector linked to ``server`` with its admin login, and its books opened."""
    linked = link(server, directory)
    return TrytonConnector().open(LinkedBooks(linked.connection_info, linked.secrets, directory))
