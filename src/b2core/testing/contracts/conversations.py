"""Contract of ``ConversationRepository`` and ``StaffDirectory``, as a ``ConversationsTx``
offers them, and of tenant isolation across the whole transaction (messages included).

Run it against your adapter by star-importing it, with the messages suite
(``b2core.testing.contracts.messages``), into a test module that defines the ``uow_factory``
fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.conversations import *  # noqa: F403
    from b2core.testing.contracts.messages import *  # noqa: F403

The UoW must satisfy ``b2core.conversations.ports.ConversationsUoW``; the staff example also
adds tenants and users through ``platform()`` (``b2core.iam.ports.AccountsUoW``). Every example
uses fresh tenants, customers and ids, so a store kept between calls of the factory is fine.

What the suite pins down beyond the port's docstrings:

* Racing openers (separate transactions, each committing) share one conversation per
  customer; racing saves of one version let exactly one through.
* Conversations list by (last_message_at, id) descending, ids compared by code point
  (PostgreSQL: ``COLLATE "C"``); a forged cursor is ``errors.InvalidInput``
  ``pagination.bad_cursor`` on every list.
* A tenant-bound transaction never shows another tenant's records, and refuses to store or
  change one: ``errors.Forbidden`` ``conversation.wrong_tenant`` / ``message.wrong_tenant``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

from b2core.conversations import channel, delivery, messages, model, ports
from b2core.iam import model as iam_model
from b2core.shared import errors, ids, pagination
from b2core.testing.contracts import MOMENT, UowFactory, member, tenant, unique_id, unique_token

__all__ = [
    "pytestmark",
    "test_another_tenants_records_are_invisible_and_refused",
    "test_changes_without_commit_are_discarded",
    "test_conversation_round_trips_and_save_bumps_the_version",
    "test_conversations_list_by_activity_with_filters",
    "test_forged_cursors_are_invalid_input",
    "test_one_live_conversation_per_customer",
    "test_racing_openers_share_one_conversation",
    "test_racing_stale_saves_let_exactly_one_through",
    "test_staff_are_the_active_admins_and_staff_of_the_tenant",
]

pytestmark = pytest.mark.anyio

State = delivery.DeliveryState
PAGE = pagination.PageRequest()


def a_conversation(
    tenant_id: ids.TenantId | None = None, *, customer: str | None = None, at: datetime = MOMENT
) -> model.Conversation:
    """A new OPEN conversation with unique id, customer and channel (unless given)."""
    return model.Conversation.open(
        ids.ConversationId(unique_id()),
        tenant_id or ids.TenantId(unique_id()),
        ids.ChannelId(f"channel-{unique_token()}"),
        customer or f"bsuid.{unique_token()}",
        at,
    )


def a_reply(
    conversation: model.Conversation, text: str = "Our prices", *, at: datetime = MOMENT
) -> messages.Message:
    """A QUEUED text reply in ``conversation`` with unique id and idempotency key."""
    key = f"out_{unique_token()}"
    return messages.Message.outbound_text(ids.MessageId(unique_id()), conversation, text, at, key)


def an_inbound(
    conversation: model.Conversation,
    text: str | None = "hello",
    *,
    provider_id: str | None = None,
    media: channel.Media | None = None,
    at: datetime = MOMENT,
) -> messages.Message:
    """A customer's message in ``conversation`` (a unique provider id unless given)."""
    inbound = channel.InboundMessage(
        conversation.tenant_id,
        conversation.channel_id,
        conversation.customer_id,
        provider_id or f"wamid.{unique_token()}",
        at,
        text=text,
        media=media,
    )
    return messages.Message.from_inbound(ids.MessageId(unique_id()), conversation.id, inbound)


def report(sent: messages.Message, state: State, at: datetime = MOMENT) -> channel.DeliveryStatus:
    """The channel's report of ``state`` on the sent message ``sent``."""
    assert sent.provider_message_id is not None
    error = "131026 undeliverable" if state is State.FAILED else None
    return channel.DeliveryStatus(
        sent.tenant_id, sent.channel_id, sent.provider_message_id, state, at, error
    )


async def fresh(factory: UowFactory) -> ports.ConversationsUoW:
    """A unit of work from the fixture's factory."""
    uow: ports.ConversationsUoW = await factory()
    return uow


async def store(uow: ports.ConversationsUoW, *records: Any) -> None:
    """Open conversations and add messages of one tenant in one committed transaction."""
    async with uow.tenant(records[0].tenant_id) as tx:
        for record in records:
            if isinstance(record, model.Conversation):
                assert (await tx.conversations.get_or_open_for_customer(record))[1]
            else:
                assert await tx.messages.add(record)
        await tx.commit()


async def error_code(action: Awaitable[Any]) -> str:
    """The code of the domain error ``action`` raises (it must raise one)."""
    with pytest.raises(errors.DomainError) as raised:
        await action
    return raised.value.code


async def test_one_live_conversation_per_customer(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    first = a_conversation()
    rival = attrs.evolve(first, id=ids.ConversationId(unique_id()))
    async with uow.tenant(first.tenant_id) as tx:
        assert await tx.conversations.get_or_open_for_customer(first) == (first, True)
        assert await tx.conversations.get_or_open_for_customer(rival) == (first, False)
        resolved = await tx.conversations.save(first.resolve(MOMENT))
        assert await tx.conversations.get_or_open_for_customer(rival) == (resolved, False)
        closed = await tx.conversations.save(resolved.close(MOMENT))
        assert closed.version == 2
        assert await tx.conversations.get_or_open_for_customer(rival) == (rival, True)
        twin = a_conversation(first.tenant_id)
        twin = attrs.evolve(twin, id=rival.id)  # another customer, a taken id
        assert await error_code(tx.conversations.get_or_open_for_customer(twin)) == (
            "conversation.already_exists"
        )
        await tx.commit()
    async with uow.tenant(first.tenant_id) as tx:
        assert await tx.conversations.get(first.id) == closed
        assert await tx.conversations.get(rival.id) == rival


async def test_conversation_round_trips_and_save_bumps_the_version(
    uow_factory: UowFactory,
) -> None:
    uow = await fresh(uow_factory)
    opened = a_conversation()
    await store(uow, opened)
    later = MOMENT + timedelta(minutes=3, microseconds=7)
    changed = (
        opened.receive(later, customer_name=" Ana ", customer_phone="+55 11 90000-0000")
        .update_contact(later, email="ana@example.com")
        .hand_off(later)
    )
    async with uow.tenant(opened.tenant_id) as tx:
        saved = await tx.conversations.save(changed)
        assigned = await tx.conversations.save(saved.assign(ids.UserId(unique_id()), later))
        await tx.commit()
    assert (saved.version, assigned.version) == (1, 2)
    assert (saved.needs_human, saved.unread_count, saved.last_inbound_at) == (True, 1, later)
    async with uow.tenant(opened.tenant_id) as tx:
        assert await tx.conversations.get(opened.id) == assigned
        code = await error_code(tx.conversations.save(saved.resolve(later)))
        assert code == "conversation.concurrent_update"
        assert await error_code(tx.conversations.save(a_conversation(opened.tenant_id))) == (
            "conversation.not_found"
        )
        assert await tx.conversations.get(opened.id) == assigned


async def test_racing_openers_share_one_conversation(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    base = a_conversation()

    async def open_one() -> tuple[model.Conversation, bool]:
        candidate = attrs.evolve(base, id=ids.ConversationId(unique_id()))
        async with uow.tenant(base.tenant_id) as tx:
            result = await tx.conversations.get_or_open_for_customer(candidate)
            await tx.commit()
        return result

    results = await asyncio.gather(*(open_one() for _ in range(10)))
    assert len({conversation.id for conversation, _ in results}) == 1
    assert [opened for _, opened in results].count(True) == 1
    async with uow.tenant(base.tenant_id) as tx:
        assert len((await tx.conversations.list(PAGE)).items) == 1


async def test_racing_stale_saves_let_exactly_one_through(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    opened = a_conversation()
    await store(uow, opened)

    async def save(changed: model.Conversation) -> model.Conversation:
        async with uow.tenant(opened.tenant_id) as tx:
            saved = await tx.conversations.save(changed)
            await tx.commit()
        return saved

    changes = [opened.resolve(MOMENT), opened.close(MOMENT), opened.hand_off(MOMENT)]
    results = await asyncio.gather(*(save(c) for c in changes), return_exceptions=True)
    winners = [r for r in results if isinstance(r, model.Conversation)]
    assert len(winners) == 1
    assert all(isinstance(r, errors.ConcurrencyConflict) for r in results if r not in winners)
    async with uow.tenant(opened.tenant_id) as tx:
        assert await tx.conversations.get(opened.id) == winners[0]


async def test_conversations_list_by_activity_with_filters(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    tenant_id = ids.TenantId(unique_id())
    staff = ids.UserId(unique_id())
    first, second, third = (
        a_conversation(tenant_id, at=MOMENT + timedelta(minutes=n)) for n in (2, 0, 1)
    )
    await store(uow, first, second, third)
    async with uow.tenant(tenant_id) as tx:
        await tx.conversations.save(second.receive(MOMENT + timedelta(minutes=5)))
        await tx.conversations.save(third.assign(staff, MOMENT))
        everything = await tx.conversations.list(PAGE)
        assigned = await tx.conversations.list(PAGE, status=model.ConversationStatus.ASSIGNED)
        mine = await tx.conversations.list(PAGE, assignee_id=staff)
        unread = await tx.conversations.list(PAGE, unread=True)
        read = await tx.conversations.list(PAGE, unread=False)
        nothing = await tx.conversations.list(PAGE, unread=True, assignee_id=staff)
    assert [c.id for c in everything.items] == [second.id, first.id, third.id]
    assert [c.id for c in assigned.items] == [c.id for c in mine.items] == [third.id]
    assert [c.id for c in unread.items] == [second.id]
    assert [c.id for c in read.items] == [first.id, third.id]
    assert nothing.items == ()


async def test_forged_cursors_are_invalid_input(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    forged = [pagination.PageRequest(cursor=c) for c in ("bm9wZQ", pagination.encode_cursor(1, 2))]
    async with uow.tenant(ids.TenantId(unique_id())) as tx:
        for request in forged:
            calls = [
                tx.conversations.list(request),
                tx.messages.list_for_conversation(ids.ConversationId(unique_id()), request),
                tx.messages.search("x", request),
            ]
            for call in calls:
                assert await error_code(call) == "pagination.bad_cursor"


async def test_another_tenants_records_are_invisible_and_refused(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    theirs = a_conversation()
    sent = a_reply(theirs).mark_sent(f"wamid.{unique_token()}", MOMENT)
    await store(uow, theirs, sent)
    provider_id, key = sent.provider_message_id or "", sent.idempotency_key or ""
    ours = ids.TenantId(unique_id())
    async with uow.tenant(ours) as tx:
        assert await tx.conversations.get(theirs.id) is None
        assert await tx.messages.get(sent.id) is None
        assert (await tx.conversations.list(PAGE)).items == ()
        assert (await tx.messages.list_for_conversation(theirs.id, PAGE)).items == ()
        assert (await tx.messages.search("", PAGE)).items == ()
        assert await tx.messages.find_by_provider_id(sent.channel_id, provider_id) is None
        assert await tx.messages.find_by_idempotency_key(key) is None
        refused = [
            tx.conversations.get_or_open_for_customer(theirs),
            tx.conversations.save(theirs.close(MOMENT)),
            tx.messages.add(a_reply(theirs)),
            tx.messages.apply_delivery_status(report(sent, State.READ)),
        ]
        for action in refused:
            assert (await error_code(action)).endswith(".wrong_tenant")
        assert await error_code(tx.messages.mark_failed(sent.id, "x", MOMENT)) == (
            "message.not_found"
        )
        # The same customer of another tenant is a customer of its own here.
        mine = a_conversation(ours, customer=theirs.customer_id)
        assert await tx.conversations.get_or_open_for_customer(mine) == (mine, True)
        await tx.commit()
    async with uow.tenant(theirs.tenant_id) as tx:
        assert await tx.conversations.get(theirs.id) == theirs
        assert await tx.messages.get(sent.id) == sent
        assert [c.id for c in (await tx.conversations.list(PAGE)).items] == [theirs.id]


async def test_changes_without_commit_are_discarded(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    async with uow.tenant(conversation.tenant_id) as tx:
        await tx.conversations.get_or_open_for_customer(conversation)
        assert await tx.messages.add(a_reply(conversation))
    async with uow.tenant(conversation.tenant_id) as tx:
        assert await tx.conversations.get(conversation.id) is None
        assert (await tx.messages.search("", PAGE)).items == ()


async def test_staff_are_the_active_admins_and_staff_of_the_tenant(
    uow_factory: UowFactory,
) -> None:
    uow: Any = await uow_factory()  # also an AccountsUoW: the staff are the tenant's users
    ours, theirs = tenant(), tenant()
    roles = iam_model.Role
    people = {
        "admin": (member(ours.id, roles.TENANT_ADMIN), True),
        "staff": (member(ours.id, roles.STAFF), True),
        "former": (member(ours.id, roles.STAFF, active=False), False),
        "other": (member(theirs.id, roles.STAFF), False),
    }
    async with uow.platform() as tx:
        await tx.tenants.add(ours)
        await tx.tenants.add(theirs)
        for user, _ in people.values():
            assert await tx.users.add(user)
        await tx.commit()
    async with uow.tenant(ours.id) as tx:
        for name, (user, assignable) in people.items():
            assert await tx.staff.is_assignable(user.id) is assignable, name
        assert await tx.staff.is_assignable(ids.UserId(unique_id())) is False
