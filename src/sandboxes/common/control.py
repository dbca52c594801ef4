"""Control-API pieces every sandbox serves the same way under ``/__sandbox__/``."""

from __future__ import annotations

import dataclasses

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandboxes.common.faults import Fault, Faults


def problem(message: str, status: int = 400) -> JSONResponse:
    """A control-API refusal: ``{"error": message}`` (the control API is ours, not a
    platform's, so its errors need no platform's shape)."""
    return JSONResponse({"error": message}, status_code=status)


async def fault_control(request: Request, faults: Faults) -> Response:
    """``/__sandbox__/faults``: GET lists the pending faults, POST adds one (400 naming
    what is wrong with it), DELETE clears them all."""
    if request.method == "DELETE":
        faults.clear()
        return Response(status_code=204)
    if request.method == "GET":
        return JSONResponse(faults.pending())
    try:
        fault = Fault.from_json(await request.json())
    except (KeyError, ValueError, TypeError) as error:
        return problem(f"bad fault: {error}")
    faults.add(fault)
    return JSONResponse(dataclasses.asdict(fault), 201)
