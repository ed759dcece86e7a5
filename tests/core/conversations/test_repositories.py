"""The conversations and messages repositories (memory adapter) behave as their ports say."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2adapters.memory.uow import InMemoryUnitOfWork
from b2core.conversations import channel, delivery, messages, model, policy
from b2core.shared import errors, ids, pagination
from tests.core.conversations.support import CHANNEL, T0, TENANT, conversation

OTHER = ids.TenantId("tenant-b")
State = delivery.DeliveryState


def reply(n: int = 1, conv: model.Conversation | None = None) -> messages.Message:
    target = conv or conversation()
    key = policy.outbound_key(TENANT, target.id, f"cause-{n}")
    return messages.Message.outbound_text(
        ids.MessageId(f"m-{n}"), target, f"reply {n}", T0 + timedelta(seconds=n), key
    )


def report(
    state: State, provider_id: str = "wamid.out", tenant: ids.TenantId = TENANT
) -> channel.DeliveryStatus:
    return channel.DeliveryStatus(tenant, CHANNEL, provider_id, state, T0, "err")


async def stored(uow: InMemoryUnitOfWork, *items: object) -> None:
    async with uow.tenant(TENANT) as tx:
        for item in items:
            if isinstance(item, model.Conversation):
                await tx.conversations.get_or_open_for_customer(item)
            else:
                assert isinstance(item, messages.Message)
                assert await tx.messages.add(item)
        await tx.commit()


class TestConversationRepository:
    async def test_one_live_conversation_per_customer(self) -> None:
        uow = InMemoryUnitOfWork()
        first = conversation()
        rival = attrs.evolve(first, id=ids.ConversationId("c-2"))
        async with uow.tenant(TENANT) as tx:
            assert await tx.conversations.get_or_open_for_customer(first) == (first, True)
            assert await tx.conversations.get_or_open_for_customer(rival) == (first, False)
            saved = await tx.conversations.save(first.close(T0))
            assert await tx.conversations.get_or_open_for_customer(rival) == (rival, True)
            assert saved.version == 1

    async def test_stale_version_is_a_concurrency_conflict(self) -> None:
        uow = InMemoryUnitOfWork()
        await stored(uow, conversation())
        async with uow.tenant(TENANT) as tx:
            current = await tx.conversations.get(ids.ConversationId("c-1"))
            assert current is not None
            await tx.conversations.save(current.resolve(T0))
            with pytest.raises(errors.ConcurrencyConflict) as caught:
                await tx.conversations.save(current.close(T0))
            assert caught.value.code == "conversation.concurrent_update"

    async def test_saving_an_unknown_conversation_is_not_found(self) -> None:
        async with InMemoryUnitOfWork().tenant(TENANT) as tx:
            with pytest.raises(errors.NotFound):
                await tx.conversations.save(conversation())

    async def test_tenant_bound(self) -> None:
        uow = InMemoryUnitOfWork()
        await stored(uow, conversation())
        async with uow.tenant(OTHER) as tx:
            assert await tx.conversations.get(ids.ConversationId("c-1")) is None
            assert (await tx.conversations.list(pagination.PageRequest())).items == ()
            with pytest.raises(errors.Forbidden):
                await tx.conversations.get_or_open_for_customer(conversation())
        async with uow.platform() as tx:
            with pytest.raises(RuntimeError):
                _ = tx.conversations

    async def test_forged_cursor_is_invalid_input(self) -> None:
        async with InMemoryUnitOfWork().tenant(TENANT) as tx:
            with pytest.raises(errors.InvalidInput) as caught:
                await tx.conversations.list(pagination.PageRequest(cursor="bm9wZQ"))
            assert caught.value.code == "pagination.bad_cursor"


class TestMessageRepository:
    async def test_add_is_idempotent_on_provider_id_and_key(self) -> None:
        uow = InMemoryUnitOfWork()
        sent = reply(1).mark_sent("wamid.out", T0)
        await stored(uow, conversation(), sent)
        same_provider = attrs.evolve(reply(2).mark_sent("wamid.out", T0), id=ids.MessageId("m-9"))
        same_key = attrs.evolve(sent, id=ids.MessageId("m-8"), provider_message_id=None)
        async with uow.tenant(TENANT) as tx:
            assert not await tx.messages.add(same_provider)
            assert not await tx.messages.add(same_key)
            with pytest.raises(errors.Conflict) as caught:
                await tx.messages.add(reply(1))
            assert caught.value.code == "message.already_exists"
            assert await tx.messages.find_by_provider_id(CHANNEL, "wamid.out") == sent
            assert await tx.messages.find_by_idempotency_key(sent.idempotency_key or "") == sent
            assert await tx.messages.get(ids.MessageId("m-9")) is None

    async def test_same_provider_id_on_another_channel_is_another_message(self) -> None:
        uow = InMemoryUnitOfWork()
        await stored(uow, conversation(), reply(1).mark_sent("wamid.x", T0))
        elsewhere = attrs.evolve(reply(2), channel_id=ids.ChannelId("channel-2"))
        async with uow.tenant(TENANT) as tx:
            assert await tx.messages.add(elsewhere.mark_sent("wamid.x", T0))

    async def test_mark_sent_then_failed_keeps_the_rule(self) -> None:
        uow = InMemoryUnitOfWork()
        await stored(uow, conversation(), reply(1), reply(2))
        async with uow.tenant(TENANT) as tx:
            sent = await tx.messages.mark_sent(ids.MessageId("m-1"), "wamid.out", T0)
            assert (sent.delivery_state, sent.provider_message_id) == (State.SENT, "wamid.out")
            failed = await tx.messages.mark_failed(ids.MessageId("m-2"), "131026", T0)
            assert (failed.delivery_state, failed.delivery_error) == (State.FAILED, "131026")
            read = await tx.messages.apply_delivery_status(report(State.READ))
            assert read is not None
            assert read.delivery_state is State.READ
            still_read = await tx.messages.mark_failed(ids.MessageId("m-1"), "late", T0)
            assert still_read.delivery_state is State.READ
            with pytest.raises(errors.NotFound) as caught:
                await tx.messages.mark_sent(ids.MessageId("nope"), "wamid.z", T0)
            assert caught.value.code == "message.not_found"

    async def test_unknown_or_foreign_reports(self) -> None:
        uow = InMemoryUnitOfWork()
        await stored(uow, conversation(), reply(1).mark_sent("wamid.out", T0))
        async with uow.tenant(TENANT) as tx:
            assert await tx.messages.apply_delivery_status(report(State.READ, "wamid.?")) is None
        async with uow.tenant(OTHER) as tx:
            with pytest.raises(errors.Forbidden):
                await tx.messages.apply_delivery_status(report(State.READ))
            assert await tx.messages.find_by_provider_id(CHANNEL, "wamid.out") is None

    async def test_search_looks_at_captions_too(self) -> None:
        uow = InMemoryUnitOfWork()
        media = channel.Media(channel.MediaType.IMAGE, "media-1", caption="Tabela de PREÇOS")
        image = attrs.evolve(reply(1), type=messages.MessageType.IMAGE, text=None, media=media)
        await stored(uow, conversation(), image, reply(2))
        async with uow.tenant(TENANT) as tx:
            page = await tx.messages.search("preços", pagination.PageRequest())
            assert [m.id for m in page.items] == [image.id]


@settings(max_examples=50, deadline=None)
@given(reports=st.lists(st.sampled_from([State.SENT, State.DELIVERED, State.READ]), max_size=8))
async def test_reports_in_any_order_leave_the_highest_state(reports: list[State]) -> None:
    uow = InMemoryUnitOfWork()
    await stored(uow, conversation(), reply(1))
    async with uow.tenant(TENANT) as tx:
        await tx.messages.mark_sent(ids.MessageId("m-1"), "wamid.out", T0)
        for state in reports:
            await tx.messages.apply_delivery_status(report(state))
        final = await tx.messages.get(ids.MessageId("m-1"))
    assert final is not None
    order = [State.QUEUED, State.SENT, State.DELIVERED, State.READ]
    assert final.delivery_state is max([State.SENT, *reports], key=order.index)
