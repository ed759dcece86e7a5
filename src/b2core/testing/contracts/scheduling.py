"""Contract of the scheduling ports: ``TemplateRepository``, ``ScheduledMessageRepository``,
``SchedulingSettingsRepository`` and the ``DispatchQueue``, as a ``SchedulingUoW`` offers them.

Run it against your adapter by star-importing it into a test module that defines the
``uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.scheduling import *  # noqa: F403

What the suite pins down beyond the port's docstrings:

* A tenant-bound transaction never shows, changes or deletes another tenant's templates or
  messages, and refuses to store one (``template.wrong_tenant``, ``schedule.wrong_tenant``).
* Claims take due messages across tenants, earliest ``due_at`` first, up to the limit; an
  expired claim is free again; a claim not committed is not taken; racing claimers (each in
  its own transaction) never share a message.
* Retention deletes only final messages that finished before the cutoff.
* The tenant repositories need a tenant transaction and the dispatch queue a platform one
  (``RuntimeError``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from b2core.scheduling import model, quiet_hours, templates
from b2core.shared import errors, ids, pagination
from b2core.testing.contracts import UowFactory, unique_id

__all__ = [
    "pytestmark",
    "test_a_claim_not_committed_is_not_taken",
    "test_another_tenants_messages_and_templates_are_invisible_and_refused",
    "test_claims_take_due_messages_earliest_first_up_to_the_limit",
    "test_forged_cursors_are_invalid_input",
    "test_messages_round_trip_and_list_by_send_time_with_filters",
    "test_purge_removes_only_finished_messages_older_than_the_cutoff",
    "test_racing_claimers_never_share_a_message",
    "test_saves_bump_the_version_and_refuse_stale_copies",
    "test_settings_round_trip",
    "test_template_names_stay_unique_on_save",
    "test_templates_round_trip_and_list_by_name",
    "test_tenant_repositories_need_a_tenant_transaction",
    "test_the_dispatch_queue_needs_a_platform_transaction",
]

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PHONE = "+5511987654321"
TTL = timedelta(minutes=1)
PAGE = pagination.PageRequest()


def a_message(
    tenant_id: ids.TenantId, minutes: int = 10, *, message_id: str | None = None
) -> model.ScheduledMessage:
    """A PENDING text message due ``minutes`` after T0, with a unique id unless given."""
    return model.ScheduledMessage.create(
        ids.ScheduledMessageId(message_id or unique_id()),
        tenant_id,
        PHONE,
        model.MessageContent("Hello"),
        T0 + timedelta(minutes=minutes),
        timezone="UTC",
        by=ids.UserId("u-1"),
        at=T0,
    )


def a_template(name: str, tenant_id: ids.TenantId) -> templates.MessageTemplate:
    """A template with one variable and a WhatsApp twin, unique id."""
    return templates.MessageTemplate.create(
        ids.TemplateId(unique_id()),
        tenant_id,
        name,
        "Hi {{ name }}",
        ("name",),
        by=ids.UserId("u"),
        at=T0,
        whatsapp=templates.WhatsAppTemplate("hello_name", "en", ("name",)),
    )


def new_tenant() -> ids.TenantId:
    """A tenant id no other example uses."""
    return ids.TenantId(unique_id())


async def store(uow: Any, *messages: model.ScheduledMessage) -> None:
    """Add and commit ``messages``, each in its tenant's transaction."""
    for message in messages:
        async with uow.tenant(message.tenant_id) as tx:
            await tx.scheduled_messages.add(message)
            await tx.commit()


async def claim(
    uow: Any, worker: str, limit: int = 10, minutes: int = 10
) -> list[model.ScheduledMessage]:
    """Claim and commit as ``worker`` at T0 + ``minutes``."""
    async with uow.platform() as tx:
        claimed = list(
            await tx.scheduled_dispatch.claim_due(
                T0 + timedelta(minutes=minutes), limit, worker, TTL
            )
        )
        await tx.commit()
    return claimed


async def test_another_tenants_messages_and_templates_are_invisible_and_refused(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    tenant, other = new_tenant(), new_tenant()
    message = a_message(tenant)
    await store(uow, message)
    async with uow.tenant(tenant) as tx:
        await tx.message_templates.add(a_template("Reminder", tenant))
        await tx.commit()
    async with uow.tenant(other) as tx:
        assert await tx.scheduled_messages.get(message.id) is None
        assert (await tx.scheduled_messages.list(PAGE)).items == ()
        assert await tx.scheduled_messages.delete(message.id) is False
        assert (await tx.message_templates.list(PAGE)).items == ()
        with pytest.raises(errors.Forbidden) as caught:
            await tx.scheduled_messages.add(a_message(tenant))
        assert caught.value.code == "schedule.wrong_tenant"
        with pytest.raises(errors.Forbidden):
            await tx.message_templates.add(a_template("X", tenant))
        with pytest.raises(errors.Forbidden):
            await tx.scheduling_settings.save(quiet_hours.SchedulingSettings(tenant))
        # The same name is free in another tenant.
        await tx.message_templates.add(a_template("Reminder", other))
        await tx.commit()


async def test_templates_round_trip_and_list_by_name(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    made = [a_template(name, tenant) for name in ("beta", "Alpha", "gamma")]
    async with uow.tenant(tenant) as tx:
        for template in made:
            await tx.message_templates.add(template)
        await tx.commit()
    async with uow.tenant(tenant) as tx:
        assert await tx.message_templates.get(made[0].id) == made[0]
        first = await tx.message_templates.list(pagination.PageRequest(limit=2))
        assert first.next_cursor is not None
        rest = await tx.message_templates.list(pagination.PageRequest(cursor=first.next_cursor))
        assert await tx.message_templates.delete(made[0].id) is True
        await tx.commit()
    assert [t.name for t in (*first.items, *rest.items)] == ["Alpha", "beta", "gamma"]


async def test_messages_round_trip_and_list_by_send_time_with_filters(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    payload = model.WhatsAppPayload("hello_name", "pt_BR", ("Ana",))
    content = model.MessageContent("Hi Ana", ids.TemplateId("t-1"), {"name": "Ana"}, payload)
    rich = model.ScheduledMessage.create(
        ids.ScheduledMessageId(unique_id()),
        tenant,
        "+4915112345678",
        content,
        T0 + timedelta(minutes=5),
        timezone="Europe/Berlin",
        by=ids.UserId("u-2"),
        at=T0,
    )
    late, early = a_message(tenant, 30), a_message(tenant, 20)
    await store(uow, late, rich, early)
    async with uow.tenant(tenant) as tx:
        assert await tx.scheduled_messages.get(rich.id) == rich
        everything = await tx.scheduled_messages.list(PAGE)
        filtered = await tx.scheduled_messages.list(
            PAGE,
            status=model.ScheduleStatus.PENDING,
            recipient=PHONE,
            send_from=T0 + timedelta(minutes=20),
            send_until=T0 + timedelta(minutes=30),
        )
        first = await tx.scheduled_messages.list(pagination.PageRequest(limit=1))
        assert first.next_cursor is not None
        second = await tx.scheduled_messages.list(pagination.PageRequest(cursor=first.next_cursor))
    assert [m.id for m in everything.items] == [rich.id, early.id, late.id]
    assert [m.id for m in filtered.items] == [early.id]
    assert [m.id for m in (*first.items, *second.items)] == [rich.id, early.id, late.id]


async def test_saves_bump_the_version_and_refuse_stale_copies(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    message = a_message(tenant)
    await store(uow, message)
    async with uow.tenant(tenant) as tx:
        saved = await tx.scheduled_messages.save(message.cancel(T0))
        assert saved.version == message.version + 1
        with pytest.raises(errors.ConcurrencyConflict) as caught:
            await tx.scheduled_messages.save(message.revise(T0, send_at=T0 + timedelta(hours=1)))
        assert caught.value.code == "schedule.concurrent_update"
        with pytest.raises(errors.NotFound):
            await tx.scheduled_messages.save(a_message(tenant))
        with pytest.raises(errors.Conflict) as duplicate:
            await tx.scheduled_messages.add(message)
        assert duplicate.value.code == "schedule.already_exists"
        await tx.commit()
    async with uow.tenant(tenant) as tx:
        stored = await tx.scheduled_messages.get(message.id)
    assert stored == saved


async def test_template_names_stay_unique_on_save(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    async with uow.tenant(tenant) as tx:
        first, second = a_template("One", tenant), a_template("Two", tenant)
        await tx.message_templates.add(first)
        await tx.message_templates.add(second)
        with pytest.raises(errors.Conflict) as caught:
            await tx.message_templates.add(a_template("one ", tenant))
        assert caught.value.code == "template.duplicate_name"
        with pytest.raises(errors.Conflict) as renamed:
            await tx.message_templates.save(second.update(T0, name="ONE"))
        assert renamed.value.code == "template.duplicate_name"
        with pytest.raises(errors.ConcurrencyConflict):
            await tx.message_templates.save(attrs.evolve(first, version=5))
        saved = await tx.message_templates.save(first.update(T0, name="Uno"))
        assert saved.version == 1


async def test_settings_round_trip(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    settings = quiet_hours.SchedulingSettings(tenant, quiet_hours.QuietHours("22:00", "08:00"), T0)
    async with uow.tenant(tenant) as tx:
        assert await tx.scheduling_settings.get() is None
        await tx.scheduling_settings.save(settings)
        await tx.commit()
    async with uow.tenant(tenant) as tx:
        assert await tx.scheduling_settings.get() == settings
        await tx.scheduling_settings.save(quiet_hours.SchedulingSettings(tenant, None, T0))
        assert await tx.scheduling_settings.get() == quiet_hours.SchedulingSettings(
            tenant, None, T0
        )


async def test_claims_take_due_messages_earliest_first_up_to_the_limit(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    tenant, other = new_tenant(), new_tenant()
    m1, m2, m3 = a_message(tenant, 9), a_message(other, 5), a_message(tenant, 7)
    m4 = a_message(tenant, 11)  # not due yet
    await store(uow, m1, m2, m3, m4)
    taken = await claim(uow, "w1", limit=2)
    assert [m.id for m in taken] == [m2.id, m3.id]  # across tenants
    assert {(m.claimed_by, m.claim_expires_at) for m in taken} == {
        ("w1", T0 + timedelta(minutes=11))
    }
    assert [m.id for m in await claim(uow, "w2")] == [m1.id]
    assert await claim(uow, "w3") == []
    # Expired claims are free again.
    again = await claim(uow, "w3", minutes=11)
    assert [m.id for m in again] == [m2.id, m3.id, m1.id, m4.id]
    async with uow.tenant(tenant) as tx:
        stored = await tx.scheduled_messages.get(m3.id)
    assert stored is not None
    assert (stored.claimed_by, stored.version) == ("w3", 2)


async def test_racing_claimers_never_share_a_message(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    await store(uow, *(a_message(tenant) for _ in range(60)))
    results = await asyncio.gather(*(claim(uow, f"w{n}", limit=7) for n in range(12)))
    ids_claimed = [m.id for batch in results for m in batch]
    assert len(ids_claimed) == len(set(ids_claimed)) == 60


async def test_a_claim_not_committed_is_not_taken(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    await store(uow, a_message(new_tenant()))
    async with uow.platform() as tx:
        await tx.scheduled_dispatch.claim_due(T0 + timedelta(minutes=10), 5, "w1", TTL)
    assert [m.claimed_by for m in await claim(uow, "w2")] == ["w2"]


async def test_purge_removes_only_finished_messages_older_than_the_cutoff(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    old, new, pending = a_message(tenant, 1), a_message(tenant, 2), a_message(tenant, 3)
    await store(uow, old, new, pending)
    async with uow.tenant(tenant) as tx:
        await tx.scheduled_messages.save(old.cancel(T0))
        await tx.scheduled_messages.save(new.cancel(T0 + timedelta(days=1)))
        await tx.commit()
    async with uow.platform() as tx:
        assert await tx.scheduled_dispatch.purge_finished(T0 + timedelta(hours=1)) == 1
        await tx.commit()
    async with uow.tenant(tenant) as tx:
        page = await tx.scheduled_messages.list(PAGE)
    assert [m.id for m in page.items] == [new.id, pending.id]


@pytest.mark.parametrize(
    "repository", ["message_templates", "scheduled_messages", "scheduling_settings"]
)
async def test_tenant_repositories_need_a_tenant_transaction(
    uow_factory: UowFactory, repository: str
) -> None:
    uow = await uow_factory()
    async with uow.platform() as tx:
        with pytest.raises(RuntimeError, match="tenant-scoped"):
            getattr(tx, repository)


async def test_the_dispatch_queue_needs_a_platform_transaction(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    async with uow.tenant(new_tenant()) as tx:
        with pytest.raises(RuntimeError, match="platform-wide"):
            _ = tx.scheduled_dispatch


async def test_forged_cursors_are_invalid_input(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    async with uow.tenant(new_tenant()) as tx:
        for listing in (tx.scheduled_messages.list, tx.message_templates.list):
            with pytest.raises(errors.InvalidInput) as caught:
                await listing(pagination.PageRequest(cursor="bm90IGpzb24"))
            assert caught.value.code == "pagination.bad_cursor"
