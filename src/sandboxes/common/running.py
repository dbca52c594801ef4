"""What a test holds while a sandbox is served: its address, config and (in a thread of
this process) its memory, with the control-API calls every sandbox answers alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

ConfigT = TypeVar("ConfigT")
MemoryT = TypeVar("MemoryT")


@dataclass(frozen=True)
class ServedSandbox(Generic[ConfigT, MemoryT]):
    """A sandbox being served: where it is, its credentials, and (in a thread of this
    process) its memory; ``sandbox`` is None when it runs in its own process. Each
    platform's ``RunningSandbox`` adds the platform's URLs."""

    base_url: str
    config: ConfigT
    sandbox: MemoryT | None

    @property
    def memory(self) -> MemoryT:
        """The sandbox's memory, to arrange what the API cannot (in-thread runs only)."""
        if self.sandbox is None:
            raise RuntimeError("the sandbox runs in another process; use the control API")
        return self.sandbox

    def violations(self) -> list[dict[str, Any]]:
        """Every request or answer so far that broke the platform's published schemas
        (none, when all is well)."""
        found: list[dict[str, Any]] = self._control("GET", "violations").json()
        return found

    def state(self, key: str) -> dict[str, Any]:
        """Everything the tenant, realm or company ``key`` holds (``KeyError`` if the
        sandbox has none such)."""
        answer = self._control("GET", f"state/{key}", check=False)
        if answer.status_code == 404:
            raise KeyError(key)
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found

    def control(self, method: str, path: str, json: Any = None) -> httpx.Response:
        """A call of the control API (``path`` under ``/__sandbox__/``), checked."""
        return self._control(method, path, json=json)

    def _control(
        self, method: str, path: str, *, check: bool = True, json: Any = None
    ) -> httpx.Response:
        answer = httpx.request(method, f"{self.base_url}/__sandbox__/{path}", json=json, timeout=30)
        if check:
            answer.raise_for_status()
        return answer
