"""Row locks that work the same on PostgreSQL and SQLite.

A no-op ``UPDATE`` of the row takes PostgreSQL's row lock and SQLite's write lock alike,
so the check-then-write that follows (a count before an insert, tags replaced) cannot
interleave with another request doing the same. The lock lasts until commit or rollback.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session


def lock_row(session: Session, model: Any, row_id: uuid.UUID) -> None:
    session.execute(update(model).where(model.id == row_id).values(id=model.id))
