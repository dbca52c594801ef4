"""``GET /healthz``: is this process up and can it reach its database?"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from expense_sync.api.dependencies import RuntimeDep

router = APIRouter(tags=["Health"])


@router.get("/healthz", operation_id="healthz")
def healthz(runtime: RuntimeDep) -> JSONResponse:
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return JSONResponse(
            {"status": "unhealthy", "database": f"unreachable: {type(error).__name__}"}, 503
        )
    return JSONResponse({"status": "ok", "database": "ok"})
