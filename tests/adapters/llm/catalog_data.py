"""A small salon catalog shared by the LLM adapter tests (plain values, usable under @given)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from b2core.orders import catalog
from b2core.shared import ids, money

TENANT = ids.TenantId("tenant-salon")
AT = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def _service(number: int, name: str, price_minor: int, **extra: object) -> catalog.Service:
    return catalog.Service.create(
        ids.ServiceId(f"svc-{number}"),
        TENANT,
        name,
        money.Money(price_minor, "PKR"),
        AT,
        **extra,  # type: ignore[arg-type]
    )


HAIRCUT = _service(1, "Haircut", 50_000, description="A classic cut and style")
BEARD_TRIM = _service(2, "Beard trim", 30_000, description="Shape and trim")
FACIAL = _service(3, "Deluxe facial", 250_000)
HAIR_COLOUR = _service(4, "Hair colour", 300_000, active=False)
SERVICES: tuple[catalog.Service, ...] = (HAIRCUT, BEARD_TRIM, FACIAL, HAIR_COLOUR)
ACTIVE_NAMES = frozenset(s.name for s in SERVICES if s.active)


async def read_catalog(tenant_id: ids.TenantId) -> Sequence[catalog.Service]:
    """The catalog reader the offline responder is given: this tenant's services, else none."""
    return SERVICES if tenant_id == TENANT else ()
