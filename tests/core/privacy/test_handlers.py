"""Privacy handlers on the memory adapters: audit scrubbing, audit entries without personal
data, whole-tenant export and erasure, idempotency and refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2adapters.memory.privacy import InMemoryMediaFiles
from b2adapters.memory.uow import InMemoryUnitOfWork
from b2app import privacy_export
from b2core.privacy import commands, model
from b2core.shared import audit, errors, ids
from tests.core.privacy import data

ANA = data.CustomerSpec(
    data.TENANTS[0],
    "+923001111111",
    "Ana",
    "+92 300 1111111",
    "ana@mail.example",
    (data.MessageSpec("hello", True, "photo.jpg"), data.MessageSpec("hi Ana", False, None)),
    1,
)
BOB = data.CustomerSpec(
    data.TENANTS[0], "+923002222222", "Bob", None, None, (data.MessageSpec("yo", True, None),), 2
)
CARA = data.CustomerSpec(
    data.TENANTS[1], "+923003333333", "Cara", None, None, (data.MessageSpec("hey", True, None),), 1
)


@pytest.fixture
async def world() -> dict[str, Any]:
    uow, media = InMemoryUnitOfWork(), InMemoryMediaFiles()
    for file in await data.load(uow, [ANA, BOB, CARA]):
        media.add(*file)
    return {"uow": uow, "media": media, **data.handler_set(uow, media)}


async def entries(uow: InMemoryUnitOfWork, tenant_id: ids.TenantId) -> list[audit.AuditEntry]:
    async with uow.tenant(tenant_id) as tx:
        return await tx.audit.all()


def privacy_entries(found: list[audit.AuditEntry]) -> list[audit.AuditEntry]:
    return [e for e in found if e.action.startswith("privacy.")]


async def test_erasure_scrubs_the_customer_from_the_audit_trail_and_audits_itself(
    world: dict[str, Any],
) -> None:
    report = await world["erase"](
        commands.EraseCustomerData(ANA.tenant_id, ANA.customer_id, data.ADMIN)
    )
    assert report.audit_entries_scrubbed == 1
    assert report.media_files_deleted == 1
    found = await entries(world["uow"], ANA.tenant_id)
    text = json.dumps([[e.target_id, dict(e.metadata)] for e in found])
    for value in ("Ana", ANA.customer_id, "1111111", "ana@mail.example"):
        assert value not in text
    # Bob's entry keeps his details: only the erased customer is scrubbed.
    assert BOB.customer_id in text
    (entry,) = privacy_entries(found)
    assert entry.action == "privacy.customer_erased"
    assert entry.actor == data.ADMIN
    assert entry.target_id is None
    assert dict(entry.metadata) == report.counts()
    # The entry the erasure scrubbed keeps its action.
    assert [e.action for e in found].count("order.drafted") == 2


async def test_an_export_is_audited_with_counts_only(world: dict[str, Any]) -> None:
    exported = await world["export"](
        commands.ExportCustomerData(ANA.tenant_id, ANA.customer_id, data.ADMIN)
    )
    assert [m.text for m in exported.messages] == [None, "hi Ana"]
    assert [r.media_id for r in exported.media] == ["media-x-msg-0-0"]
    (entry,) = privacy_entries(await entries(world["uow"], ANA.tenant_id))
    assert entry.action == "privacy.customer_exported"
    assert dict(entry.metadata) == {"conversations": 1, "messages": 2, "orders": 1}
    document = json.loads(privacy_export.dumps(privacy_export.customer_document(exported)))
    assert document["format"] == privacy_export.CUSTOMER_FORMAT
    assert document["orders"][0]["items"][0]["unit_price_minor"] == 250000


async def test_an_unknown_customer_exports_empty_and_erases_nothing(world: dict[str, Any]) -> None:
    exported = await world["export"](
        commands.ExportCustomerData(ANA.tenant_id, "nobody", data.ADMIN)
    )
    assert exported.is_empty
    report = await world["erase"](commands.EraseCustomerData(ANA.tenant_id, "nobody", data.ADMIN))
    assert report.nothing_left
    # The other tenant's customer is not found through this tenant.
    cross = await world["export"](
        commands.ExportCustomerData(ANA.tenant_id, CARA.customer_id, data.ADMIN)
    )
    assert cross.is_empty


@pytest.mark.parametrize("customer_id", ["", "   ", "x" * 201])
async def test_a_bad_customer_id_is_refused(world: dict[str, Any], customer_id: str) -> None:
    for name, command in (
        ("export", commands.ExportCustomerData),
        ("erase", commands.EraseCustomerData),
    ):
        with pytest.raises(errors.InvalidInput) as refused:
            await world[name](command(ANA.tenant_id, customer_id, data.ADMIN))
        assert refused.value.code == "privacy.bad_customer"


async def test_a_tenant_is_exported_and_erased_once(world: dict[str, Any]) -> None:
    tenant = data.TENANTS[0]
    exported = await world["export_tenant"](commands.ExportTenantData(tenant, data.ADMIN))
    assert [c.customer_id for c in exported.customers] == sorted([ANA.customer_id, BOB.customer_id])
    other_before = await world["export_tenant"](
        commands.ExportTenantData(data.TENANTS[1], data.ADMIN)
    )

    report = await world["erase_tenant"](commands.EraseTenantData(tenant, data.ADMIN))

    assert report == model.ErasureReport(
        conversations_deleted=2,
        messages_deleted=3,
        orders_deleted=3,
        media_files_deleted=1,
        audit_entries_scrubbed=2,
    )
    after = await world["export_tenant"](commands.ExportTenantData(tenant, data.ADMIN))
    assert after.customers == ()
    found = await entries(world["uow"], tenant)
    for entry in found:
        if not entry.action.startswith("privacy."):
            assert dict(entry.metadata) == {}
    again = await world["erase_tenant"](commands.EraseTenantData(tenant, data.ADMIN))
    assert again.nothing_left
    # The other tenant is untouched, byte for byte.
    other_after = await world["export_tenant"](
        commands.ExportTenantData(data.TENANTS[1], data.ADMIN)
    )
    dump = privacy_export.dumps
    assert dump(privacy_export.tenant_document(other_after)) == dump(
        privacy_export.tenant_document(other_before)
    )
    assert [f for f in world["media"].files if f[0] == tenant] == []


async def test_an_unknown_tenant_is_not_found(world: dict[str, Any]) -> None:
    for name, command in (
        ("export_tenant", commands.ExportTenantData),
        ("erase_tenant", commands.EraseTenantData),
    ):
        with pytest.raises(errors.NotFound) as missing:
            await world[name](command(ids.TenantId("tenant-zzz"), data.ADMIN))
        assert missing.value.code == "tenant.not_found"


def test_scrubbing_replaces_values_in_nested_metadata_and_keys() -> None:
    personal = frozenset({"+923001111111", "Ana", "ab", "ana1@mail.example"})
    metadata = {
        "to": "+923001111111",
        "notes": ["call Ana now", {"Ana": 1}],
        "n": 1,
        "x": "ab",
        "y": "abc",
        "phone": 923001111111,
    }
    cleaned = model.scrub_metadata(metadata, personal)
    assert cleaned == {
        "to": model.ERASED,
        "notes": [f"call {model.ERASED} now", {model.ERASED: 1}],
        "n": 1,  # the digit of the email is not a phone number
        "x": model.ERASED,
        "y": "abc",  # two characters are only scrubbed as a whole value
        "phone": model.ERASED,
    }
    assert model.scrub_metadata({"n": 3, "list": ("a", "b")}, personal) is None


_json = st.recursive(
    st.none() | st.integers() | st.text(alphabet="abcxyz+0123 ", max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet="abcxyz", max_size=4), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(
    metadata=st.dictionaries(st.text(alphabet="abcxyz", max_size=4), _json, max_size=4),
    personal=st.frozensets(st.text(alphabet="abcxyz+0123", min_size=3, max_size=6), max_size=3),
)
def test_scrubbed_metadata_holds_no_personal_value(
    metadata: dict[str, Any], personal: frozenset[str]
) -> None:
    cleaned = model.scrub_metadata(metadata, personal)
    result = metadata if cleaned is None else cleaned
    text = json.dumps(result)
    for value in personal:
        # A replacement may itself spell a value only if the value is part of "[erased]".
        assert value not in text or value in model.ERASED
    assert model.scrub_metadata(metadata, frozenset()) is None
