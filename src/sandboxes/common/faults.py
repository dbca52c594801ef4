"""Failures on purpose: the next N requests matching a path fail in a chosen way.

Kinds:
- ``error``: answer ``status`` (500 or 503) with the platform's outage body, nothing stored;
- ``delay``: wait ``seconds`` before handling (a client with a shorter timeout times out;
  the request still runs, as it would on the platform);
- ``drop``: handle the request (a write is stored) and then drop the connection before
  the answer is complete, so the client cannot know the write happened.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("error", "delay", "drop")


@dataclass
class Fault:
    path: str
    kind: str
    count: int = 1
    method: str | None = None
    status: int = 500
    seconds: float = 0.0

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Fault:
        fault = cls(
            path=str(body["path"]),
            kind=str(body["kind"]),
            count=int(body.get("count", 1)),
            method=str(body["method"]).upper() if body.get("method") else None,
            status=int(body.get("status", 500)),
            seconds=float(body.get("seconds", 0.0)),
        )
        if fault.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        if fault.kind == "error" and fault.status not in (500, 502, 503, 504):
            raise ValueError("status must be 500, 502, 503 or 504")
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        return fault

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path) and self.method in (None, method.upper())


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._pending.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first pending fault for this request, counted down (removed at zero)."""
        with self._lock:
            for fault in self._pending:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._pending.remove(fault)
                    return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._pending]
