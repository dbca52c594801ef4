"""The front door: the home page, and the API docs (Swagger UI at ``/docs``, ReDoc at
``/redoc``) served with their JavaScript and CSS from this server.

The assets come from the installed ``fastapi-offline`` package (it ships Swagger UI's and
ReDoc's distributions), never from a CDN, so the docs render on a machine with no internet
and leak no visit to a third party. The home page lists the dashboard only when the app
has one, looked up among its routes when the page is rendered.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from expense_sync import __version__
from expense_sync.web.dashboard.session import PATH as DASHBOARD

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSET_PREFIX = "/docs-assets"
# The only files served from the package, with their types: nothing else is reachable.
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    app = request.app
    paths = [str(getattr(route, "path", "")) for route in app.routes]
    has_dashboard = any(p == DASHBOARD or p.startswith(DASHBOARD + "/") for p in paths)
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "product": app.title,
            "version": __version__,
            "openapi_url": app.openapi_url,
            "dashboard_url": DASHBOARD if has_dashboard else None,
        },
    )


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> Response:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} · API docs",
        swagger_js_url=f"{ASSET_PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSET_PREFIX}/swagger-ui.css",
        swagger_favicon_url=f"{ASSET_PREFIX}/favicon.png",
        # Swagger UI would otherwise show a badge fetched from validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> Response:
    return get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} · API reference",
        redoc_js_url=f"{ASSET_PREFIX}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSET_PREFIX}/favicon.png",
        with_google_fonts=False,
    )


@router.get(ASSET_PREFIX + "/{name}")
def asset(name: str) -> Response:
    media_type = ASSET_TYPES.get(name)
    if media_type is None:
        raise HTTPException(404)
    return FileResponse(
        ASSETS / name, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
    )
