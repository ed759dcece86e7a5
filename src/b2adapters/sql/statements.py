"""Dialect-specific statements the repositories share, and driver-error translation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from b2core.shared import errors


def _insert(connection: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    # Plain INSERT has no portable "unless it exists"; both dialects have ON CONFLICT.
    name = connection.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise errors.NotConfigured(f"database {name!r} is not supported", code="database.unsupported")


async def insert_if_absent(
    connection: AsyncConnection, table: Table, values: Mapping[str, Any]
) -> bool:
    """Insert one row unless it clashes with a unique key; True when this call inserted it.

    Race-safe: a concurrent insert of the same key makes this one wait for it and then do
    nothing, instead of failing.
    """
    statement = _insert(connection, table).values(dict(values)).on_conflict_do_nothing()
    with integrity_errors_as_conflicts(table.name):
        result = await connection.execute(statement)
    return result.rowcount == 1


async def upsert(
    connection: AsyncConnection, table: Table, values: Mapping[str, Any], key: str
) -> None:
    """Insert one row, or replace every other column of the row with the same ``key``."""
    statement = _insert(connection, table).values(dict(values))
    updates = {name: statement.excluded[name] for name in values if name != key}
    with integrity_errors_as_conflicts(table.name):
        await connection.execute(
            statement.on_conflict_do_update(index_elements=[key], set_=updates)
        )


@contextmanager
def integrity_errors_as_conflicts(
    what: str, code: str = "database.integrity_violation"
) -> Iterator[None]:
    """Turn the driver's IntegrityError into ``errors.Conflict``, chaining the cause.

    On PostgreSQL the transaction is unusable after such an error: roll it back.
    """
    try:
        yield
    except sa_exc.IntegrityError as exc:
        raise errors.Conflict(f"the change to {what} breaks a rule of the data", code=code) from exc
