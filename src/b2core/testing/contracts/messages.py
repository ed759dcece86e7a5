"""Contract of ``MessageRepository``: idempotent adds, delivery states that never move back,
pages and search. Helpers and the isolation examples live in the conversations suite.

Run it by star-importing it into a test module that defines the ``uow_factory`` fixture (see
``b2core.testing.contracts.conversations``)::

    from b2core.testing.contracts.messages import *  # noqa: F403

What the suite pins down beyond the port's docstrings:

* Racing adds of one (channel, provider message id), in separate transactions that each
  commit, store one message; racing delivery reports on one message leave the highest state.
* Reports applied in any order leave the state ``delivery.fold`` gives for that order.
* Messages list by (created_at, id) descending, ids compared by code point.
* ``search`` matches a case-folded substring of the text or caption, ``%`` and ``_`` taken
  literally.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2core.conversations import channel, delivery, messages
from b2core.shared import ids, pagination
from b2core.testing.contracts import MOMENT, UowFactory, unique_id, unique_token
from b2core.testing.contracts.conversations import (
    PAGE,
    State,
    a_conversation,
    a_reply,
    an_inbound,
    error_code,
    fresh,
    report,
    store,
)

__all__ = [
    "pytestmark",
    "test_add_is_idempotent_on_provider_id_and_key",
    "test_mark_sent_and_failed_follow_the_delivery_rule",
    "test_message_pages_visit_every_message_once_newest_first",
    "test_messages_round_trip",
    "test_racing_adds_of_one_provider_message_store_one",
    "test_racing_reports_leave_the_highest_state",
    "test_record_media_changes_only_the_attachment",
    "test_reports_in_any_order_leave_the_folded_state",
    "test_same_provider_id_on_another_channel_is_another_message",
    "test_search_is_a_case_insensitive_substring_match",
    "test_unknown_or_inbound_reports_change_nothing",
]

pytestmark = pytest.mark.anyio


async def test_add_is_idempotent_on_provider_id_and_key(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    sent = a_reply(conversation).mark_sent("wamid.first", MOMENT)
    inbound = an_inbound(conversation)
    await store(uow, conversation, sent, inbound)
    again = ids.MessageId(unique_id())
    same_provider = attrs.evolve(a_reply(conversation), id=again, provider_message_id="wamid.first")
    same_key = attrs.evolve(sent, id=again, provider_message_id=None)
    async with uow.tenant(conversation.tenant_id) as tx:
        assert not await tx.messages.add(same_provider)
        assert not await tx.messages.add(same_key)
        assert not await tx.messages.add(attrs.evolve(inbound, id=again))
        assert await error_code(tx.messages.add(sent)) == "message.already_exists"
        assert await tx.messages.get(again) is None
        assert await tx.messages.find_by_provider_id(sent.channel_id, "wamid.x") is None
        assert await tx.messages.find_by_provider_id(sent.channel_id, "wamid.first") == sent
        assert await tx.messages.find_by_idempotency_key(sent.idempotency_key or "") == sent
        assert await tx.messages.find_by_idempotency_key("out_unknown") is None


async def test_same_provider_id_on_another_channel_is_another_message(
    uow_factory: UowFactory,
) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    provider_id = f"wamid.{unique_token()}"
    elsewhere = attrs.evolve(conversation, channel_id=ids.ChannelId(f"channel-{unique_token()}"))
    await store(uow, conversation, an_inbound(conversation, provider_id=provider_id))
    async with uow.tenant(conversation.tenant_id) as tx:
        assert await tx.messages.add(an_inbound(elsewhere, provider_id=provider_id))
        found = await tx.messages.find_by_provider_id(elsewhere.channel_id, provider_id)
        assert found is not None
        assert found.channel_id == elsewhere.channel_id


async def test_messages_round_trip(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    later = MOMENT + timedelta(seconds=1, microseconds=5)
    photo = channel.Media(channel.MediaType.IMAGE, "media-1", "image/jpeg", "Look", "a.jpg")
    template = channel.Template("order_ready", "pt_BR", ("Ana", "#12"))
    records = [
        an_inbound(conversation, None, media=photo),
        an_inbound(conversation, "Olá, ção? 🙂" * 3),
        messages.Message.outbound_text(
            ids.MessageId(unique_id()),
            conversation,
            "Sim",
            later,
            "k1",
            from_ai=True,
            ai_confidence=0.8125,
        ),
        messages.Message.outbound_text(
            ids.MessageId(unique_id()),
            conversation,
            "Eu",
            later,
            "k2",
            sender_user_id=ids.UserId(unique_id()),
        ).mark_sent("wamid.out", later),
        attrs.evolve(
            a_reply(conversation), type=messages.MessageType.TEMPLATE, text=None, template=template
        ),
    ]
    await store(uow, conversation, *records)
    async with uow.tenant(conversation.tenant_id) as tx:
        for record in records:
            assert await tx.messages.get(record.id) == record


async def test_racing_adds_of_one_provider_message_store_one(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    await store(uow, conversation)
    provider_id = f"wamid.{unique_token()}"

    async def add_one() -> bool:
        async with uow.tenant(conversation.tenant_id) as tx:
            added = await tx.messages.add(an_inbound(conversation, provider_id=provider_id))
            await tx.commit()
        return added

    results = await asyncio.gather(*(add_one() for _ in range(10)))
    assert results.count(True) == 1
    async with uow.tenant(conversation.tenant_id) as tx:
        page = await tx.messages.list_for_conversation(conversation.id, PAGE)
    assert len(page.items) == 1
    assert page.items[0].provider_message_id == provider_id


async def test_mark_sent_and_failed_follow_the_delivery_rule(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    first, second = a_reply(conversation), a_reply(conversation)
    await store(uow, conversation, first, second, inbound := an_inbound(conversation))
    later = MOMENT + timedelta(seconds=1)
    async with uow.tenant(conversation.tenant_id) as tx:
        sent = await tx.messages.mark_sent(first.id, "wamid.first", later)
        assert (sent.delivery_state, sent.provider_message_id) == (State.SENT, "wamid.first")
        assert await tx.messages.mark_sent(first.id, "wamid.first", later) == sent
        code = await error_code(tx.messages.mark_sent(first.id, "wamid.other", later))
        assert code == "message.already_sent"
        failed = await tx.messages.mark_failed(second.id, "131026", later)
        assert (failed.delivery_state, failed.delivery_error) == (State.FAILED, "131026")
        read = await tx.messages.apply_delivery_status(report(sent, State.READ, later))
        assert read is not None
        assert read.delivery_state is State.READ
        assert (await tx.messages.mark_failed(first.id, "late", later)).delivery_state is State.READ
        assert await error_code(tx.messages.mark_failed(inbound.id, "x", later)) == (
            "message.not_outbound"
        )
        for missing in (tx.messages.mark_sent, tx.messages.mark_failed):
            code = await error_code(missing(ids.MessageId(unique_id()), "wamid.z", later))
            assert code == "message.not_found"
        await tx.commit()
    async with uow.tenant(conversation.tenant_id) as tx:
        assert await tx.messages.get(first.id) == read
        assert await tx.messages.get(second.id) == failed


async def test_unknown_or_inbound_reports_change_nothing(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    inbound = an_inbound(conversation)
    await store(uow, conversation, inbound)
    unknown = attrs.evolve(inbound, provider_message_id=f"wamid.{unique_token()}")
    async with uow.tenant(conversation.tenant_id) as tx:
        assert await tx.messages.apply_delivery_status(report(unknown, State.READ)) is None
        assert await tx.messages.apply_delivery_status(report(inbound, State.READ)) is None
        assert await tx.messages.get(inbound.id) == inbound


@settings(max_examples=20, deadline=None)
@given(arrivals=st.lists(st.sampled_from([s for s in State if s is not State.QUEUED]), max_size=8))
async def test_reports_in_any_order_leave_the_folded_state(
    uow_factory: UowFactory, arrivals: list[State]
) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    reply = a_reply(conversation)
    await store(uow, conversation, reply)
    async with uow.tenant(conversation.tenant_id) as tx:
        sent = await tx.messages.mark_sent(reply.id, f"wamid.{unique_token()}", MOMENT)
        for state in arrivals:
            await tx.messages.apply_delivery_status(report(sent, state))
        await tx.commit()
    async with uow.tenant(conversation.tenant_id) as tx:
        final = await tx.messages.get(reply.id)
    assert final is not None
    assert final.delivery_state is delivery.fold(State.SENT, arrivals)


async def test_racing_reports_leave_the_highest_state(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    reply = a_reply(conversation).mark_sent(f"wamid.{unique_token()}", MOMENT)
    await store(uow, conversation, reply)
    arrivals = [State.SENT, State.DELIVERED, State.READ] * 3 + [State.DELIVERED]
    random.shuffle(arrivals)

    async def apply(state: State) -> None:
        async with uow.tenant(conversation.tenant_id) as tx:
            await tx.messages.apply_delivery_status(report(reply, state))
            await tx.commit()

    await asyncio.gather(*(apply(state) for state in arrivals))
    async with uow.tenant(conversation.tenant_id) as tx:
        final = await tx.messages.get(reply.id)
    assert final is not None
    assert final.delivery_state is State.READ


async def test_search_is_a_case_insensitive_substring_match(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    caption = channel.Media(channel.MediaType.IMAGE, "media-1", caption="Tabela de PREÇOS")
    texts = ["100% OFF na Straße", "100 off", "a_b", "ab", "nada aqui"]
    found = [
        an_inbound(conversation, None, media=caption, at=MOMENT),
        *(
            an_inbound(conversation, text, at=MOMENT + timedelta(seconds=n + 1))
            for n, text in enumerate(texts)
        ),
    ]
    await store(uow, conversation, *found)
    expectations = {
        "preços": [found[0]],
        "EÇO": [found[0]],
        "STRASSE": [found[1]],
        "%": [found[1]],
        "0% o": [found[1]],
        "_": [found[3]],
        "100": [found[2], found[1]],
        "zzz": [],
    }
    async with uow.tenant(conversation.tenant_id) as tx:
        for query, expected in expectations.items():
            page = await tx.messages.search(query, PAGE)
            assert [m.id for m in page.items] == [m.id for m in expected], query
        first = await tx.messages.search("a", pagination.PageRequest(limit=2))
        rest = await tx.messages.search("a", pagination.PageRequest(cursor=first.next_cursor))
    with_a = [m.id for m in reversed(found) if "a" in m.searchable_text.casefold()]
    assert [m.id for m in first.items + rest.items] == with_a
    assert rest.next_cursor is None


@settings(max_examples=15, deadline=None)
@given(seconds=st.lists(st.integers(0, 2), max_size=8), limit=st.integers(1, 3))
async def test_message_pages_visit_every_message_once_newest_first(
    uow_factory: UowFactory, seconds: list[int], limit: int
) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    other = a_conversation(conversation.tenant_id)
    # Few distinct instants, so that ties (broken by id, descending) are common.
    records = [an_inbound(conversation, at=MOMENT + timedelta(seconds=s)) for s in seconds]
    await store(uow, conversation, other, an_inbound(other), *records)
    seen: list[ids.MessageId] = []
    pages, cursor = 0, None
    async with uow.tenant(conversation.tenant_id) as tx:
        while pages == 0 or cursor is not None:
            request = pagination.PageRequest(limit=limit, cursor=cursor)
            page = await tx.messages.list_for_conversation(conversation.id, request)
            seen.extend(m.id for m in page.items)
            pages, cursor = pages + 1, page.next_cursor
    newest_first = sorted(records, key=lambda m: (m.created_at, m.id), reverse=True)
    assert seen == [m.id for m in newest_first]
    assert pages == max(1, -(-len(records) // limit))


async def test_record_media_changes_only_the_attachment(uow_factory: UowFactory) -> None:
    uow = await fresh(uow_factory)
    conversation = a_conversation()
    photo = channel.Media(channel.MediaType.IMAGE, "media-9", "image/jpeg", "Look", "a.jpg")
    message = an_inbound(conversation, None, media=photo)
    text = an_inbound(conversation, "hi")
    await store(uow, conversation, message, text)
    key = f"{conversation.tenant_id}/2026-01/{message.id}/a.jpg"
    stored = photo.stored(key, 42, "image/jpeg")
    async with uow.tenant(conversation.tenant_id) as tx:
        recorded = await tx.messages.record_media(message.id, stored)
        assert recorded == attrs.evolve(message, media=stored)
        await tx.commit()
    async with uow.tenant(conversation.tenant_id) as tx:
        assert await tx.messages.get(message.id) == attrs.evolve(message, media=stored)
        assert await error_code(tx.messages.record_media(text.id, stored)) == "message.bad_content"
        other = attrs.evolve(photo, media_id="media-other")
        code = await error_code(tx.messages.record_media(message.id, other))
        assert code == "message.bad_content"
        missing = ids.MessageId(unique_id())
        assert await error_code(tx.messages.record_media(missing, stored)) == "message.not_found"
        refused = photo.refused("media.too_large: over the cap")
        assert (await tx.messages.record_media(message.id, refused)).media == refused
    async with uow.tenant(ids.TenantId(unique_id())) as tx:
        code = await error_code(tx.messages.record_media(message.id, stored))
        assert code == "message.not_found"
