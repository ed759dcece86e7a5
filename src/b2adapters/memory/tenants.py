"""In-memory repository of tenants."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any, Protocol

from b2core.shared import errors, ids, pagination
from b2core.tenants import model

if TYPE_CHECKING:
    from b2core.tenants import ports


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


def _newest_first(tenant: model.Tenant) -> tuple[str, str]:
    # UTC to the microsecond: the text then sorts as the instants do (whatever their offset).
    return (tenant.created_at.astimezone(UTC).isoformat(timespec="microseconds"), tenant.id)


class InMemoryTenantRepository:
    """Tenants keyed by id; search pages newest first."""

    def __init__(self, tx: _Tx) -> None:
        self._tenants: dict[ids.TenantId, model.Tenant] = tx.table("tenants")

    async def get(self, tenant_id: ids.TenantId) -> model.Tenant | None:
        return self._tenants.get(tenant_id)

    async def add(self, tenant: model.Tenant) -> None:
        if tenant.id in self._tenants:
            raise errors.Conflict(f"tenant {tenant.id} exists", code="tenant.already_exists")
        self._tenants[tenant.id] = tenant

    async def save(self, tenant: model.Tenant) -> None:
        if tenant.id not in self._tenants:
            raise errors.NotFound(f"no tenant {tenant.id}", code="tenant.not_found")
        self._tenants[tenant.id] = tenant

    async def count(self, *, include_archived: bool = False) -> int:
        return sum(
            1
            for t in self._tenants.values()
            if include_archived or t.status is not model.TenantStatus.ARCHIVED
        )

    async def search(
        self,
        page: pagination.PageRequest,
        *,
        text: str | None = None,
        status: model.TenantStatus | None = None,
    ) -> pagination.Page[model.Tenant]:
        needle = (text or "").casefold()
        rows = sorted(
            (
                t
                for t in self._tenants.values()
                if needle in t.name.casefold() and (status is None or t.status is status)
            ),
            key=_newest_first,
            reverse=True,
        )
        if page.cursor is not None:
            after = tuple(pagination.decode_cursor(page.cursor, 2))
            rows = [t for t in rows if _newest_first(t) < after]
        return pagination.page_from_rows(rows[: page.limit + 1], page.limit, _newest_first)


if TYPE_CHECKING:
    _: type[ports.TenantRepository] = InMemoryTenantRepository
