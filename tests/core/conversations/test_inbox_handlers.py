"""The staff inbox through the message bus on memory adapters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from b2core.conversations import commands, delivery, messages, model
from b2core.shared import errors, ids, pagination
from tests.core.conversations.support import Inbox, Member

S = model.ConversationStatus
Build = Callable[[Member, ids.ConversationId], Any]

# Every mutating inbox command, the status it needs, its audit action and resulting status.
MUTATIONS: dict[str, tuple[Build, S, str, S]] = {
    "assign": (
        lambda m, c: commands.AssignConversation(*m.who, c),
        S.OPEN,
        "conversation.assigned",
        S.ASSIGNED,
    ),
    "release": (
        lambda m, c: commands.ReleaseConversation(*m.who, c),
        S.ASSIGNED,
        "conversation.released",
        S.OPEN,
    ),
    "resolve": (
        lambda m, c: commands.ResolveConversation(*m.who, c),
        S.OPEN,
        "conversation.resolved",
        S.RESOLVED,
    ),
    "reopen": (
        lambda m, c: commands.ReopenConversation(*m.who, c),
        S.RESOLVED,
        "conversation.reopened",
        S.OPEN,
    ),
    "close": (
        lambda m, c: commands.CloseConversation(*m.who, c),
        S.OPEN,
        "conversation.closed",
        S.CLOSED,
    ),
    "read": (
        lambda m, c: commands.MarkConversationRead(*m.who, c),
        S.OPEN,
        "conversation.read",
        S.OPEN,
    ),
    "reply": (
        lambda m, c: commands.ReplyAsHuman(*m.who, c, "Bom dia! Posso ajudar?"),
        S.OPEN,
        "conversation.human_replied",
        S.ASSIGNED,
    ),
}


async def conversation_in(inbox: Inbox, status: S) -> model.Conversation:
    """A conversation of tenant A with one customer message, brought to ``status``."""
    received = await inbox.receive()
    cid = received.conversation.id
    by_status: dict[S, list[object]] = {
        S.OPEN: [],
        S.ASSIGNED: [commands.AssignConversation(*inbox.staff.who, cid)],
        S.RESOLVED: [commands.ResolveConversation(*inbox.admin.who, cid)],
    }
    steps = by_status[status]
    for step in steps:
        await inbox.handle(step)
    found: model.Conversation = await inbox.handle(commands.GetConversation(*inbox.admin.who, cid))
    assert found.status is status
    return found


@pytest.mark.parametrize("name", list(MUTATIONS))
async def test_each_mutation_writes_exactly_one_audit_entry(inbox: Inbox, name: str) -> None:
    build, status, action, target = MUTATIONS[name]
    conversation = await conversation_in(inbox, status)
    before = len(await inbox.audit())
    result = await inbox.handle(build(inbox.staff, conversation.id))
    entries = (await inbox.audit())[before:]
    assert [e.action for e in entries] == [action]
    entry = entries[0]
    assert (entry.tenant_id, entry.target_type, entry.target_id) == (
        inbox.staff.tenant_id,
        "conversation",
        conversation.id,
    )
    assert (entry.actor.kind, entry.actor.user_id, entry.actor.role) == (
        "user",
        inbox.staff.user_id,
        "STAFF",
    )
    after = await inbox.handle(commands.GetConversation(*inbox.admin.who, conversation.id))
    assert after.status is target
    assert after.version == conversation.version + 1
    assert result is not None


@pytest.mark.parametrize("name", list(MUTATIONS))
async def test_another_tenants_conversation_is_not_found(inbox: Inbox, name: str) -> None:
    build, status, _, _ = MUTATIONS[name]
    conversation = await conversation_in(inbox, status)
    before = await inbox.audit()
    with pytest.raises(errors.NotFound) as caught:
        await inbox.handle(build(inbox.other_admin, conversation.id))
    assert caught.value.code == "conversation.not_found"
    assert await inbox.audit() == before
    assert inbox.outbound.enqueued == []
    unchanged = await inbox.handle(commands.GetConversation(*inbox.admin.who, conversation.id))
    assert unchanged == conversation


@pytest.mark.parametrize(
    ("name", "status"),
    [("release", S.OPEN), ("reopen", S.OPEN), ("resolve", S.RESOLVED), ("assign", S.RESOLVED)],
)
async def test_illegal_transition_is_a_conflict_without_audit(
    inbox: Inbox, name: str, status: S
) -> None:
    build = MUTATIONS[name][0]
    conversation = await conversation_in(inbox, status)
    before = await inbox.audit()
    with pytest.raises(errors.Conflict) as caught:
        await inbox.handle(build(inbox.admin, conversation.id))
    assert caught.value.code == "conversation.invalid_transition"
    assert await inbox.audit() == before


@pytest.mark.parametrize("role", ["SUPER_ADMIN", "VIEWER", ""])
async def test_only_tenant_people_use_the_inbox(inbox: Inbox, role: str) -> None:
    conversation = await conversation_in(inbox, S.OPEN)
    outsider = Member(inbox.admin.tenant_id, ids.UserId("u-x"), role)
    for command in (
        commands.ListConversations(*outsider.who),
        commands.AssignConversation(*outsider.who, conversation.id),
        commands.ReplyAsHuman(*outsider.who, conversation.id, "hi"),
    ):
        with pytest.raises(errors.Forbidden) as caught:
            await inbox.handle(command)
        assert caught.value.code == "conversation.role_not_allowed"


class TestAssign:
    async def test_assign_to_self_is_a_takeover(self, inbox: Inbox) -> None:
        conversation = await conversation_in(inbox, S.OPEN)
        taken = await inbox.handle(commands.AssignConversation(*inbox.staff.who, conversation.id))
        assert (taken.status, taken.assignee_id) == (S.ASSIGNED, inbox.staff.user_id)
        assert not taken.ai_may_reply
        assert taken.unread_count == 0

    async def test_assign_to_a_colleague(self, inbox: Inbox) -> None:
        conversation = await conversation_in(inbox, S.OPEN)
        command = commands.AssignConversation(
            *inbox.admin.who, conversation.id, inbox.staff.user_id
        )
        assigned = await inbox.handle(command)
        assert assigned.assignee_id == inbox.staff.user_id
        entry = (await inbox.audit())[-1]
        assert entry.actor.user_id == inbox.admin.user_id
        assert entry.metadata["assignee_id"] == inbox.staff.user_id

    @pytest.mark.parametrize("who", ["other tenant", "unknown", "inactive"])
    async def test_assignee_must_be_an_active_member_of_the_tenant(
        self, inbox: Inbox, who: str
    ) -> None:
        conversation = await conversation_in(inbox, S.OPEN)
        assignee = {
            "other tenant": inbox.other_admin.user_id,
            "unknown": ids.UserId("nobody"),
            "inactive": await deactivated_member(inbox),
        }[who]
        before = await inbox.audit()
        with pytest.raises(errors.InvalidInput) as caught:
            await inbox.handle(
                commands.AssignConversation(*inbox.admin.who, conversation.id, assignee)
            )
        assert caught.value.code == "conversation.unknown_assignee"
        assert await inbox.audit() == before
        still = await inbox.handle(commands.GetConversation(*inbox.admin.who, conversation.id))
        assert still.status is S.OPEN


async def deactivated_member(inbox: Inbox) -> ids.UserId:
    from b2core.iam import model as iam_model

    member = await inbox.add_member(inbox.admin.tenant_id, iam_model.Role.STAFF, "gone@x.example")
    async with inbox.uow.tenant(inbox.admin.tenant_id) as tx:
        user = await tx.team.get(member.user_id)
        assert user is not None
        await tx.team.save(user.deactivate(inbox.app.clock.now()))
        await tx.commit()
    return member.user_id


class TestReply:
    async def test_reply_is_recorded_queued_and_enqueued_after_commit(self, inbox: Inbox) -> None:
        conversation = await conversation_in(inbox, S.OPEN)
        reply: messages.Message = await inbox.handle(
            commands.ReplyAsHuman(*inbox.staff.who, conversation.id, "Custa R$ 50,00")
        )
        assert reply.direction is messages.Direction.OUTBOUND
        assert reply.delivery_state is delivery.DeliveryState.QUEUED
        assert (reply.sender_user_id, reply.from_ai) == (inbox.staff.user_id, False)
        assert reply.idempotency_key
        assert reply.provider_message_id is None
        assert inbox.outbound.enqueued == [(inbox.staff.tenant_id, reply.id)]
        # The queued job finds the message: it was committed before the enqueue.
        async with inbox.uow.tenant(inbox.staff.tenant_id) as tx:
            assert await tx.messages.get(reply.id) == reply
        taken = await inbox.handle(commands.GetConversation(*inbox.admin.who, conversation.id))
        assert (taken.status, taken.assignee_id) == (S.ASSIGNED, inbox.staff.user_id)

    async def test_each_reply_gets_a_fresh_key(self, inbox: Inbox) -> None:
        conversation = await conversation_in(inbox, S.OPEN)
        first = await inbox.handle(commands.ReplyAsHuman(*inbox.staff.who, conversation.id, "a"))
        second = await inbox.handle(commands.ReplyAsHuman(*inbox.staff.who, conversation.id, "a"))
        assert first.idempotency_key != second.idempotency_key
        assert [m for _, m in inbox.outbound.enqueued] == [first.id, second.id]

    async def test_reply_keeps_the_current_holder(self, inbox: Inbox) -> None:
        conversation = await conversation_in(inbox, S.ASSIGNED)
        await inbox.handle(commands.ReplyAsHuman(*inbox.admin.who, conversation.id, "helping"))
        after = await inbox.handle(commands.GetConversation(*inbox.admin.who, conversation.id))
        assert after.assignee_id == inbox.staff.user_id

    @pytest.mark.parametrize("text", ["", "   ", "x" * 4097])
    async def test_bad_text_records_and_enqueues_nothing(self, inbox: Inbox, text: str) -> None:
        conversation = await conversation_in(inbox, S.OPEN)
        before = await inbox.audit()
        with pytest.raises(errors.InvalidInput):
            await inbox.handle(commands.ReplyAsHuman(*inbox.staff.who, conversation.id, text))
        assert inbox.outbound.enqueued == []
        assert await inbox.audit() == before
        page = await inbox.handle(
            commands.GetConversationMessages(*inbox.admin.who, conversation.id)
        )
        assert len(page.items) == 1  # just the customer's message

    async def test_closed_conversation_refuses_replies(self, inbox: Inbox) -> None:
        conversation = await conversation_in(inbox, S.OPEN)
        await inbox.handle(commands.CloseConversation(*inbox.admin.who, conversation.id))
        with pytest.raises(errors.Conflict) as caught:
            await inbox.handle(commands.ReplyAsHuman(*inbox.admin.who, conversation.id, "hi"))
        assert caught.value.code == "conversation.invalid_transition"
        assert inbox.outbound.enqueued == []


class TestReads:
    async def test_list_is_most_recent_activity_first_and_paginated(self, inbox: Inbox) -> None:
        a = (await inbox.receive(customer="a")).conversation
        b = (await inbox.receive(customer="b")).conversation
        c = (await inbox.receive(customer="c")).conversation
        await inbox.receive(customer="a")  # a becomes the most recent
        first = await inbox.handle(
            commands.ListConversations(*inbox.admin.who, pagination.PageRequest(limit=2))
        )
        assert [x.id for x in first.items] == [a.id, c.id]
        assert first.next_cursor is not None
        second = await inbox.handle(
            commands.ListConversations(
                *inbox.admin.who, pagination.PageRequest(limit=2, cursor=first.next_cursor)
            )
        )
        assert [x.id for x in second.items] == [b.id]
        assert second.next_cursor is None

    async def test_list_filters(self, inbox: Inbox) -> None:
        mine = (await inbox.receive(customer="a")).conversation
        other = (await inbox.receive(customer="b")).conversation
        await inbox.handle(commands.AssignConversation(*inbox.staff.who, mine.id))
        await inbox.handle(commands.MarkConversationRead(*inbox.admin.who, mine.id))

        async def ids_of(**filters: Any) -> list[ids.ConversationId]:
            page = await inbox.handle(commands.ListConversations(*inbox.admin.who, **filters))
            return [x.id for x in page.items]

        assert await ids_of(status=S.ASSIGNED) == [mine.id]
        assert await ids_of(status=S.OPEN) == [other.id]
        assert await ids_of(assignee_id=inbox.staff.user_id) == [mine.id]
        assert await ids_of(unread=True) == [other.id]
        assert await ids_of(unread=False) == [mine.id]

    async def test_other_tenants_see_nothing(self, inbox: Inbox) -> None:
        conversation = (await inbox.receive("secret price")).conversation
        page = await inbox.handle(commands.ListConversations(*inbox.other_admin.who))
        assert page.items == ()
        for command in (
            commands.GetConversation(*inbox.other_admin.who, conversation.id),
            commands.GetConversationMessages(*inbox.other_admin.who, conversation.id),
        ):
            with pytest.raises(errors.NotFound):
                await inbox.handle(command)
        found = await inbox.handle(commands.SearchMessages(*inbox.other_admin.who, "secret"))
        assert found.items == ()

    async def test_messages_newest_first_and_paginated(self, inbox: Inbox) -> None:
        for text in ("one", "two", "three"):
            conversation = (await inbox.receive(text)).conversation
        first = await inbox.handle(
            commands.GetConversationMessages(
                *inbox.admin.who, conversation.id, pagination.PageRequest(limit=2)
            )
        )
        assert [m.text for m in first.items] == ["three", "two"]
        rest = await inbox.handle(
            commands.GetConversationMessages(
                *inbox.admin.who,
                conversation.id,
                pagination.PageRequest(limit=2, cursor=first.next_cursor),
            )
        )
        assert [m.text for m in rest.items] == ["one"]
        assert rest.next_cursor is None

    async def test_search_is_a_case_insensitive_substring(self, inbox: Inbox) -> None:
        await inbox.receive("Quanto custa o CORTE de cabelo?", customer="a")
        await inbox.receive("obrigado", customer="b")
        await inbox.receive("Corte masculino tem?", customer="c")
        page = await inbox.handle(commands.SearchMessages(*inbox.admin.who, "  corte "))
        assert [m.text for m in page.items] == [
            "Corte masculino tem?",
            "Quanto custa o CORTE de cabelo?",
        ]

    @pytest.mark.parametrize("query", ["", "   ", "x" * 201])
    async def test_search_refuses_a_bad_query(self, inbox: Inbox, query: str) -> None:
        with pytest.raises(errors.InvalidInput) as caught:
            await inbox.handle(commands.SearchMessages(*inbox.admin.who, query))
        assert caught.value.code == "message.bad_query"

    async def test_reads_write_no_audit(self, inbox: Inbox) -> None:
        conversation = await conversation_in(inbox, S.OPEN)
        before = await inbox.audit()
        await inbox.handle(commands.ListConversations(*inbox.admin.who))
        await inbox.handle(commands.GetConversationMessages(*inbox.admin.who, conversation.id))
        await inbox.handle(commands.SearchMessages(*inbox.admin.who, "hello"))
        assert await inbox.audit() == before
