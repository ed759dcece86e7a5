"""SQL unit of work: one database transaction per ``async with``, committed explicitly."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from b2adapters.sql import iam, platform, statements
from b2core.shared import ids

if TYPE_CHECKING:
    from b2core.iam import ports as iam_ports
    from b2core.platform import ports as platform_ports

_SET_TENANT = text("SELECT set_config('b2.tenant_id', :tenant_id, true)")
_SET_PLATFORM = text("SELECT set_config('b2.scope', 'platform', true)")


class SqlTransaction:
    """One connection and its transaction. Leaving without ``commit`` rolls back.

    The database transaction begins at the first statement, and again at the first statement
    after a ``commit`` or ``rollback``; on PostgreSQL each begin also sets the transaction-local
    scope (``b2.tenant_id`` or ``b2.scope``) that row-level security policies read.

    On SQLite a begun transaction holds the database's write lock until it ends, so do not
    open a second transaction inside this one: it would wait for the first and time out.
    """

    def __init__(self, engine: AsyncEngine, tenant_id: ids.TenantId | None) -> None:
        self._engine = engine
        self.tenant_id = tenant_id
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this transaction is already open")
        self._connection = await self._engine.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if connection.in_transaction():
                await connection.rollback()
        finally:
            await connection.close()

    async def connection(self) -> AsyncConnection:
        """The open connection, inside a begun transaction (for the repositories)."""
        connection = self._open()
        if not connection.in_transaction():
            await connection.begin()
            if connection.dialect.name == "postgresql":
                await self._set_scope(connection)
        return connection

    async def commit(self) -> None:
        connection = self._open()
        if connection.in_transaction():
            # Deferred constraints are checked only now.
            with statements.integrity_errors_as_conflicts("the transaction"):
                await connection.commit()

    async def rollback(self) -> None:
        connection = self._open()
        if connection.in_transaction():
            await connection.rollback()

    @property
    def users(self) -> iam.SqlPlatformUserRepository:
        return iam.SqlPlatformUserRepository(self)

    @property
    def settings(self) -> platform.SqlSettingsRepository:
        return platform.SqlSettingsRepository(self)

    def _open(self) -> AsyncConnection:
        if self._connection is None:
            # A programming error, not a domain outcome.
            raise RuntimeError("the transaction is not open: use it inside 'async with'")
        return self._connection

    async def _set_scope(self, connection: AsyncConnection) -> None:
        if self.tenant_id is None:
            await connection.execute(_SET_PLATFORM)
        else:
            await connection.execute(_SET_TENANT, {"tenant_id": self.tenant_id})


class SqlUnitOfWork:
    """Opens SQL transactions on one engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def tenant(self, tenant_id: ids.TenantId) -> SqlTransaction:
        """A transaction whose repositories see only ``tenant_id``'s rows."""
        return SqlTransaction(self.engine, tenant_id)

    def platform(self) -> SqlTransaction:
        """A platform-wide transaction."""
        return SqlTransaction(self.engine, None)


if TYPE_CHECKING:
    _iam: type[iam_ports.IamUoW] = SqlUnitOfWork
    _platform: type[platform_ports.PlatformUoW] = SqlUnitOfWork
