"""``INSERT ... ON CONFLICT DO UPDATE`` on whichever database the session uses.

SQLite and PostgreSQL both have it, but SQLAlchemy builds it from dialect-specific
``insert`` constructs; this picks the right one in one place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(
    session: Session, model: Any, values: dict[str, Any], keys: list[Any], changes: dict[str, Any]
) -> Any:
    """An insert of ``values`` that, when ``keys`` collide, applies ``changes`` instead."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values)
    return statement.on_conflict_do_update(index_elements=keys, set_=changes)
