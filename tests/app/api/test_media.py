"""Media over HTTP: staff links (roles, tenants, pending), the public file route (tamper,
expiry), and a Cloud API image from the signed webhook to the link, without blocking the reply."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import httpx
import pytest

from b2adapters.memory.clock import ManualClock
from b2adapters.whatsapp import cloud_api, directory, webhooks
from b2app.workers import actors, runtime
from b2app.workers import inbound as inbound_jobs
from b2core.conversations import channel, media, media_jobs, messages, ports
from b2core.pipeline import commands as pipeline_commands
from b2core.pipeline.results import Outcome
from b2core.shared import errors, ids, tasks, time
from b2core.testing.contracts.conversations import a_conversation, an_inbound, store
from tests.support import http_app
from tests.support.fake_graph import FakeGraph
from tests.support.http_app import API, HttpApp, Session, assert_error

JPEG = b"\xff\xd8\xff\xe0" + b"p" * 3000
PHOTO = channel.Media(channel.MediaType.IMAGE, "media-1", "image/jpeg", "this one", "cake.jpg")


async def _message(
    api: HttpApp, admin: Session, *, attachment: channel.Media | None = PHOTO, stored: bool = True
) -> messages.Message:
    """An inbound message of ``admin``'s tenant; its file stored (and recorded) when asked."""
    tenant = ids.TenantId(admin.tenant_id or "")
    uow: ports.ConversationsUoW = api.container.resolve(ports.ConversationsUoW)
    conversation = a_conversation(tenant)
    text = None if attachment is not None else "hello"
    message = an_inbound(conversation, text, media=attachment)
    await store(uow, conversation, message)
    if attachment is not None and stored:
        storage: media.MediaStorage = api.container.resolve(media.MediaStorage)
        ref = await storage.put(tenant, message.id, "cake.jpg", JPEG, "image/jpeg")
        async with uow.tenant(tenant) as tx:
            message = await tx.messages.record_media(
                message.id, attachment.stored(ref.key, len(JPEG), "image/jpeg")
            )
            await tx.commit()
    return message


def _link_path(message: messages.Message) -> str:
    return f"{API}/conversations/{message.conversation_id}/messages/{message.id}/media"


async def _link(api: HttpApp, who: Session, message: messages.Message) -> dict[str, Any]:
    response = await api.client.get(_link_path(message), headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_staff_and_admins_fetch_the_file_through_a_signed_link(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    message = await _message(api, admin)
    for who in (admin, staff):
        link = await _link(api, who, message)
        assert link["url"].startswith(f"{API}/media/")
        expires = datetime.fromisoformat(link["expires_at"])
        assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
        file = await api.client.get(link["url"])  # no bearer token: the link is the key
        assert file.status_code == 200, file.text
        assert file.content == JPEG
        assert file.headers["content-type"] == "image/jpeg"
        assert file.headers["x-content-type-options"] == "nosniff"
        assert file.headers["content-disposition"].startswith("inline")
    audit = await api.client.get(f"{API}/audit-logs", headers=admin.headers)
    if audit.status_code == 200:
        actions = [e["action"] for e in audit.json()["items"]]
        assert actions.count("message.media_link_issued") == 2


async def test_links_are_refused_to_strangers_platform_admins_and_anonymous(api: HttpApp) -> None:
    admin, stranger = await api.tenant_admin(), await api.tenant_admin()
    message = await _message(api, admin)
    path = _link_path(message)
    assert_error(
        await api.client.get(path, headers=stranger.headers), 404, "conversation.not_found"
    )
    assert (await api.client.get(path)).status_code == 401
    operator = await api.super_admin()
    assert (await api.client.get(path, headers=operator.headers)).status_code == 403
    other = await _message(api, admin)
    crossed = f"{API}/conversations/{other.conversation_id}/messages/{message.id}/media"
    assert_error(await api.client.get(crossed, headers=admin.headers), 404, "message.not_found")


async def test_no_media_is_not_found_and_an_unfetched_file_is_pending(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    text = await _message(api, admin, attachment=None)
    response = await api.client.get(_link_path(text), headers=admin.headers)
    assert_error(response, 404, "media.not_found")
    waiting = await _message(api, admin, stored=False)
    response = await api.client.get(_link_path(waiting), headers=admin.headers)
    assert_error(response, 409, "media.pending")
    refused = await _message(api, admin, stored=False)
    uow: ports.ConversationsUoW = api.container.resolve(ports.ConversationsUoW)
    async with uow.tenant(refused.tenant_id) as tx:
        await tx.messages.record_media(refused.id, PHOTO.refused("media.too_large: 20 MB"))
        await tx.commit()
    response = await api.client.get(_link_path(refused), headers=admin.headers)
    assert_error(response, 404, "media.not_found")
    # The inbox's message view says which files can be linked.
    stored = await _message(api, admin)
    for message, state in ((waiting, "PENDING"), (stored, "STORED"), (refused, "UNAVAILABLE")):
        listed = await api.client.get(
            f"{API}/conversations/{message.conversation_id}/messages", headers=admin.headers
        )
        assert listed.status_code == 200, listed.text
        assert listed.json()["items"][0]["media"]["file"] == state


async def test_forged_altered_and_made_up_links_serve_nothing(api: HttpApp) -> None:
    admin, stranger = await api.tenant_admin(), await api.tenant_admin()
    mine = await _link(api, admin, await _message(api, admin))
    theirs = await _link(api, stranger, await _message(api, stranger))
    body, mac = mine["url"].rsplit("/", 1)[-1].split(".")
    other_body = theirs["url"].rsplit("/", 1)[-1].split(".")[0]
    # The first character: the last one's low bits are base64 padding and decode the same.
    flipped = ("A" if mac[0] != "A" else "B") + mac[1:]
    for token in (f"{body}.{flipped}", f"{other_body}.{mac}"):
        assert_error(await api.client.get(f"{API}/media/{token}"), 403, "media.bad_signature")
    for token in ("not-a-link", "x" * 60, f"{body}."):
        assert_error(await api.client.get(f"{API}/media/{token}"), 404, "media.not_found")


async def test_an_expired_link_is_gone() -> None:
    clock = ManualClock(datetime.now(UTC))
    config = http_app.api_settings("memory://")
    async with http_app.running_app(config, overrides={time.Clock: clock}) as api:
        admin = await api.tenant_admin()
        link = await _link(api, admin, await _message(api, admin))
        clock.advance(timedelta(minutes=14))
        assert (await api.client.get(link["url"])).status_code == 200
        clock.advance(timedelta(minutes=1))
        assert_error(await api.client.get(link["url"]), 410, "media.link_expired")


# --- end to end: a Cloud API image through the signed webhook ---------------------------------

CHANNEL = "wa-media-1"
SECRET = "meta-app-secret"
PHONE_ID = "106540352242922"
TOKEN = "EAAG-media-token"


@attrs.define
class RecordingQueue:
    """A task queue that keeps the jobs, for the test to run them when it chooses."""

    jobs: list[tasks.Job] = attrs.field(factory=list)

    async def enqueue(self, job: tasks.Job, *, delay: timedelta | None = None) -> None:
        self.jobs.append(job)

    def take(self, actor_name: str) -> list[tasks.Job]:
        found = [j for j in self.jobs if j.actor_name == actor_name]
        self.jobs = [j for j in self.jobs if j.actor_name != actor_name]
        return found


@attrs.frozen
class CloudDirectory:
    """Every channel is the one Cloud API number on the fake Graph API."""

    http: httpx.AsyncClient
    graph_url: str

    async def channel_for(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> Any:
        if channel_id != CHANNEL:
            raise errors.NotFound("no such channel", code="channel.not_found")
        return cloud_api.CloudApiChannel(self.http, self.graph_url, PHONE_ID, TOKEN)


def _image_delivery() -> dict[str, Any]:
    message = {
        "from": "16315551181",
        "id": "wamid.photo1",
        "timestamp": str(int(datetime.now(UTC).timestamp())),
        "type": "image",
        "image": {"id": "media-img-9", "mime_type": "image/jpeg", "caption": "this cake?"},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_ID},
        "contacts": [{"profile": {"name": "Kerry"}, "wa_id": "16315551181"}],
        "messages": [message],
    }
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [change]}]}


@pytest.fixture
async def graph_app() -> AsyncIterator[tuple[HttpApp, RecordingQueue, FakeGraph, Session]]:
    queue = RecordingQueue()
    channels = directory.InMemoryWhatsAppChannelDirectory()
    with FakeGraph() as graph:
        async with httpx.AsyncClient(timeout=2.0) as http:
            overrides = {
                tasks.TaskQueue: queue,
                directory.WhatsAppChannelDirectory: channels,
                ports.ChannelDirectory: CloudDirectory(http, graph.graph_url),
            }
            config = http_app.api_settings("memory://")
            async with http_app.running_app(config, overrides=overrides) as api:
                admin = await api.tenant_admin()
                tenant = ids.TenantId(admin.tenant_id or "")
                channels.add(CHANNEL, directory.WebhookChannel(tenant, SECRET, "verify", PHONE_ID))
                yield api, queue, graph, admin


async def test_a_webhook_image_is_answered_at_once_then_fetched_and_linked(
    graph_app: tuple[HttpApp, RecordingQueue, FakeGraph, Session],
) -> None:
    api, queue, graph, admin_session = graph_app
    graph.add_media("media-img-9", JPEG, "image/jpeg")
    body = json.dumps(_image_delivery()).encode()
    response = await api.client.post(
        f"{API}/webhooks/whatsapp/{CHANNEL}",
        content=body,
        headers={
            "Content-Type": "application/json",
            webhooks.SIGNATURE_HEADER: webhooks.sign(body, SECRET),
        },
    )
    assert response.status_code == 200, response.text
    (job,) = queue.take(inbound_jobs.INBOUND_ACTOR)
    inbound = inbound_jobs.from_payload(str(job.args[0]))
    assert inbound.media is not None
    assert inbound.media.media_id == "media-img-9"

    # The pipeline answers without touching the media: the fetch is only queued.
    result = await api.bus.handle(pipeline_commands.HandleInboundMessage(inbound))
    assert result.outcome in (Outcome.REPLIED, Outcome.BLOCKED)
    assert not [r for r in graph.requests if r.method == "GET"]
    (fetch,) = queue.take(media_jobs.FETCH_ACTOR)
    tenant, message_id = (str(a) for a in fetch.args)

    uow: ports.ConversationsUoW = api.container.resolve(ports.ConversationsUoW)
    async with uow.tenant(ids.TenantId(tenant)) as tx:
        recorded = await tx.messages.get(ids.MessageId(message_id))
    assert recorded is not None
    pending = await api.client.get(_link_path(recorded), headers=admin_session.headers)
    assert_error(pending, 409, "media.pending")

    # The worker runs the job through its actor: the file lands in storage, the link serves it.
    spec = next(a for a in actors.REGISTRY if a.actor_name == fetch.actor_name)
    assert spec.queue_name == fetch.queue_name == "conversations"
    runtime.install(api.container)
    try:
        await spec.fn(*fetch.args)
        await spec.fn(*fetch.args)  # a redelivery: found stored, nothing fetched again
    finally:
        runtime.clear(api.container)
    assert len([r for r in graph.requests if r.path == "/v21.0/media-img-9"]) == 1
    assert next(r.path for r in graph.requests if r.method == "GET") == "/v21.0/media-img-9"
    link = await _link(api, admin_session, recorded)
    file = await api.client.get(link["url"])
    assert (file.status_code, file.content) == (200, JPEG)
    async with uow.tenant(ids.TenantId(tenant)) as tx:
        stored = await tx.messages.get(ids.MessageId(message_id))
    assert stored is not None
    assert stored.media is not None
    assert stored.media.stored_key
    month = datetime.now(UTC).strftime("%Y-%m")
    assert stored.media.stored_key == f"{tenant}/{month}/{message_id}/image.jpg"
