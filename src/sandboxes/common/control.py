"""Control-API pieces every sandbox serves the same way under ``/__sandbox__/``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

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


class Limiter(Protocol):
    """A sandbox's rate limiter as the control API sees it (each platform's limits are
    its own dataclass; the limiter counts calls and refusals by key)."""

    @property
    def limits(self) -> Any: ...

    @property
    def calls(self) -> Mapping[str, int]: ...

    @property
    def refused(self) -> Mapping[str, int]: ...

    def reconfigure(self, limits: Any) -> None: ...


async def limits_control(request: Request, limiter: Limiter) -> Response:
    """``/__sandbox__/limits``: GET shows the limits, PUT changes the fields given (400
    naming an unknown field)."""
    if request.method == "PUT":
        try:
            new = dataclasses.replace(limiter.limits, **(await request.json()))
        except TypeError as error:
            return problem(f"bad limits: {error}")
        limiter.reconfigure(new)
    return JSONResponse(dataclasses.asdict(limiter.limits))


def calls_control(limiter: Limiter) -> Response:
    """``/__sandbox__/calls``: the calls admitted and refused so far, by key."""
    return JSONResponse({"calls": dict(limiter.calls), "refused": dict(limiter.refused)})
