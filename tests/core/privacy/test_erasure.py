"""Erasing one customer: their data goes, their orders stay anonymised, nobody else changes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2adapters.memory.privacy import InMemoryMediaFiles
from b2adapters.memory.uow import InMemoryUnitOfWork
from b2app import privacy_export
from b2core.privacy import commands, model
from tests.core.privacy import data


async def exports(run: dict[str, Any], specs: list[data.CustomerSpec]) -> dict[Any, bytes]:
    """The canonical bytes of every customer's export, by (tenant, customer)."""
    found = {}
    for spec in specs:
        command = commands.ExportCustomerData(spec.tenant_id, spec.customer_id, data.ADMIN)
        exported = await run["export"](command)
        found[(spec.tenant_id, spec.customer_id)] = privacy_export.dumps(
            privacy_export.customer_document(exported)
        )
    return found


def personal(spec: data.CustomerSpec) -> set[str]:
    return {v for v in (spec.customer_id, spec.name, spec.phone, spec.email) if v}


async def tenant_exports(uow: Any) -> list[bytes]:
    """The canonical bytes of both tenants' exports."""
    run = data.handler_set(uow, InMemoryMediaFiles(), ids_prefix="twin")
    found = []
    for tenant in data.TENANTS:
        exported = await run["export_tenant"](commands.ExportTenantData(tenant, data.ADMIN))
        found.append(privacy_export.dumps(privacy_export.tenant_document(exported)))
    return found


async def check_erasure(
    uow: Any, specs: list[data.CustomerSpec], victim: int, *, twin: Any = None
) -> None:
    """The acceptance property, on any unit of work holding ``specs``; with ``twin`` (another
    unit of work holding the same data), the two exports must be the same bytes first."""
    media = InMemoryMediaFiles()
    for file in await data.load(uow, specs):
        media.add(*file)
    if twin is not None:
        assert await tenant_exports(uow) == await tenant_exports(twin)
    run = data.handler_set(uow, media)
    target = specs[victim]
    before = await exports(run, specs)

    report = await run["erase"](
        commands.EraseCustomerData(target.tenant_id, target.customer_id, data.ADMIN)
    )

    after = await exports(run, specs)
    key = (target.tenant_id, target.customer_id)
    erased = json.loads(after.pop(key))
    assert erased["conversations"] == erased["messages"] == erased["orders"] == []
    assert erased["media"] == []
    body = json.dumps({k: v for k, v in erased.items() if k != "customer_id"})
    assert not any(value in body for value in personal(target) if len(value) >= 3)
    # Every other customer, in this tenant and the other one, is unchanged byte for byte.
    before.pop(key)
    assert after == before
    assert report.messages_deleted == len(target.messages)
    assert report.orders_anonymised == target.orders
    assert report.media_files_deleted == sum(1 for m in target.messages if m.media_name)
    assert not any(
        f[0] == target.tenant_id and f[1].startswith(f"x-msg-{victim}-") for f in media.files
    )
    # The orders stay, anonymised: no contact detail of the customer is left on them.
    tenant = await run["export_tenant"](commands.ExportTenantData(target.tenant_id, data.ADMIN))
    kept = [o for c in tenant.customers for o in c.orders if c.customer_id.startswith("erased:")]
    assert len(kept) == target.orders
    for order in kept:
        assert order.customer_phone is None
        assert order.customer_email is None
        assert order.customer_name in (None, model.ERASED)
        assert order.conversation_id is None
    # Erasing again finds nothing left, and changes nothing.
    again = await run["erase"](
        commands.EraseCustomerData(target.tenant_id, target.customer_id, data.ADMIN)
    )
    assert again.nothing_left
    assert await exports(run, specs) == {**after, key: privacy_export.dumps(erased)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=data.customers().filter(bool), choice=st.integers(0, 10))
async def test_erasing_a_customer_touches_no_one_else(
    specs: list[data.CustomerSpec], choice: int
) -> None:
    await check_erasure(InMemoryUnitOfWork(), specs, choice % len(specs))
