"""The interface services use to hand work to the executor (``sync/executor.py``).

Services only say *that* work is waiting, after their transaction commits; the database
row is the work itself, so a lost signal delays it but never loses it.
"""

from __future__ import annotations

import uuid
from typing import Protocol


class JobQueue(Protocol):
    def pull(self, operation_id: uuid.UUID, *, delay_ms: int = 0) -> None: ...

    def push(self, operation_id: uuid.UUID, *, delay_ms: int = 0) -> None: ...

    def sync(self, sync_id: uuid.UUID, *, delay_ms: int = 0) -> None: ...
