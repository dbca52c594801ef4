"""The FastAPI application: routers, error handlers, logging and the link pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from expense_sync import __version__
from expense_sync.api import (
    accounts,
    api_keys,
    attachments,
    companies,
    company_info,
    connections,
    contacts,
    expenses,
    health,
    integrations,
    manage_data,
    push_operations,
    sync_search,
    webhooks,
)
from expense_sync.api.correlation import RequestLogMiddleware
from expense_sync.api.errors import error_body, install_error_handlers
from expense_sync.api.idempotency import IdempotencyMiddleware
from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.connectors.catalog import listed_manifests
from expense_sync.web import dashboard, front, link

# The largest upload any platform accepts, with room for the multipart framing.
UPLOAD_LIMIT = max(m.attachments.max_bytes for m in listed_manifests() if m.attachments) + (
    attachments.MULTIPART_OVERHEAD
)
DESCRIPTION = """\
expense-sync speaks Codat's Sync for Expenses API: point a Codat client at this server.
Authenticate with `Authorization: Basic <base64 of your API key>`.
Extensions beyond Codat are additive and marked as such in field descriptions.
"""


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or Runtime.from_settings(settings or Settings())
    started = runtime

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        started.start()
        try:
            yield
        finally:
            started.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="expense-sync",
        version=__version__,
        description=DESCRIPTION,
        servers=[{"url": "/"}],
        # Served by web.front from installed assets instead of FastAPI's CDN links.
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    for module in (
        companies,
        connections,
        integrations,
        api_keys,
        webhooks,
        health,
        manage_data,
        push_operations,
        accounts,
        contacts,
        company_info,
        expenses,
        attachments,
        sync_search,
    ):
        app.include_router(module.router)
    app.include_router(link.router)
    app.include_router(front.router)
    dashboard.install(app)
    install_error_handlers(app)
    # The last added runs first: correlation ids and body limits wrap idempotency.
    app.add_middleware(IdempotencyMiddleware, runtime=runtime, error_body=error_body)
    app.add_middleware(RequestLogMiddleware, error_body=error_body, max_upload=UPLOAD_LIMIT)
    app.openapi = lambda: _openapi_without_422(app)  # type: ignore[method-assign]
    return app


def _openapi_without_422(app: FastAPI) -> dict[str, Any]:
    """FastAPI documents a 422 on every route; ours answer 400 ErrorMessage instead."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            servers=app.servers,
        )
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if "HTTPValidationError" in str(responses.get("422", "")):
                    responses.pop("422")
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def create_app_from_env() -> FastAPI:
    """Entry point for ``uvicorn --factory``."""
    return create_app(Settings())
