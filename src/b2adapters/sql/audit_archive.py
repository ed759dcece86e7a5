"""The database side of audit archival: the oldest audit rows in id order, as JSON-ready
dicts, and the deletion of exactly one archived batch in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import RowMapping

from b2adapters.sql import paging
from b2adapters.sql.schema import platform as tables
from b2adapters.sql.uow import SqlUnitOfWork
from b2core.shared import errors

_logs = tables.audit_logs
# Bound parameters per statement stay well under every driver's limit.
_SLICE = 1000


def row_to_json(row: RowMapping) -> dict[str, Any]:
    """An audit row as a JSON object: every column, the time in ISO 8601 UTC."""
    at: datetime = row["at"]
    return {
        "id": row["id"],
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_kind": row["actor_kind"],
        "actor_user_id": row["actor_user_id"],
        "actor_role": row["actor_role"],
        "action": row["action"],
        "tenant_id": row["tenant_id"],
        "target_type": row["target_type"],
        "target_id": row["target_id"],
        "metadata": row["metadata"],
        "ip": row["ip"],
    }


class SqlAuditArchive:
    """Reads and removes audit rows across every tenant (platform transactions)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def oldest(self, cutoff: datetime, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` rows recorded before ``cutoff``, by id (code point order)."""
        async with self._uow.platform() as tx:
            connection = await tx.connection()
            order = paging.by_code_point(connection, _logs.c.id)
            query = select(_logs).where(_logs.c.at < cutoff).order_by(order).limit(limit)
            rows = (await connection.execute(query)).mappings().all()
        return [row_to_json(row) for row in rows]

    async def existing(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are still in the table."""
        found: set[str] = set()
        async with self._uow.platform() as tx:
            connection = await tx.connection()
            for start in range(0, len(ids), _SLICE):
                part = list(ids[start : start + _SLICE])
                query = select(_logs.c.id).where(_logs.c.id.in_(part))
                found.update((await connection.execute(query)).scalars().all())
        return found

    async def count_before(self, cutoff: datetime) -> int:
        """How many rows were recorded before ``cutoff``."""
        async with self._uow.platform() as tx:
            connection = await tx.connection()
            query = select(func.count()).select_from(_logs).where(_logs.c.at < cutoff)
            return int((await connection.execute(query)).scalar_one())

    async def delete(self, ids: Sequence[str]) -> int:
        """Delete exactly ``ids`` in one transaction; all of them or, on any mismatch, none.

        Raises ``errors.Conflict`` (``audit.archive_mismatch``) when some were already gone:
        the batch is then left as it was for the next run to reconcile.
        """
        async with self._uow.platform() as tx:
            connection = await tx.connection()
            removed = 0
            for start in range(0, len(ids), _SLICE):
                part = list(ids[start : start + _SLICE])
                result = await connection.execute(delete(_logs).where(_logs.c.id.in_(part)))
                removed += result.rowcount
            if removed != len(set(ids)):
                await tx.rollback()
                raise errors.Conflict(
                    f"expected to delete {len(set(ids))} audit rows, found {removed}",
                    code="audit.archive_mismatch",
                )
            await tx.commit()
        return removed
