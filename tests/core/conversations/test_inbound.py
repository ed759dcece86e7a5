"""Storing customer messages: once per provider message, in the one live conversation."""

from __future__ import annotations

from datetime import timedelta

from b2core.conversations import commands, model
from b2core.shared import ids
from tests.core.conversations.support import Inbox, inbound_text

S = model.ConversationStatus


async def test_first_message_opens_a_conversation(inbox: Inbox) -> None:
    received = await inbox.receive("Olá, quanto custa?")
    assert received.is_new
    assert received.opened
    conversation = received.conversation
    assert (conversation.status, conversation.unread_count, conversation.version) == (
        S.OPEN,
        1,
        1,
    )
    assert conversation.last_inbound_at == received.message.created_at
    assert received.message.conversation_id == conversation.id


async def test_next_messages_join_the_same_conversation(inbox: Inbox) -> None:
    first = await inbox.receive("one")
    second = await inbox.receive("two")
    assert not second.opened
    assert second.conversation.id == first.conversation.id
    assert second.conversation.unread_count == 2


async def test_a_repeated_delivery_is_stored_once(inbox: Inbox) -> None:
    message = inbound_text("hi", tenant=inbox.admin.tenant_id, provider_id="wamid.dup")
    first = await inbox.record(message)
    again = await inbox.record(message)
    assert first.is_new
    assert not again.is_new
    assert again.message == first.message
    assert again.conversation.unread_count == 1
    page = await inbox.handle(
        commands.GetConversationMessages(*inbox.admin.who, first.conversation.id)
    )
    assert len(page.items) == 1


async def test_each_customer_has_their_own_conversation(inbox: Inbox) -> None:
    ana = await inbox.receive(customer="ana")
    bia = await inbox.receive(customer="bia")
    assert ana.conversation.id != bia.conversation.id


async def test_a_message_on_a_resolved_conversation_reopens_it(inbox: Inbox) -> None:
    first = await inbox.receive()
    await inbox.handle(commands.ResolveConversation(*inbox.admin.who, first.conversation.id))
    again = await inbox.receive("one more thing")
    assert again.conversation.id == first.conversation.id
    assert again.conversation.status is S.OPEN
    assert not again.opened


async def test_a_message_after_close_starts_a_new_conversation(inbox: Inbox) -> None:
    first = await inbox.receive()
    await inbox.handle(commands.CloseConversation(*inbox.admin.who, first.conversation.id))
    again = await inbox.receive("back again")
    assert again.opened
    assert again.conversation.id != first.conversation.id
    closed = await inbox.handle(commands.GetConversation(*inbox.admin.who, first.conversation.id))
    assert closed.status is S.CLOSED


async def test_an_assigned_conversation_stays_with_its_person(inbox: Inbox) -> None:
    first = await inbox.receive()
    await inbox.handle(commands.AssignConversation(*inbox.staff.who, first.conversation.id))
    again = await inbox.receive()
    assert again.conversation.status is S.ASSIGNED
    assert again.conversation.assignee_id == inbox.staff.user_id
    assert not again.conversation.ai_may_reply


async def test_profile_name_fills_the_contact(inbox: Inbox) -> None:
    inbox.app.clock.advance(timedelta(seconds=1))
    message = inbound_text(
        tenant=inbox.admin.tenant_id, provider_id="wamid.n", name="Ana", at=inbox.app.clock.now()
    )
    received = await inbox.record(message)
    assert received.conversation.contact.name == "Ana"


async def test_same_customer_id_in_two_tenants_is_two_conversations(inbox: Inbox) -> None:
    mine = await inbox.receive(customer="shared-customer")
    theirs = await inbox.receive(customer="shared-customer", member=inbox.other_admin)
    assert mine.conversation.id != theirs.conversation.id
    assert theirs.conversation.tenant_id == inbox.other_admin.tenant_id
    assert ids.TenantId(mine.conversation.tenant_id) == inbox.admin.tenant_id
