"""A real trytond for tests: a prepared database built once per run, restored per test.

The template is built with trytond's own tools: ``trytond-admin`` creates the database
with the account, invoice and analytic modules; proteus and the account modules' test
helpers add a company ("Dunder Mifflin", USD), a fiscal year with its periods and
invoice sequences, and the Universal chart of accounts. Each test gets a copy of that
SQLite file and its own ``trytond -c <conf> -d <db>`` on a free port; JSON-RPC is at
``http://127.0.0.1:<port>/<db>/rpc/``. Admin login: ``admin`` / ``admin``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.e2e.server import free_port

BIN = Path(sys.executable).parent
DATABASE = "books"
SETUP = """
import datetime as dt, sys
from proteus import config
from trytond.modules.company.tests.tools import create_company, get_company
from trytond.modules.account.tests.tools import create_fiscalyear, create_chart
from trytond.modules.account_invoice.tests.tools import set_fiscalyear_invoice_sequences
config.set_trytond("books", config_file=sys.argv[1])
create_company()
company = get_company()
year = set_fiscalyear_invoice_sequences(create_fiscalyear(company, today=dt.date.today()))
year.click("create_period")
create_chart(company)
"""


@dataclass(frozen=True)
class TrytonServer:
    url: str
    database: str
    fields: dict[str, str]


def _config(directory: Path, port: int = 0) -> Path:
    conf = directory / "trytond.conf"
    conf.write_text(
        f"[database]\nuri = sqlite://\npath = {directory}\n"
        f"[web]\nlisten = 127.0.0.1:{port or 8000}\n"
        "[session]\nmax_attempt = 1000\n"
    )
    return conf


def build_template(directory: Path) -> Path:
    """Build the prepared database once; return the path of its SQLite file."""
    directory.mkdir(parents=True, exist_ok=True)
    conf = _config(directory)
    (directory / f"{DATABASE}.sqlite").touch()
    password = directory / "password"
    password.write_text("admin\n")
    subprocess.run(
        [str(BIN / "trytond-admin"), "-c", str(conf), "-d", DATABASE, "--all",
         "-u", "account_invoice", "analytic_account", "--activate-dependencies",
         "--email", "admin@example.test", "-p"],
        check=True, capture_output=True, timeout=600,
        env={"TRYTONPASSFILE": str(password), "PATH": str(BIN)},
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-c", SETUP, str(conf)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return directory / f"{DATABASE}.sqlite"


@contextmanager
def running_tryton(template: Path, workdir: Path) -> Iterator[TrytonServer]:
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, workdir / f"{DATABASE}.sqlite")
    port = free_port()
    conf = _config(workdir, port)
    log = (workdir / "trytond.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "trytond"), "-c", str(conf), "-d", DATABASE],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_login(url, process, workdir / "trytond.log")
        yield TrytonServer(url, DATABASE, {"url": url, "database": DATABASE,
                                           "username": "admin", "password": "admin"})  # fmt: skip
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_for_login(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    login = {"id": 0, "method": "common.db.login", "params": ["admin", {"password": "admin"}, "en"]}
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"trytond exited early:\n{log.read_text()}")
        try:
            if httpx.post(f"{url}/{DATABASE}/rpc/", json=login, timeout=2).json().get("result"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"trytond did not accept a login:\n{log.read_text()}")
