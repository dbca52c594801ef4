"""storage.bulk.execute_many: one driver executemany, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, insert, select, update

from expense_sync.api.runtime import Runtime
from expense_sync.storage.bulk import execute_many
from expense_sync.storage.models import Client, PullOperation
from expense_sync.storage.uow import UnitOfWork


def test_each_row_gets_its_own_values_and_the_statements_own_value(runtime: Runtime) -> None:
    with UnitOfWork(runtime.session_factory) as uow:
        clients = [Client(name=f"bulk-{n}") for n in range(3)]
        uow.session.add_all(clients)
        uow.commit()
        ids = [client.id for client in clients]
    with UnitOfWork(runtime.session_factory) as uow:
        execute_many(
            uow.session,
            update(Client)
            .where(Client.id == bindparam("row"), Client.name != "never")
            .values(name=bindparam("new")),
            [{"row": ids[0], "new": "first"}, {"row": ids[2], "new": "third"}],
        )
        uow.commit()
    with UnitOfWork(runtime.session_factory) as uow:
        rows = uow.session.execute(select(Client.id, Client.name).where(Client.id.in_(ids)))
        names = {client_id: name for client_id, name in rows}
    assert [names[client_id] for client_id in ids] == ["first", "bulk-1", "third"]


def test_a_statement_whose_defaults_sqlalchemy_computes_is_refused(runtime: Runtime) -> None:
    statement = insert(PullOperation).values(data_type=bindparam("data_type"))
    with UnitOfWork(runtime.session_factory) as uow, pytest.raises(ValueError, match="'id'"):
        execute_many(uow.session, statement, [{"data_type": "suppliers"}])
