"""The Conversation and Message models: named transitions, their refusals, and validation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs
import pytest

from b2core.conversations import channel, delivery, messages, model
from b2core.shared import errors, ids
from tests.core.conversations.support import CHANNEL, CUSTOMER, T0, TENANT, conversation

S = model.ConversationStatus
LATER = T0 + timedelta(minutes=5)
USER = ids.UserId("u-2")


class TestTransitions:
    def test_open_conversation_lets_the_ai_reply(self) -> None:
        opened = conversation()
        assert opened.status is S.OPEN
        assert opened.ai_may_reply
        assert (opened.unread_count, opened.version, opened.assignee_id) == (0, 0, None)

    def test_assign_is_a_human_takeover(self) -> None:
        assigned = conversation().assign(USER, LATER)
        assert (assigned.status, assigned.assignee_id) == (S.ASSIGNED, USER)
        assert not assigned.ai_may_reply
        assert assigned.updated_at == LATER

    def test_assign_again_hands_over_to_someone_else(self) -> None:
        handed = conversation(S.ASSIGNED).assign(USER, LATER)
        assert (handed.status, handed.assignee_id) == (S.ASSIGNED, USER)

    def test_release_gives_the_conversation_back_to_the_ai(self) -> None:
        released = conversation(S.ASSIGNED).release(LATER)
        assert (released.status, released.assignee_id) == (S.OPEN, None)
        assert released.ai_may_reply

    def test_resolve_then_reopen(self) -> None:
        resolved = conversation(S.ASSIGNED).resolve(LATER)
        assert (resolved.status, resolved.assignee_id) == (S.RESOLVED, None)
        assert not resolved.ai_may_reply
        assert resolved.reopen(LATER).status is S.OPEN

    def test_close_is_final(self) -> None:
        closed = conversation(S.RESOLVED).close(LATER)
        assert closed.status is S.CLOSED
        assert closed.is_final
        steps: list[Callable[[], model.Conversation]] = [
            lambda: closed.assign(USER, LATER),
            lambda: closed.release(LATER),
            lambda: closed.resolve(LATER),
            lambda: closed.reopen(LATER),
            lambda: closed.close(LATER),
            lambda: closed.receive(LATER),
            lambda: closed.reply_by_human(USER, LATER),
            lambda: closed.record_outbound(LATER),
        ]
        for step in steps:
            with pytest.raises(errors.Conflict) as caught:
                step()
            assert caught.value.code == "conversation.invalid_transition"

    @pytest.mark.parametrize(
        ("status", "action"),
        [
            (S.OPEN, "release"),
            (S.RESOLVED, "release"),
            (S.OPEN, "reopen"),
            (S.ASSIGNED, "reopen"),
            (S.RESOLVED, "resolve"),
            (S.RESOLVED, "assign"),
        ],
    )
    def test_illegal_transitions_are_conflicts(self, status: S, action: str) -> None:
        subject = conversation(status)
        steps = {
            "release": lambda: subject.release(LATER),
            "reopen": lambda: subject.reopen(LATER),
            "resolve": lambda: subject.resolve(LATER),
            "assign": lambda: subject.assign(USER, LATER),
        }
        with pytest.raises(errors.Conflict) as caught:
            steps[action]()
        assert caught.value.code == "conversation.invalid_transition"

    def test_inbound_message_reopens_a_resolved_conversation_and_counts_unread(self) -> None:
        received = conversation(S.RESOLVED).receive(LATER, customer_name="Ana")
        assert received.status is S.OPEN
        assert received.unread_count == 1
        assert received.last_message_at == received.last_inbound_at == LATER
        assert received.contact.name == "Ana"

    def test_inbound_message_keeps_a_human_in_charge(self) -> None:
        received = conversation(S.ASSIGNED).receive(LATER)
        assert (received.status, received.assignee_id) == (S.ASSIGNED, ids.UserId("u-1"))

    def test_a_late_message_does_not_move_activity_back(self) -> None:
        recent = conversation().receive(LATER)
        late = recent.receive(T0 - timedelta(hours=1))
        assert late.last_message_at == LATER
        assert late.unread_count == 2

    def test_human_reply_takes_over_unless_someone_holds_it(self) -> None:
        taken = conversation().reply_by_human(USER, LATER)
        assert (taken.status, taken.assignee_id) == (S.ASSIGNED, USER)
        kept = conversation(S.ASSIGNED).reply_by_human(USER, LATER)
        assert kept.assignee_id == ids.UserId("u-1")
        assert conversation(S.RESOLVED).reply_by_human(USER, LATER).status is S.ASSIGNED

    def test_reading_and_acting_clear_unread(self) -> None:
        unread = conversation().receive(LATER).receive(LATER)
        assert unread.unread_count == 2
        assert unread.mark_read(LATER).unread_count == 0
        assert unread.assign(USER, LATER).unread_count == 0
        assert unread.reply_by_human(USER, LATER).unread_count == 0

    def test_profile_name_does_not_overwrite_a_collected_name(self) -> None:
        named = conversation().update_contact(LATER, name="Ana Souza", email="ana@x.example")
        again = named.receive(LATER, customer_name="ana!!", customer_phone="+55 11 99999-0000")
        assert again.contact == model.Contact("Ana Souza", "+55 11 99999-0000", "ana@x.example")

    def test_unusable_channel_details_are_dropped_not_fatal(self) -> None:
        received = conversation().receive(LATER, customer_name="   ", customer_phone="n/a")
        assert received.contact == model.Contact()

    def test_assignee_only_when_assigned(self) -> None:
        with pytest.raises(errors.InvalidInput) as caught:
            attrs.evolve(conversation(), assignee_id=USER)
        assert caught.value.code == "conversation.bad_assignee"
        with pytest.raises(errors.InvalidInput):
            conversation().assign(ids.UserId(""), LATER)

    @pytest.mark.parametrize(
        "changes", [{"phone": "call me"}, {"email": "not-an-email"}, {"name": " "}]
    )
    def test_bad_contact_details_are_refused(self, changes: dict[str, str]) -> None:
        with pytest.raises(errors.InvalidInput) as caught:
            conversation().update_contact(LATER, **changes)
        assert caught.value.code == "conversation.bad_contact"

    def test_naive_times_are_refused(self) -> None:
        with pytest.raises(errors.InvalidInput):
            conversation().resolve(LATER.replace(tzinfo=None))


def outbound(**changes: Any) -> messages.Message:
    base = messages.Message.outbound_text(
        ids.MessageId("m-1"), conversation(), "Hi!", T0, "key-1", sender_user_id=USER
    )
    return attrs.evolve(base, **changes)


class TestMessages:
    def test_inbound_message_from_a_channel(self) -> None:
        media = channel.Media(channel.MediaType.AUDIO, "media-1", "audio/ogg")
        inbound = channel.InboundMessage(TENANT, CHANNEL, CUSTOMER, "wamid.9", T0, media=media)
        stored = messages.Message.from_inbound(
            ids.MessageId("m-9"), ids.ConversationId("c-1"), inbound
        )
        assert stored.direction is messages.Direction.INBOUND
        assert stored.type is messages.MessageType.AUDIO
        assert (stored.provider_message_id, stored.delivery_state) == ("wamid.9", None)

    def test_outbound_reply_starts_queued_with_its_key(self) -> None:
        reply = outbound()
        assert reply.delivery_state is delivery.DeliveryState.QUEUED
        assert (reply.idempotency_key, reply.sender_user_id, reply.from_ai) == (
            "key-1",
            USER,
            False,
        )
        assert reply.channel_id == CHANNEL

    @pytest.mark.parametrize(
        ("changes", "code"),
        [
            ({"text": "   "}, "message.bad_content"),
            ({"text": "x" * 4097}, "message.text_too_long"),
            ({"type": messages.MessageType.IMAGE}, "message.bad_content"),
            ({"from_ai": True}, "message.bad_origin"),  # an AI reply has no human sender
            ({"ai_confidence": 0.9}, "message.bad_origin"),  # only AI replies carry one
            ({"idempotency_key": None}, "message.bad_delivery"),
            ({"delivery_state": None}, "message.bad_delivery"),
        ],
    )
    def test_invalid_messages_are_refused(self, changes: dict[str, object], code: str) -> None:
        with pytest.raises(errors.InvalidInput) as caught:
            outbound(**changes)
        assert caught.value.code == code

    def test_ai_reply_carries_its_confidence(self) -> None:
        reply = outbound(sender_user_id=None, from_ai=True, ai_confidence=0.82)
        assert reply.ai_confidence == 0.82
        with pytest.raises(errors.InvalidInput):
            outbound(sender_user_id=None, from_ai=True, ai_confidence=1.5)

    def test_delivery_moves_forward_only(self) -> None:
        read = (
            outbound()
            .mark_sent("wamid.out", T0)
            .advance_delivery(delivery.DeliveryState.READ, LATER)
        )
        assert read.advance_delivery(delivery.DeliveryState.DELIVERED, LATER) is read
        assert read.advance_delivery(delivery.DeliveryState.FAILED, LATER, "131047") is read
        assert (read.delivery_state, read.delivery_updated_at) == (
            delivery.DeliveryState.READ,
            LATER,
        )

    def test_failure_keeps_the_provider_error(self) -> None:
        failed = outbound().advance_delivery(delivery.DeliveryState.FAILED, LATER, "131026")
        assert (failed.delivery_state, failed.delivery_error) == (
            delivery.DeliveryState.FAILED,
            "131026",
        )

    def test_sent_twice_under_another_provider_id_is_a_conflict(self) -> None:
        sent = outbound().mark_sent("wamid.a", T0)
        assert sent.mark_sent("wamid.a", LATER) == sent
        with pytest.raises(errors.Conflict) as caught:
            sent.mark_sent("wamid.b", LATER)
        assert caught.value.code == "message.already_sent"

    def test_searchable_text_is_text_or_caption(self) -> None:
        media = channel.Media(channel.MediaType.IMAGE, "media-1", caption="Price list")
        image = outbound(type=messages.MessageType.IMAGE, text=None, media=media)
        assert image.searchable_text == "Price list"
        assert outbound().searchable_text == "Hi!"
