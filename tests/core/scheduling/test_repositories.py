"""The memory repositories of scheduling: isolation, versions, atomic claims, retention.

Written against the ports through a unit-of-work factory, so that they can become the contract
suite of the SQL adapters (``b2core.testing.contracts.scheduling``) unchanged.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import attrs
import pytest

from b2adapters.memory.uow import InMemoryUnitOfWork
from b2core.scheduling import model, quiet_hours, templates
from b2core.shared import errors, ids, pagination
from tests.core.scheduling.support import PHONE, T0

Status = model.ScheduleStatus
TENANT, OTHER = ids.TenantId("tenant-a"), ids.TenantId("tenant-b")
TTL = timedelta(minutes=1)


def a_message(
    n: int, tenant_id: ids.TenantId = TENANT, minutes: int = 10
) -> model.ScheduledMessage:
    return model.ScheduledMessage.create(
        ids.ScheduledMessageId(f"m-{n:03d}"),
        tenant_id,
        PHONE,
        model.MessageContent(f"Hello {n}"),
        T0 + timedelta(minutes=minutes),
        timezone="UTC",
        by=ids.UserId("u-1"),
        at=T0,
    )


def a_template(name: str, tenant_id: ids.TenantId = TENANT) -> templates.MessageTemplate:
    return templates.MessageTemplate.create(
        ids.TemplateId(f"t-{name}-{tenant_id}"),
        tenant_id,
        name,
        "Hi",
        (),
        by=ids.UserId("u"),
        at=T0,
    )


@pytest.fixture
def uow() -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork()


async def store(uow: InMemoryUnitOfWork, *messages: model.ScheduledMessage) -> None:
    for message in messages:
        async with uow.tenant(message.tenant_id) as tx:
            await tx.scheduled_messages.add(message)
            await tx.commit()


async def claim(
    uow: InMemoryUnitOfWork, worker: str, limit: int = 10, minutes: int = 10
) -> list[model.ScheduledMessage]:
    async with uow.platform() as tx:
        claimed = list(
            await tx.scheduled_dispatch.claim_due(
                T0 + timedelta(minutes=minutes), limit, worker, TTL
            )
        )
        await tx.commit()
    return claimed


async def test_another_tenants_messages_and_templates_are_invisible_and_refused(
    uow: InMemoryUnitOfWork,
) -> None:
    await store(uow, a_message(1))
    async with uow.tenant(TENANT) as tx:
        await tx.message_templates.add(a_template("Reminder"))
        await tx.commit()
    async with uow.tenant(OTHER) as tx:
        assert await tx.scheduled_messages.get(ids.ScheduledMessageId("m-001")) is None
        assert (await tx.scheduled_messages.list(pagination.PageRequest())).items == ()
        assert await tx.scheduled_messages.delete(ids.ScheduledMessageId("m-001")) is False
        assert (await tx.message_templates.list(pagination.PageRequest())).items == ()
        with pytest.raises(errors.Forbidden) as caught:
            await tx.scheduled_messages.add(a_message(2))
        assert caught.value.code == "schedule.wrong_tenant"
        with pytest.raises(errors.Forbidden):
            await tx.message_templates.add(a_template("X"))
        with pytest.raises(errors.Forbidden):
            await tx.scheduling_settings.save(quiet_hours.SchedulingSettings(TENANT))
        # The same name is free in another tenant.
        await tx.message_templates.add(a_template("Reminder", OTHER))


async def test_saves_bump_the_version_and_refuse_stale_copies(uow: InMemoryUnitOfWork) -> None:
    message = a_message(1)
    await store(uow, message)
    async with uow.tenant(TENANT) as tx:
        saved = await tx.scheduled_messages.save(message.cancel(T0))
        assert saved.version == message.version + 1
        with pytest.raises(errors.ConcurrencyConflict) as caught:
            await tx.scheduled_messages.save(message.revise(T0, send_at=T0 + timedelta(hours=1)))
        assert caught.value.code == "schedule.concurrent_update"
        with pytest.raises(errors.NotFound):
            await tx.scheduled_messages.save(a_message(9))
        with pytest.raises(errors.Conflict) as duplicate:
            await tx.scheduled_messages.add(a_message(1))
        assert duplicate.value.code == "schedule.already_exists"


async def test_template_names_stay_unique_on_save(uow: InMemoryUnitOfWork) -> None:
    async with uow.tenant(TENANT) as tx:
        first, second = a_template("One"), a_template("Two")
        await tx.message_templates.add(first)
        await tx.message_templates.add(second)
        with pytest.raises(errors.Conflict) as caught:
            await tx.message_templates.save(second.update(T0, name="ONE"))
        assert caught.value.code == "template.duplicate_name"
        with pytest.raises(errors.ConcurrencyConflict):
            await tx.message_templates.save(attrs.evolve(first, version=5))


async def test_claims_take_due_messages_earliest_first_up_to_the_limit(
    uow: InMemoryUnitOfWork,
) -> None:
    await store(
        uow, a_message(1, minutes=9), a_message(2, OTHER, minutes=5), a_message(3, minutes=7)
    )
    await store(uow, a_message(4, minutes=11))  # not due yet
    taken = await claim(uow, "w1", limit=2)
    assert [m.id for m in taken] == ["m-002", "m-003"]  # across tenants
    assert {(m.claimed_by, m.claim_expires_at) for m in taken} == {
        ("w1", T0 + timedelta(minutes=11))
    }
    assert [m.id for m in await claim(uow, "w2")] == ["m-001"]
    assert await claim(uow, "w3") == []
    # Expired claims are free again.
    again = await claim(uow, "w3", minutes=11)
    assert [m.id for m in again] == ["m-002", "m-003", "m-001", "m-004"]
    async with uow.tenant(TENANT) as tx:
        stored = await tx.scheduled_messages.get(ids.ScheduledMessageId("m-003"))
    assert stored is not None
    assert (stored.claimed_by, stored.version) == ("w3", 2)


async def test_racing_claimers_never_share_a_message(uow: InMemoryUnitOfWork) -> None:
    await store(uow, *(a_message(n) for n in range(60)))
    results = await asyncio.gather(*(claim(uow, f"w{n}", limit=7) for n in range(12)))
    ids_claimed = [m.id for batch in results for m in batch]
    assert len(ids_claimed) == len(set(ids_claimed)) == 60


async def test_a_claim_not_committed_is_not_taken(uow: InMemoryUnitOfWork) -> None:
    await store(uow, a_message(1))
    async with uow.platform() as tx:
        await tx.scheduled_dispatch.claim_due(T0 + timedelta(minutes=10), 5, "w1", TTL)
    assert [m.claimed_by for m in await claim(uow, "w2")] == ["w2"]


async def test_purge_removes_only_finished_messages_older_than_the_cutoff(
    uow: InMemoryUnitOfWork,
) -> None:
    old, new, pending = a_message(1), a_message(2), a_message(3)
    await store(uow, old, new, pending)
    async with uow.tenant(TENANT) as tx:
        await tx.scheduled_messages.save(old.cancel(T0))
        await tx.scheduled_messages.save(new.cancel(T0 + timedelta(days=1)))
        await tx.commit()
    async with uow.platform() as tx:
        assert await tx.scheduled_dispatch.purge_finished(T0 + timedelta(hours=1)) == 1
        await tx.commit()
    async with uow.tenant(TENANT) as tx:
        page = await tx.scheduled_messages.list(pagination.PageRequest())
    assert [m.id for m in page.items] == ["m-002", "m-003"]


@pytest.mark.parametrize(
    "repository", ["message_templates", "scheduled_messages", "scheduling_settings"]
)
async def test_tenant_repositories_need_a_tenant_transaction(
    uow: InMemoryUnitOfWork, repository: str
) -> None:
    async with uow.platform() as tx:
        with pytest.raises(RuntimeError, match="tenant-scoped"):
            getattr(tx, repository)


async def test_the_dispatch_queue_needs_a_platform_transaction(uow: InMemoryUnitOfWork) -> None:
    async with uow.tenant(TENANT) as tx:
        with pytest.raises(RuntimeError, match="platform-wide"):
            _ = tx.scheduled_dispatch


async def test_forged_cursors_are_invalid_input(uow: InMemoryUnitOfWork) -> None:
    async with uow.tenant(TENANT) as tx:
        for listing in (tx.scheduled_messages.list, tx.message_templates.list):
            with pytest.raises(errors.InvalidInput) as caught:
                await listing(pagination.PageRequest(cursor="bm90IGpzb24"))
            assert caught.value.code == "pagination.bad_cursor"
