"""The ``expense-sync`` command line."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from expense_sync import __version__
from expense_sync.config import Settings
from expense_sync.domain.errors import NotFound
from expense_sync.process import tune_garbage_collector
from expense_sync.services.clients import (
    DEFAULT_CLIENT,
    all_api_keys,
    create_api_key,
    ensure_client,
    revoke_api_key,
)
from expense_sync.storage.db import make_engine, make_session_factory
from expense_sync.storage.migrate import upgrade
from expense_sync.storage.models import Client
from expense_sync.storage.uow import UnitOfWork

if TYPE_CHECKING:
    from expense_sync.api.runtime import Runtime
    from expense_sync.client import ExpenseSync

app = typer.Typer(
    help="expense-sync: a Codat-compatible Sync for Expenses server.", no_args_is_help=True
)
api_keys = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(api_keys, name="api-keys")
dashboard_users = typer.Typer(help="Manage Sync Health dashboard users.", no_args_is_help=True)
app.add_typer(dashboard_users, name="dashboard-users")
console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where the database, ledgers and uploads live.",
        envvar="EXPENSE_SYNC_DATA_DIR",
    ),
]


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"expense-sync {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    pass


def _fail(message: str, code: int = 1) -> typer.Exit:
    """One line on stderr, unwrapped (ids and URLs stay whole), and the exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def _settings(data_dir: Path | None) -> Settings:
    if data_dir is not None:
        os.environ["EXPENSE_SYNC_DATA_DIR"] = str(data_dir)
    settings = Settings()
    settings.ensure_dirs()
    return settings


@contextmanager
def _migrated_database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """One engine for a command: migrate, then hand out sessions; closed at the end."""
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("expense_sync")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Apply database migrations."""
    settings = _settings(data_dir)
    with _migrated_database(settings):
        console.print(f"[green]Database is up to date[/] ({_safe_url(settings)})")


@api_keys.command("create")
def create_key(
    client: Annotated[str, typer.Option(help="Client (tenant) name; created if new.")] = (
        DEFAULT_CLIENT
    ),
    name: Annotated[str | None, typer.Option(help="A name for the key.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create an API key; the key is printed as the last line."""
    settings = _settings(data_dir)
    with _migrated_database(settings) as sessions:
        key = _new_key(sessions, client, name)
    console.print(f"API key for client [bold]{client}[/] (shown once, stored hashed):")
    typer.echo(key)


@api_keys.command("list")
def list_keys(
    client: Annotated[str | None, typer.Option(help="Only this client's keys.")] = None,
    data_dir: DataDir = None,
) -> None:
    """List API keys: id, name, client, created, and the key's last characters (never
    the key itself: it is stored hashed)."""
    settings = _settings(data_dir)
    with _migrated_database(settings) as sessions, UnitOfWork(sessions) as uow:
        keys = all_api_keys(uow.session, client)
    rows = [("ID", "NAME", "CLIENT", "CREATED", "ENDS WITH")] + [
        (
            str(k.id), k.name or "-", k.client, f"{k.created:%Y-%m-%d %H:%M:%S}Z",
            f"...{k.hint}" if k.hint else "(not kept)",
        )
        for k in keys
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    if not keys:
        console.print("No API keys" + (f" for client '{client}'." if client else "."))


@api_keys.command("revoke")
def revoke_key(
    key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id (see `list`).")],
    data_dir: DataDir = None,
) -> None:
    """Revoke an API key: requests made with it get 401 from then on."""
    settings = _settings(data_dir)
    with _migrated_database(settings) as sessions, UnitOfWork(sessions) as uow:
        try:
            revoked = revoke_api_key(uow.session, key_id)
        except NotFound:
            raise _fail(
                f"No API key has the id '{key_id}'; `expense-sync api-keys list` shows them."
            ) from None
        uow.commit()
    typer.echo(
        f"Revoked API key {revoked.id} ({revoked.name or 'no name'}) of client "
        f"'{revoked.client}'; requests with it now get 401."
    )


@dashboard_users.command("create")
def create_dashboard_user(
    email: Annotated[str, typer.Option(help="The user's email; they sign in with it.")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="12+ chars.")
    ],
    client: Annotated[str, typer.Option(help="Client (tenant) whose data they see.")] = (
        DEFAULT_CLIENT
    ),
    data_dir: DataDir = None,
) -> None:
    """Create a person who signs in to /health with an email and a password."""
    from expense_sync.domain.errors import ExpenseSyncError
    from expense_sync.services.dashboard_users import create_user

    settings = _settings(data_dir)
    with _migrated_database(settings) as sessions, UnitOfWork(sessions) as uow:
        try:
            user = create_user(uow.session, ensure_client(uow.session, client).id, email, password)
        except ExpenseSyncError as error:
            console.print(f"[red]{error.message}[/]")
            raise typer.Exit(1) from None
        uow.commit()
        console.print(f"Dashboard user [bold]{user.email}[/] for client [bold]{client}[/] created.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: DataDir = None,
) -> None:
    """Run the API and the link pages in one process (migrating the database first)."""
    import uvicorn

    from expense_sync.api.app import create_app

    settings = _settings(data_dir)
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    runtime = _served_runtime(settings, base)
    first_key = _first_start_key(runtime.session_factory)
    _configure_logging()
    console.print(f"[bold green]expense-sync[/] on {base}  (data: {settings.resolved_data_dir})")
    if first_key:
        console.print("First start: created client 'default' with this API key (shown once):")
        console.print(f"  [bold]{first_key}[/]")
    console.print(f"  API docs:  {base}/docs\n  Health:    {base}/healthz")
    console.print(f"  Dashboard: {base}/health  (sign in with an API key)")
    key = first_key or "<your key>"
    console.print(
        f"  Try:       curl -H \"Authorization: Basic $(printf %s '{key}' | base64 -w0)\" "
        f"{base}/companies",
        soft_wrap=True,
        highlight=False,
    )
    application = create_app(runtime=runtime)
    tune_garbage_collector()
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)


@app.command()
def worker(
    threads: Annotated[
        int | None,
        typer.Option(min=1, help="Actor threads in this process [default: WORKER_THREADS]."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Run syncs, pulls and pushes sent through EXPENSE_SYNC_BROKER_URL, until SIGTERM."""
    from expense_sync.sync.executor import Executor, WorkerContext, make_broker

    settings = _settings(data_dir)
    refusal = _worker_refusal(settings)
    try:
        broker = None if refusal else make_broker(settings.broker_url)
    except ValueError as error:
        refusal = str(error)
    if refusal or broker is None:
        console.print(f"[red]expense-sync worker will not start:[/] {refusal}")
        raise typer.Exit(2)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    _configure_logging()
    with _migrated_database(settings) as sessions:
        executor = Executor(broker, WorkerContext(settings, sessions))
        threads = threads or settings.worker_threads
        executor.start_worker(threads)
        tune_garbage_collector()
        console.print(
            f"[bold green]expense-sync worker[/] ({threads} threads) on queue "
            f"'{settings.queue_name}' of {_safe_broker(settings.broker_url)}, "
            f"database {_safe_url(settings)}"
        )
        try:
            executor.reconcile()  # at once: what a dead worker left needs no wait
            stopping.wait()
            console.print("Stopping: letting running work finish...")
        finally:
            executor.stop()
    console.print("Stopped.")


@app.command()
def demo(
    url: Annotated[
        str | None,
        typer.Option(help="A running server to use; by default one starts in this process."),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="EXPENSE_SYNC_API_KEY", help="The key for --url.")
    ] = None,
    payments: Annotated[int, typer.Option(min=1, help="Card payments in the month.")] = 120,
    data_dir: DataDir = None,
) -> None:
    """Sync a month of card spend to a new Beancount ledger and show how it went."""
    import httpx

    from expense_sync.client import BackoffStrategy, ExpenseSync, ExpenseSyncError, RetryConfig
    from expense_sync.demo.run import print_report, run_demo

    out = _report_console()
    # A server that goes away mid-demo ends it within a minute rather than an hour.
    retries = RetryConfig("backoff", BackoffStrategy(500, 5_000, 1.5, 60_000), True)
    with (
        _demo_server(url, api_key, data_dir) as (server_url, key),
        ExpenseSync(api_key=key, server_url=server_url, retry_config=retries) as sdk,
    ):
        _check_server(sdk, server_url)
        try:
            report = run_demo(sdk, out, payments=payments)
        except (ExpenseSyncError, httpx.HTTPError) as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise _fail(f"expense-sync demo stopped: {server_url} answered: {first_line}") from None
    print_report(report, out)
    if url is None:
        out.print("Start the server on the same data with `make run` to look around.")


def _report_console() -> Console:
    """Where the demo reports. Rich wraps at 80 columns when the output is not a terminal
    (a pipe, a file); there ids and paths must arrive whole, so nothing is wrapped."""
    terminal = Console(soft_wrap=True)
    return terminal if terminal.is_terminal else Console(soft_wrap=True, width=1_000)


def _check_server(sdk: ExpenseSync, url: str) -> None:
    """One quick call before the demo starts: a dead URL or a wrong key is said in one
    line within seconds, not after retrying for minutes or as a traceback."""
    import httpx

    from expense_sync.client import NO_RETRIES, ExpenseSyncError

    try:
        sdk.companies.list(page_size=1, retries=NO_RETRIES, timeout_ms=5_000)
    except httpx.HTTPError as error:
        reason = str(error) or "no answer"
        raise _fail(
            f"expense-sync demo: no expense-sync server answers at {url} ({reason}); check "
            "--url and that the server is running (`expense-sync serve`), or leave out --url "
            "to run one here."
        ) from None
    except ExpenseSyncError as error:
        status = getattr(error, "status_code", None)
        if status in (401, 403):
            raise _fail(
                f"expense-sync demo: the server at {url} refused the API key ({status}); "
                "check --api-key or EXPENSE_SYNC_API_KEY (`expense-sync api-keys create` "
                "makes one)."
            ) from None
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise _fail(f"expense-sync demo: {url} answered: {first_line}") from None


@contextmanager
def _demo_server(
    url: str | None, api_key: str | None, data_dir: Path | None
) -> Iterator[tuple[str, str]]:
    """The server the demo talks to: ``url`` with ``api_key``, or one started here (the
    API and its embedded worker on a free port, with a new key for the default client)."""
    if url is not None:
        if not api_key:
            raise _fail("expense-sync demo: --url needs --api-key (or EXPENSE_SYNC_API_KEY).", 2)
        yield url, api_key
        return
    import socket

    import uvicorn

    from expense_sync.api.app import create_app

    settings = _settings(data_dir)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    runtime = _served_runtime(settings, base)
    key = _new_key(runtime.session_factory, DEFAULT_CLIENT, "demo")
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime=runtime), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="demo-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the demo server did not start")
        threading.Event().wait(0.05)
    console.print(f"Demo server on {base} (data: {settings.resolved_data_dir})")
    try:
        yield base, key
    finally:
        server.should_exit = True
        thread.join(30)


def _served_runtime(settings: Settings, base: str) -> Runtime:
    """The runtime of a server this process runs at ``base``, its database migrated."""
    from expense_sync.api.runtime import Runtime

    if not settings.public_url:
        # Link URLs are built from this, never from a request's Host header.
        settings = settings.model_copy(update={"public_url": base})
    runtime = Runtime.from_settings(settings)
    upgrade(runtime.engine)
    return runtime


def _worker_refusal(settings: Settings) -> str | None:
    if not settings.broker_url:
        return (
            "EXPENSE_SYNC_BROKER_URL is empty. Without a broker, `expense-sync serve` runs "
            "the worker in its own process; to scale out, set it to redis://HOST:6379/0 or "
            "amqp://HOST:5672 for serve and every worker."
        )
    if settings.resolved_database_url.startswith("sqlite"):
        return (
            "EXPENSE_SYNC_DATABASE_URL is SQLite, which workers on other machines cannot "
            "share safely (its locks hold only on one machine's local disk). Set it to "
            "PostgreSQL, e.g. postgresql+psycopg://USER@HOST/DB, for serve and every worker."
        )
    return None


def _safe_broker(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not shaped like a URL sqlalchemy reads; make_broker has judged it
        return url.split("://", 1)[0] + "://..."


def _new_key(sessions: sessionmaker[Session], client: str, name: str | None) -> str:
    with UnitOfWork(sessions) as uow:
        owner = ensure_client(uow.session, client)
        created = create_api_key(uow.session, owner.id, name)
        uow.commit()
        return created.plaintext


def _first_start_key(sessions: sessionmaker[Session]) -> str | None:
    """A key for the default client when the database has no client at all yet."""
    with UnitOfWork(sessions) as uow:
        if uow.session.scalar(select(func.count()).select_from(Client)):
            return None
    return _new_key(sessions, DEFAULT_CLIENT, "first start")


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


sandboxes = typer.Typer(
    help="Simulators of accounting platforms, to try a connector with no account there.",
    no_args_is_help=True,
)
app.add_typer(sandboxes, name="sandbox")


Host = Annotated[str, typer.Option(help="Interface to listen on.")]
AutoApprove = Annotated[bool, typer.Option(help="Skip the consent page.")]


def _sandbox_missing(name: str) -> typer.Exit:
    console.print(
        f"The {name} sandbox is not installed: it is the `sandboxes` package of the "
        "expense-sync repository (install the project from source with `make install`)."
    )
    return typer.Exit(2)


def _serve_sandbox(
    run: Callable[[list[str]], int],
    platform: str,
    settings: dict[str, str],
    argv: list[str],
    *,
    real_limits: bool,
    auto_approve: bool,
) -> typer.Exit:
    """Say how to point expense-sync at a sandbox, then serve it until interrupted."""
    lines = "".join(f"  EXPENSE_SYNC_{name}={value}\n" for name, value in settings.items())
    console.print(
        f"Point expense-sync at it (then link a company to platform {platform}):\n{lines}",
        highlight=False,
        soft_wrap=True,
    )
    argv += ["--real-limits"] if real_limits else []
    argv += ["--auto-approve"] if auto_approve else []
    return typer.Exit(run(argv))


# The product never imports a sandbox at module level (it ships without them): each
# command imports its own, and only these commands may (tests/sandboxes/xero/test_boundary).
@sandboxes.command("xero")
def sandbox_xero(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8090,
    seed: Annotated[str, typer.Option(help="What a new organisation starts as.")] = "demo",
    real_limits: Annotated[
        bool, typer.Option(help="Xero's limits: 60 calls/min, 5,000/day, 5 at once.")
    ] = False,
    auto_approve: AutoApprove = False,
) -> None:
    """Serve a Xero simulator held to Xero's OpenAPI files, and say how to link to it."""
    try:
        from sandboxes.xero.__main__ import main
    except ImportError:
        raise _sandbox_missing("Xero") from None
    base = f"http://{host}:{port}"
    settings = {
        "XERO_CLIENT_ID": "sandbox-client-id",
        "XERO_CLIENT_SECRET": "sandbox-client-secret",
        "XERO_AUTHORIZE_URL": f"{base}/identity/connect/authorize",
        "XERO_IDENTITY_URL": base,
        "XERO_API_URL": base,
    }
    argv = ["--host", host, "--port", str(port), "--seed", seed]
    raise _serve_sandbox(
        main, "gbol", settings, argv, real_limits=real_limits, auto_approve=auto_approve
    )


@sandboxes.command("quickbooks")
def sandbox_quickbooks(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8091,
    real_limits: Annotated[
        bool, typer.Option(help="QuickBooks' limits: 500/min, 10 at once, 40 batches/min.")
    ] = False,
    auto_approve: AutoApprove = False,
) -> None:
    """Serve a QuickBooks Online simulator held to Intuit's XSDs (a US and a UK company)."""
    try:
        from sandboxes.quickbooks.__main__ import main
    except ImportError:
        raise _sandbox_missing("QuickBooks") from None
    base = f"http://{host}:{port}"
    settings = {
        "QUICKBOOKS_CLIENT_ID": "sandbox-client-id",
        "QUICKBOOKS_CLIENT_SECRET": "sandbox-client-secret",
        "QUICKBOOKS_AUTHORIZE_URL": f"{base}/connect/oauth2",
        "QUICKBOOKS_TOKEN_URL": f"{base}/oauth2/v1/tokens/bearer",
        "QUICKBOOKS_API_URL": base,
    }
    argv = ["--host", host, "--port", str(port)]
    raise _serve_sandbox(
        main, "qhyg", settings, argv, real_limits=real_limits, auto_approve=auto_approve
    )


@sandboxes.command("business-central")
def sandbox_business_central(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8092,
    real_limits: Annotated[
        bool, typer.Option(help="BC's limits: 6,000 per 5 min, 5 at once (95 more queue).")
    ] = False,
    auto_approve: AutoApprove = False,
) -> None:
    """Serve a Business Central simulator held to Microsoft's API v2.0 pages, and say
    how to link to it."""
    try:
        from sandboxes.business_central.__main__ import main
    except ImportError:
        raise _sandbox_missing("Business Central") from None
    base = f"http://{host}:{port}"
    settings = {
        "BUSINESS_CENTRAL_CLIENT_ID": "sandbox-client-id",
        "BUSINESS_CENTRAL_CLIENT_SECRET": "sandbox-client-secret",
        "BUSINESS_CENTRAL_LOGIN_URL": f"{base}/sandbox-tenant",
        "BUSINESS_CENTRAL_API_URL": base,
    }
    argv = ["--host", host, "--port", str(port)]
    raise _serve_sandbox(
        main, "trji", settings, argv, real_limits=real_limits, auto_approve=auto_approve
    )


@sandboxes.command("freeagent")
def sandbox_freeagent(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8093,
    real_limits: Annotated[
        bool, typer.Option(help="FreeAgent's limits: 120 calls/min, 3,600/hour.")
    ] = False,
    auto_approve: AutoApprove = False,
) -> None:
    """Serve a FreeAgent simulator held to schemas built from FreeAgent's Postman
    collection, and say how to link to it."""
    try:
        from sandboxes.freeagent.__main__ import main
    except ImportError:
        raise _sandbox_missing("FreeAgent") from None
    settings = {
        "FREEAGENT_CLIENT_ID": "sandbox-client-id",
        "FREEAGENT_CLIENT_SECRET": "sandbox-client-secret",
        "FREEAGENT_API_URL": f"http://{host}:{port}",
    }
    argv = ["--host", host, "--port", str(port)]
    raise _serve_sandbox(
        main, "fbrh", settings, argv, real_limits=real_limits, auto_approve=auto_approve
    )
