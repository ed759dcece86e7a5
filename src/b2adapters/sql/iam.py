"""SQL repositories of the iam context."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import statements
from b2adapters.sql.schema import iam as tables
from b2core.iam import model
from b2core.shared import errors, ids

if TYPE_CHECKING:
    from b2core.iam import ports


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def user_to_row(user: model.User) -> dict[str, Any]:
    """The ``users`` row of ``user``."""
    return {
        "id": user.id,
        "tenant_id": user.tenant_id,
        "email": user.email,
        "password_hash": user.password_hash,
        "role": user.role.value,
        "active": user.active,
        "email_verified": user.email_verified,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def user_from_row(row: RowMapping) -> model.User:
    """The user stored in a ``users`` row."""
    tenant_id = row["tenant_id"]
    return model.User(
        id=ids.UserId(row["id"]),
        tenant_id=None if tenant_id is None else ids.TenantId(tenant_id),
        email=row["email"],
        password_hash=row["password_hash"],
        role=model.Role(row["role"]),
        created_at=row["created_at"],
        active=bool(row["active"]),
        email_verified=bool(row["email_verified"]),
        updated_at=row["updated_at"],
    )


class SqlPlatformUserRepository:
    """Users across tenants, in the ``users`` table."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def by_email(self, email: str) -> model.User | None:
        return await self._one(tables.users.c.email == email)

    async def get(self, user_id: ids.UserId) -> model.User | None:
        return await self._one(tables.users.c.id == user_id)

    async def add(self, user: model.User) -> bool:
        connection = await self._tx.connection()
        # A taken id or email is a normal outcome (False), not an error; other broken
        # rules (an unknown tenant) become errors.Conflict.
        return await statements.insert_if_absent(connection, tables.users, user_to_row(user))

    async def save(self, user: model.User) -> None:
        connection = await self._tx.connection()
        values = user_to_row(user)
        del values["id"]
        statement = update(tables.users).where(tables.users.c.id == user.id).values(values)
        with statements.integrity_errors_as_conflicts("users", code="user.conflict"):
            result = await connection.execute(statement)
        if result.rowcount != 1:
            raise errors.NotFound(f"no user {user.id}", code="user.not_found")

    async def _one(self, condition: Any) -> model.User | None:
        connection = await self._tx.connection()
        result = await connection.execute(select(tables.users).where(condition))
        row = result.mappings().first()
        return None if row is None else user_from_row(row)


if TYPE_CHECKING:
    _: type[ports.PlatformUserRepository] = SqlPlatformUserRepository
