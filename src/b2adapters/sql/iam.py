"""SQL repositories of the iam context."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import paging, statements
from b2adapters.sql.schema import iam as tables
from b2core.iam import model
from b2core.shared import errors, ids, pagination

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
        await _update_user(await self._tx.connection(), user, tables.users.c.id == user.id)

    async def _one(self, condition: Any) -> model.User | None:
        connection = await self._tx.connection()
        result = await connection.execute(select(tables.users).where(condition))
        row = result.mappings().first()
        return None if row is None else user_from_row(row)


async def _update_user(connection: AsyncConnection, user: model.User, where: Any) -> None:
    """Store ``user`` over the row ``where`` picks: user.not_found, user.email_taken."""
    taken = select(tables.users.c.id).where(
        tables.users.c.email == user.email, tables.users.c.id != user.id
    )
    if await connection.scalar(taken.limit(1)) is not None:
        raise errors.Conflict("this email is already registered", code="user.email_taken")
    values = user_to_row(user)
    del values["id"]
    statement = update(tables.users).where(where).values(values)
    # Left for a racing writer of the same email (or a tenant that does not exist).
    with statements.integrity_errors_as_conflicts("users", code="user.conflict"):
        result = await connection.execute(statement)
    if result.rowcount != 1:
        raise errors.NotFound(f"no user {user.id}", code="user.not_found")


class SqlTeamRepository:
    """The users of one tenant. Every statement names the tenant, so no other tenant's row
    is ever read, counted or written through it (on PostgreSQL, row-level security also)."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def get(self, user_id: ids.UserId) -> model.User | None:
        connection = await self._tx.connection()
        query = select(tables.users).where(self._mine, tables.users.c.id == user_id)
        row = (await connection.execute(query)).mappings().first()
        return None if row is None else user_from_row(row)

    async def save(self, user: model.User) -> None:
        if user.tenant_id != self._tenant_id:
            raise errors.Forbidden("the user belongs to another tenant", code="user.wrong_tenant")
        where = (tables.users.c.id == user.id) & self._mine
        await _update_user(await self._tx.connection(), user, where)

    async def list(self, page: pagination.PageRequest) -> pagination.Page[model.User]:
        connection = await self._tx.connection()
        users = tables.users
        id_column = paging.by_code_point(connection, users.c.id)
        query = select(users).where(self._mine)
        if page.cursor is not None:
            query = query.where(
                paging.after(users.c.created_at, id_column, page.cursor, descending=False)
            )
        query = query.order_by(users.c.created_at, id_column).limit(page.limit + 1)
        rows = (await connection.execute(query)).mappings().all()
        found = [user_from_row(row) for row in rows]
        return pagination.page_from_rows(found, page.limit, _oldest_first)

    async def count_admins(self) -> int:
        connection = await self._tx.connection()
        query = (
            select(func.count())
            .select_from(tables.users)
            .where(
                self._mine,
                tables.users.c.active.is_(True),
                tables.users.c.role == model.Role.TENANT_ADMIN.value,
            )
        )
        return int(await connection.scalar(query) or 0)

    @property
    def _mine(self) -> Any:
        return tables.users.c.tenant_id == self._tenant_id


def _oldest_first(user: model.User) -> tuple[str, str]:
    return (paging.time_key(user.created_at), user.id)


class SqlOneTimeTokens:
    """Hashed single-use tokens in ``one_time_tokens``."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def add(
        self, kind: str, token_hash: str, user_id: ids.UserId, expires_at: datetime
    ) -> None:
        connection = await self._tx.connection()
        row = {
            "token_hash": token_hash,
            "kind": kind,
            "user_id": user_id,
            "expires_at": expires_at,
            "used_at": None,
        }
        with statements.integrity_errors_as_conflicts("tokens", code="token.conflict"):
            await connection.execute(insert(tables.one_time_tokens).values(row))

    async def consume(self, kind: str, token_hash: str, now: datetime) -> ids.UserId | None:
        connection = await self._tx.connection()
        tokens = tables.one_time_tokens
        # One conditional UPDATE: of racing callers only one finds used_at still NULL
        # (PostgreSQL re-checks the WHERE after waiting for the first; SQLite runs writers
        # one at a time).
        statement = (
            update(tokens)
            .where(
                tokens.c.token_hash == token_hash,
                tokens.c.kind == kind,
                tokens.c.used_at.is_(None),
                tokens.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(tokens.c.user_id)
        )
        user_id = (await connection.execute(statement)).scalar_one_or_none()
        return None if user_id is None else ids.UserId(user_id)


if TYPE_CHECKING:
    _: type[ports.PlatformUserRepository] = SqlPlatformUserRepository
    _t: type[ports.UserRepository] = SqlTeamRepository
    _o: type[ports.OneTimeTokens] = SqlOneTimeTokens
