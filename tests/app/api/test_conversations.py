"""The staff inbox over HTTP: reading, taking over, replying, settling, searching."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from b2adapters.memory import conversations as memory_conversations
from b2app import settings
from b2core.conversations import channel, ports
from b2core.conversations.handlers import inbound
from b2core.iam import model, permissions
from b2core.shared import ids, time
from tests.support import http_app
from tests.support.http_app import API, HttpApp, Session, assert_error

MISSING = "00000000-0000-7000-8000-000000000000"
CHANNEL = ids.ChannelId("simulator")
STEPS = ("assign", "release", "reply", "resolve", "reopen", "close", "read")
_provider_ids = itertools.count(1)


@attrs.define
class Inbox:
    """A running app whose outbound queue records what it is asked to send."""

    api: HttpApp
    outbound: memory_conversations.InMemoryOutboundQueue

    async def customer_writes(self, who: Session, customer: str, text: str = "hello") -> str:
        """Store a customer's message as the inbound pipeline does; the conversation id."""
        assert who.tenant_id is not None
        container = self.api.container
        uow: ports.ConversationsUoW = container.resolve(ports.ConversationsUoW)
        clock: time.Clock = container.resolve(time.Clock)
        id_generator: ids.IdGenerator = container.resolve(ids.IdGenerator)
        message = channel.InboundMessage(
            ids.TenantId(who.tenant_id),
            CHANNEL,
            customer,
            f"wamid.test.{next(_provider_ids)}",
            clock.now(),
            text=text,
        )
        async with uow.tenant(message.tenant_id) as tx:
            received = await inbound.record_inbound(tx, message, id_generator)
            await tx.commit()
        return str(received.conversation.id)

    async def step(
        self, who: Session, conversation_id: str, step: str, body: dict[str, Any] | None = None
    ) -> Any:
        """POST one inbox action; the response."""
        return await self.api.client.post(
            f"{API}/conversations/{conversation_id}/{step}", headers=who.headers, json=body
        )

    async def get(self, who: Session, path: str, **params: Any) -> Any:
        """GET under the API with ``who``'s token; the response."""
        return await self.api.client.get(f"{API}{path}", headers=who.headers, params=params)


@pytest.fixture
async def inbox(api_config: settings.Settings) -> AsyncIterator[Inbox]:
    """The app of this backend, with an outbound queue that only records."""
    outbound = memory_conversations.InMemoryOutboundQueue()
    overrides = {ports.OutboundQueue: outbound}
    async with http_app.running_app(api_config, overrides) as running:
        yield Inbox(running, outbound)


def refusal(role: model.Role, action: permissions.Action) -> str:
    """The code a caller of ``role`` gets for ``action`` when refused, per the RBAC table."""
    return "auth.forbidden" if not permissions.allowed(role, action) else "auth.tenant_required"


def item_ids(response: Any, key: str = "conversation_id") -> list[str]:
    """The ids of a list response's items, in order."""
    assert response.status_code == 200, response.text
    return [item[key] for item in response.json()["items"]]


async def test_a_conversation_and_its_messages_are_read(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    conversation_id = await inbox.customer_writes(admin, "customer-1", "Do you cut hair?")
    await inbox.customer_writes(admin, "customer-1", "Tomorrow at ten?")
    read = await inbox.get(admin, f"/conversations/{conversation_id}")
    assert read.status_code == 200, read.text
    conversation = read.json()
    assert set(conversation) == {
        "conversation_id",
        "channel_id",
        "customer_id",
        "status",
        "assignee_id",
        "needs_human",
        "unread_count",
        "contact",
        "opened_at",
        "last_message_at",
        "last_inbound_at",
        "updated_at",
    }
    assert (conversation["status"], conversation["unread_count"]) == ("OPEN", 2)
    assert (conversation["customer_id"], conversation["assignee_id"]) == ("customer-1", None)
    assert conversation["contact"] == {"name": None, "phone": None, "email": None}

    listed = await inbox.get(admin, f"/conversations/{conversation_id}/messages")
    assert listed.status_code == 200
    texts = [m["text"] for m in listed.json()["items"]]
    assert texts == ["Tomorrow at ten?", "Do you cut hair?"]  # newest first
    message = listed.json()["items"][0]
    assert (message["direction"], message["type"], message["delivery_state"]) == (
        "INBOUND",
        "TEXT",
        None,
    )
    # Provider ids and idempotency keys stay inside.
    assert "wamid" not in listed.text
    assert "idempotency" not in listed.text
    assert "version" not in read.text


async def test_a_reply_is_recorded_and_queued_exactly_once(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    staff = await inbox.api.member(admin)
    conversation_id = await inbox.customer_writes(admin, "customer-1", "Price of a shave?")
    replied = await inbox.step(staff, conversation_id, "reply", {"text": "It is 8 dollars."})
    assert replied.status_code == 201, replied.text
    message = replied.json()
    assert message["text"] == "It is 8 dollars."
    assert (message["direction"], message["delivery_state"]) == ("OUTBOUND", "QUEUED")
    assert (message["sender_user_id"], message["from_ai"]) == (staff.user_id, False)
    assert message["conversation_id"] == conversation_id
    assert "idempotency_key" not in message
    assert "provider_message_id" not in message
    assert inbox.outbound.enqueued == [(admin.tenant_id, message["message_id"])]

    listed = await inbox.get(admin, f"/conversations/{conversation_id}/messages")
    shown = listed.json()["items"]
    assert [m["direction"] for m in shown] == ["OUTBOUND", "INBOUND"]
    assert shown[0] == message
    # Replying takes the conversation over and reads it.
    conversation = (await inbox.get(admin, f"/conversations/{conversation_id}")).json()
    assert (conversation["status"], conversation["assignee_id"]) == ("ASSIGNED", staff.user_id)
    assert conversation["unread_count"] == 0


BAD_REPLIES: list[tuple[dict[str, Any] | None, str, str]] = [
    (None, "request.invalid", "body"),
    ({}, "request.invalid", "text"),
    ({"text": 42}, "request.invalid", "text"),
    ({"text": "hi", "user_id": "x"}, "request.invalid", "user_id"),
    ({"text": "   "}, "message.bad_content", ""),
    ({"text": "x" * 4097}, "message.text_too_long", "4096"),
]


async def test_a_bad_reply_is_refused_and_nothing_is_queued(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    conversation_id = await inbox.customer_writes(admin, "customer-1")
    for body, code, field in BAD_REPLIES:
        response = await inbox.step(admin, conversation_id, "reply", body)
        assert field in assert_error(response, 422, code)["message"], body
    assert inbox.outbound.enqueued == []
    messages = await inbox.get(admin, f"/conversations/{conversation_id}/messages")
    assert len(messages.json()["items"]) == 1
    conversation = (await inbox.get(admin, f"/conversations/{conversation_id}")).json()
    assert (conversation["status"], conversation["unread_count"]) == ("OPEN", 1)


async def test_take_over_release_resolve_reopen_and_close(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    conversation_id = await inbox.customer_writes(admin, "customer-1")

    async def status_after(step: str, body: dict[str, Any] | None = None) -> Any:
        response = await inbox.step(admin, conversation_id, step, body)
        assert response.status_code == 200, f"{step}: {response.text}"
        return response.json()

    taken = await status_after("assign")
    assert (taken["status"], taken["assignee_id"], taken["unread_count"]) == (
        "ASSIGNED",
        admin.user_id,
        0,
    )
    released = await status_after("release")
    assert (released["status"], released["assignee_id"]) == ("OPEN", None)
    assert (await status_after("resolve"))["status"] == "RESOLVED"
    assert (await status_after("reopen"))["status"] == "OPEN"
    assert (await status_after("close"))["status"] == "CLOSED"
    for step in ("assign", "release", "resolve", "reopen", "close"):
        response = await inbox.step(admin, conversation_id, step)
        assert_error(response, 409, "conversation.invalid_transition")
    reply = await inbox.step(admin, conversation_id, "reply", {"text": "still there?"})
    assert_error(reply, 409, "conversation.invalid_transition")
    assert inbox.outbound.enqueued == []


async def test_illegal_steps_on_an_open_conversation_are_409(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    conversation_id = await inbox.customer_writes(admin, "customer-1")
    assert_error(
        await inbox.step(admin, conversation_id, "release"), 409, "conversation.invalid_transition"
    )
    assert_error(
        await inbox.step(admin, conversation_id, "reopen"), 409, "conversation.invalid_transition"
    )
    read = (await inbox.get(admin, f"/conversations/{conversation_id}")).json()
    assert read["status"] == "OPEN"


async def test_a_conversation_is_handed_to_a_colleague(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    staff = await inbox.api.member(admin)
    other = await inbox.api.tenant_admin()
    conversation_id = await inbox.customer_writes(admin, "customer-1")
    handed = await inbox.step(admin, conversation_id, "assign", {"user_id": staff.user_id})
    assert handed.status_code == 200, handed.text
    assert handed.json()["assignee_id"] == staff.user_id
    mine = await inbox.get(staff, "/conversations", assignee="me")
    assert item_ids(mine) == [conversation_id]
    by_id = await inbox.get(admin, "/conversations", assignee=staff.user_id)
    assert item_ids(by_id) == [conversation_id]
    assert item_ids(await inbox.get(admin, "/conversations", assignee="me")) == []

    for stranger in (other.user_id, MISSING):
        response = await inbox.step(admin, conversation_id, "assign", {"user_id": stranger})
        assert_error(response, 422, "conversation.unknown_assignee")
    bad = await inbox.step(admin, conversation_id, "assign", {"user_id": 7})
    assert "user_id" in assert_error(bad, 422, "request.invalid")["message"]
    null = await inbox.step(admin, conversation_id, "assign", {"user_id": None})
    assert null.json()["assignee_id"] == admin.user_id


async def test_the_inbox_filters_by_status_and_unread(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    first = await inbox.customer_writes(admin, "customer-1")
    second = await inbox.customer_writes(admin, "customer-2")
    third = await inbox.customer_writes(admin, "customer-3")
    assert (await inbox.step(admin, first, "read")).json()["unread_count"] == 0
    await inbox.step(admin, second, "resolve")

    assert item_ids(await inbox.get(admin, "/conversations")) == [third, second, first]
    assert item_ids(await inbox.get(admin, "/conversations", status="RESOLVED")) == [second]
    assert item_ids(await inbox.get(admin, "/conversations", status="open")) == [third, first]
    assert item_ids(await inbox.get(admin, "/conversations", unread="true")) == [third]
    unread_false = await inbox.get(admin, "/conversations", unread="false")
    assert item_ids(unread_false) == [second, first]
    for params in ({"status": "DONE"}, {"unread": "maybe"}):
        response = await inbox.get(admin, "/conversations", **params)
        assert_error(response, 422, "conversation.bad_filter")


async def test_conversations_and_messages_page_with_a_cursor(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    made = [await inbox.customer_writes(admin, f"customer-{n}") for n in range(3)]
    first = await inbox.get(admin, "/conversations", limit=2)
    assert first.json()["next_cursor"]
    second = await inbox.get(admin, "/conversations", limit=2, cursor=first.json()["next_cursor"])
    assert second.json()["next_cursor"] is None
    assert item_ids(first) + item_ids(second) == list(reversed(made))

    conversation_id = made[0]
    for text in ("two", "three"):
        await inbox.customer_writes(admin, "customer-0", text)
    path = f"/conversations/{conversation_id}/messages"
    page = (await inbox.get(admin, path, limit=2)).json()
    rest = (await inbox.get(admin, path, limit=2, cursor=page["next_cursor"])).json()
    assert [m["text"] for m in page["items"] + rest["items"]] == ["three", "two", "hello"]
    assert rest["next_cursor"] is None
    assert_error(await inbox.get(admin, path, limit=0), 422, "pagination.bad_limit")


async def test_search_finds_message_text_in_my_tenant_only(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    other = await inbox.api.tenant_admin()
    conversation_id = await inbox.customer_writes(admin, "customer-1", "Is the BEARD trim open?")
    await inbox.customer_writes(admin, "customer-2", "Just a haircut")
    await inbox.customer_writes(other, "customer-9", "beard oil please")
    found = await inbox.get(admin, "/messages/search", q="beard")
    assert found.status_code == 200, found.text
    assert [m["text"] for m in found.json()["items"]] == ["Is the BEARD trim open?"]
    assert found.json()["items"][0]["conversation_id"] == conversation_id
    theirs = await inbox.get(other, "/messages/search", q="beard")
    assert [m["text"] for m in theirs.json()["items"]] == ["beard oil please"]
    missing = await inbox.get(admin, "/messages/search")
    assert "q" in assert_error(missing, 422, "request.invalid")["message"]
    assert_error(await inbox.get(admin, "/messages/search", q="  "), 422, "message.bad_query")
    long = await inbox.get(admin, "/messages/search", q="x" * 201)
    assert_error(long, 422, "message.bad_query")


async def test_unknown_conversations_are_not_found(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    for conversation_id in (MISSING, "no-such-conversation"):
        for path in (
            f"/conversations/{conversation_id}",
            f"/conversations/{conversation_id}/messages",
        ):
            assert_error(await inbox.get(admin, path), 404, "conversation.not_found")
        for step in STEPS:
            response = await inbox.step(
                admin, conversation_id, step, {"text": "hi"} if step == "reply" else None
            )
            assert_error(response, 404, "conversation.not_found")


async def test_another_tenants_conversation_is_not_found(inbox: Inbox) -> None:
    mine = await inbox.api.tenant_admin()
    other = await inbox.api.tenant_admin()
    conversation_id = await inbox.customer_writes(mine, "customer-1", "private words")
    for path in (f"/conversations/{conversation_id}", f"/conversations/{conversation_id}/messages"):
        assert_error(await inbox.get(other, path), 404, "conversation.not_found")
    for step in STEPS:
        body = {"text": "hi"} if step == "reply" else None
        response = await inbox.step(other, conversation_id, step, body)
        assert_error(response, 404, "conversation.not_found")
    assert item_ids(await inbox.get(other, "/conversations")) == []
    assert item_ids(await inbox.get(other, "/messages/search", q="private"), "message_id") == []
    assert inbox.outbound.enqueued == []
    untouched = (await inbox.get(mine, f"/conversations/{conversation_id}")).json()
    assert (untouched["status"], untouched["unread_count"]) == ("OPEN", 1)


async def test_staff_work_the_inbox_as_the_table_says(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    staff = await inbox.api.member(admin)
    conversation_id = await inbox.customer_writes(admin, "customer-1")
    read = await inbox.get(staff, "/conversations")
    may_read = permissions.allowed(model.Role.STAFF, permissions.Action.CONVERSATIONS_READ)
    assert read.status_code == (200 if may_read else 403)
    taken = await inbox.step(staff, conversation_id, "assign")
    if permissions.allowed(model.Role.STAFF, permissions.Action.CONVERSATIONS_WORK):
        assert taken.status_code == 200, taken.text
        assert taken.json()["assignee_id"] == staff.user_id
    else:
        assert_error(taken, 403, "auth.forbidden")


async def test_the_super_admin_reads_no_inbox(inbox: Inbox) -> None:
    admin = await inbox.api.tenant_admin()
    conversation_id = await inbox.customer_writes(admin, "customer-1")
    operator = await inbox.api.super_admin()
    denied_read = refusal(model.Role.SUPER_ADMIN, permissions.Action.CONVERSATIONS_READ)
    for path in (
        "/conversations",
        f"/conversations/{conversation_id}",
        f"/conversations/{conversation_id}/messages",
        "/messages/search?q=hello",
    ):
        assert_error(await inbox.get(operator, path), 403, denied_read)
    denied_work = refusal(model.Role.SUPER_ADMIN, permissions.Action.CONVERSATIONS_WORK)
    for step in STEPS:
        body = {"text": "hi"} if step == "reply" else None
        assert_error(await inbox.step(operator, conversation_id, step, body), 403, denied_work)
    assert inbox.outbound.enqueued == []


@pytest.fixture
async def live(api_config: settings.Settings) -> AsyncIterator[HttpApp]:
    """The app with its embedded worker, so that queued sends really go out (simulator)."""
    async with http_app.running_app(attrs.evolve(api_config, in_process_worker=True)) as app:
        yield app


async def wait_for(check: Any, what: str) -> Any:
    """Poll ``check()`` until it returns something truthy (the embedded worker is async)."""
    for _ in range(200):
        if found := await check():
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


async def test_a_reply_reaches_the_simulated_customer_once(live: HttpApp) -> None:
    admin = await live.tenant_admin()
    headers = admin.headers

    async def outbox(count: int) -> list[dict[str, Any]] | None:
        response = await live.client.get(f"{API}/channels/simulator/outbox", headers=headers)
        items: list[dict[str, Any]] = response.json()["items"]
        return items if len(items) >= count else None

    sent = await live.client.post(
        f"{API}/channels/simulator/inbound",
        headers=headers,
        json={"customer_id": "sim-customer", "text": "Can a person help me?"},
    )
    assert sent.status_code == 202, sent.text
    await wait_for(lambda: outbox(1), "the AI's answer")  # the pipeline answers first
    listed = await live.client.get(f"{API}/conversations", headers=headers)
    (conversation,) = listed.json()["items"]
    url = f"{API}/conversations/{conversation['conversation_id']}"
    replied = await live.client.post(f"{url}/reply", headers=headers, json={"text": "I can."})
    assert replied.status_code == 201, replied.text

    async def delivered() -> bool:
        shown = (await live.client.get(f"{url}/messages", headers=headers)).json()["items"]
        mine = [m for m in shown if m["message_id"] == replied.json()["message_id"]]
        return mine[0]["delivery_state"] == "SENT"

    await wait_for(delivered, "the reply to be sent")
    items = await outbox(1)
    assert items is not None
    assert [i["text"] for i in items if i["text"] == "I can."] == ["I can."]
    assert items[-1]["customer_id"] == "sim-customer"


async def test_the_inbox_needs_a_token(inbox: Inbox) -> None:
    response = await inbox.api.client.get(f"{API}/conversations")
    assert_error(response, 401, "auth.unauthenticated")
    reply = await inbox.api.client.post(f"{API}/conversations/{MISSING}/reply", json={"text": "x"})
    assert_error(reply, 401, "auth.unauthenticated")
