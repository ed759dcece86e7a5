"""In-memory audit log: append-only list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from b2core.shared import audit, errors, ids, pagination

if TYPE_CHECKING:
    from b2core.platform import commands, ports


class _Tx(Protocol):
    @property
    def tenant_id(self) -> ids.TenantId | None: ...

    def table(self, name: str) -> dict[Any, Any]: ...


class InMemoryAuditLog:
    """Entries keyed by id in insertion order; nothing is ever updated or removed here.

    In a tenant-bound transaction it takes and shows only that tenant's entries.
    """

    def __init__(self, tx: _Tx) -> None:
        self._entries: dict[str, audit.AuditEntry] = tx.table("audit_logs")
        self._tenant_id = tx.tenant_id

    async def append(self, entry: audit.AuditEntry) -> None:
        if self._tenant_id is not None and entry.tenant_id != self._tenant_id:
            raise errors.Forbidden("the entry belongs to another tenant", code="audit.wrong_tenant")
        if entry.id in self._entries:
            raise errors.Conflict(f"audit entry {entry.id} exists", code="audit.conflict")
        self._entries[entry.id] = entry

    async def all(self) -> list[audit.AuditEntry]:
        """Every entry this log may show, oldest first (for tests and exports)."""
        return [
            e
            for e in self._entries.values()
            if self._tenant_id is None or e.tenant_id == self._tenant_id
        ]


def _newest_key(entry: audit.AuditEntry) -> tuple[str, str]:
    # The same cursor shape as the SQL reader's: UTC time to the microsecond, then the id.
    return (entry.at.astimezone(UTC).isoformat(timespec="microseconds"), entry.id)


def _matches(entry: audit.AuditEntry, criteria: commands.AuditFilter) -> bool:
    return (
        (criteria.action is None or entry.action == criteria.action)
        and (criteria.actor_user_id is None or entry.actor.user_id == criteria.actor_user_id)
        and (criteria.since is None or entry.at >= criteria.since)
        and (criteria.until is None or entry.at < criteria.until)
        and (criteria.tenant_id is None or entry.tenant_id == criteria.tenant_id)
    )


def _after(cursor: str) -> tuple[str, str]:
    """The sort key a cursor carries; refused unless it is an instant and an id."""
    at, entry_id = pagination.decode_cursor(cursor, 2)
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None or not isinstance(entry_id, str):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return (str(at), entry_id)


class InMemoryAuditReader:
    """Reads entries newest first; in a tenant-bound transaction, only that tenant's."""

    def __init__(self, tx: _Tx) -> None:
        self._entries: dict[str, audit.AuditEntry] = tx.table("audit_logs")
        self._tenant_id = tx.tenant_id

    async def page(
        self, criteria: commands.AuditFilter, page: pagination.PageRequest
    ) -> pagination.Page[audit.AuditEntry]:
        if self._tenant_id is not None:
            # A tenant-bound reader sees its own tenant, whatever the filter asked for.
            criteria = attrs.evolve(criteria, tenant_id=self._tenant_id)
        rows = sorted(
            (e for e in self._entries.values() if _matches(e, criteria)),
            key=_newest_key,
            reverse=True,
        )
        if page.cursor is not None:
            after = _after(page.cursor)
            rows = [e for e in rows if _newest_key(e) < after]
        return pagination.page_from_rows(rows[: page.limit + 1], page.limit, _newest_key)


if TYPE_CHECKING:
    _: type[audit.AuditLog] = InMemoryAuditLog
    _reader: type[ports.AuditReader] = InMemoryAuditReader
