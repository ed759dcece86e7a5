"""The inbound media fetch job and staff media links, on the memory and SQLite adapters."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2adapters.memory.clock import ManualClock, SequentialIds
from b2adapters.memory.uow import InMemoryUnitOfWork
from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate
from b2adapters.sql import uow as sql_uow
from b2adapters.storage.local import LocalDirectoryStorage
from b2core.conversations import channel, media, media_jobs, messages, ports
from b2core.conversations.handlers import inbound as recording
from b2core.shared import errors, ids, tasks
from b2core.shared import outbox as shared_outbox
from b2core.testing.contracts.conversations import a_conversation, an_inbound, store

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 31, 23, 59, tzinfo=UTC)
SECRET = "media-link-secret-for-tests"
JPEG = b"\xff\xd8\xff" + b"j" * 2000


@attrs.define
class FakeDownloader:
    """Answers from a script: a file, or an error to raise; counts its calls."""

    answers: list[media_jobs.DownloadedMedia | Exception] = attrs.field(factory=list)
    calls: list[tuple[str, int]] = attrs.field(factory=list)

    async def download(
        self,
        tenant_id: ids.TenantId,
        channel_id: ids.ChannelId,
        attachment: channel.Media,
        *,
        max_bytes: int,
    ) -> media_jobs.DownloadedMedia:
        self.calls.append((attachment.media_id, max_bytes))
        answer = self.answers.pop(0) if self.answers else _file(JPEG)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _file(content: bytes, mime_type: str = "image/jpeg") -> media_jobs.DownloadedMedia:
    return media_jobs.DownloadedMedia(content, mime_type, len(content))


@attrs.define
class World:
    uow: ports.ConversationsUoW
    storage: LocalDirectoryStorage
    downloader: FakeDownloader
    clock: ManualClock
    job: media_jobs.FetchInboundMedia
    links: media_jobs.GetMediaLinkHandler


@pytest.fixture(params=["memory", "sqlite"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    engine = None
    uow: ports.ConversationsUoW
    if request.param == "memory":
        uow = InMemoryUnitOfWork()
    else:
        url = f"sqlite:///{tmp_path / 'b2.db'}"
        await migrate.upgrade(url)
        engine = sql_engine.make_engine(url)
        uow = sql_uow.SqlUnitOfWork(engine)
    clock = ManualClock(T0)
    generator = SequentialIds(f"audit-{secrets.token_hex(4)}")
    storage = LocalDirectoryStorage(tmp_path / "media", clock, SECRET)
    downloader = FakeDownloader()
    job = media_jobs.FetchInboundMedia(
        uow, downloader, storage, clock, generator, max_bytes=1024 * 1024
    )
    links = media_jobs.GetMediaLinkHandler(uow, storage, clock, generator)
    try:
        yield World(uow, storage, downloader, clock, job, links)
    finally:
        if engine is not None:
            await engine.dispose()


PHOTO = channel.Media(channel.MediaType.IMAGE, "media-img-1", "image/jpeg", "look", "cake.jpg")


async def _inbound_photo(
    world: World, attachment: channel.Media = PHOTO
) -> tuple[ids.TenantId, messages.Message]:
    conversation = a_conversation()
    message = an_inbound(conversation, None, media=attachment)
    await store(world.uow, conversation, message)
    return conversation.tenant_id, message


async def _stored(world: World, tenant: ids.TenantId, message_id: ids.MessageId) -> channel.Media:
    async with world.uow.tenant(tenant) as tx:
        found = await tx.messages.get(message_id)
    assert found is not None
    assert found.media is not None
    return found.media


def _staff(
    tenant: ids.TenantId, message: messages.Message, role: str = "STAFF"
) -> media_jobs.GetMediaLink:
    return media_jobs.GetMediaLink(
        tenant, ids.UserId("user-1"), role, message.conversation_id, message.id
    )


async def test_the_job_stores_the_file_under_the_tenant_month_and_message(world: World) -> None:
    tenant, message = await _inbound_photo(world)
    assert await world.job(tenant, message.id) is media_jobs.FetchOutcome.STORED
    stored = await _stored(world, tenant, message.id)
    assert stored.stored_key == f"{tenant}/2026-03/{message.id}/cake.jpg"
    assert (stored.size, stored.mime_type, stored.fetch_error) == (len(JPEG), "image/jpeg", None)
    assert (stored.caption, stored.media_id) == ("look", "media-img-1")
    assert await world.storage.get(media.MediaRef(tenant, stored.stored_key)) == JPEG
    assert world.downloader.calls == [("media-img-1", 1024 * 1024)]


async def test_a_second_run_finds_it_stored_and_downloads_nothing(world: World) -> None:
    tenant, message = await _inbound_photo(world)
    await world.job(tenant, message.id)
    world.clock.advance(timedelta(days=2))  # another month: a new run would file it elsewhere
    assert await world.job(tenant, message.id) is media_jobs.FetchOutcome.ALREADY_DONE
    assert len(world.downloader.calls) == 1
    stored = await _stored(world, tenant, message.id)
    assert stored.stored_key is not None
    assert "/2026-03/" in stored.stored_key


async def test_a_file_without_a_name_is_stored_under_its_kind_and_type(world: World) -> None:
    voice = channel.Media(channel.MediaType.AUDIO, "media-voice", "audio/ogg; codecs=opus")
    tenant, message = await _inbound_photo(world, voice)
    world.downloader.answers.append(_file(b"OggS" * 100, "audio/ogg; codecs=opus"))
    assert await world.job(tenant, message.id) is media_jobs.FetchOutcome.STORED
    stored = await _stored(world, tenant, message.id)
    assert stored.stored_key is not None
    assert stored.stored_key.endswith("/audio.ogg")
    assert media_jobs.content_type_of(stored.stored_key) == "audio/ogg"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (_file(b"x" * (1024 * 1024 + 1)), "media.too_large"),
        (_file(b"MZ" * 50, "application/x-msdownload"), "media.bad_type"),
        (_file(b"%PDF-1.4" * 10, "application/pdf"), "media.bad_type"),  # not an image
        (_file(b"", "image/jpeg"), "media.empty"),
        (errors.InvalidInput("no way", code="media.not_downloadable"), "media.not_downloadable"),
        (errors.NotFound("gone", code="media.not_found"), "media.not_found"),
    ],
)
async def test_a_refused_file_is_recorded_with_its_reason_and_never_retried(
    world: World, answer: media_jobs.DownloadedMedia | Exception, reason: str
) -> None:
    tenant, message = await _inbound_photo(world)
    world.downloader.answers.append(answer)
    assert await world.job(tenant, message.id) is media_jobs.FetchOutcome.REFUSED
    stored = await _stored(world, tenant, message.id)
    assert stored.stored_key is None
    assert stored.fetch_error is not None
    assert stored.fetch_error.startswith(reason)
    assert await world.storage.delete_tenant(tenant) == 0  # nothing was written
    assert await world.job(tenant, message.id) is media_jobs.FetchOutcome.ALREADY_DONE
    assert len(world.downloader.calls) == 1
    with pytest.raises(errors.NotFound) as missing:
        await world.links(_staff(tenant, message))
    assert missing.value.code == "media.not_found"


async def test_an_outage_propagates_for_a_retry_and_records_nothing(world: World) -> None:
    tenant, message = await _inbound_photo(world)
    world.downloader.answers.append(channel.ChannelUnavailable("WhatsApp is down"))
    with pytest.raises(errors.Unavailable):
        await world.job(tenant, message.id)
    assert (await _stored(world, tenant, message.id)) == PHOTO
    assert await world.job(tenant, message.id) is media_jobs.FetchOutcome.STORED


async def test_messages_without_media_and_unknown_ids_are_left_alone(world: World) -> None:
    conversation = a_conversation()
    text = an_inbound(conversation, "hello")
    await store(world.uow, conversation, text)
    tenant = conversation.tenant_id
    assert await world.job(tenant, text.id) is media_jobs.FetchOutcome.NO_MEDIA
    assert await world.job(tenant, ids.MessageId("no-such")) is media_jobs.FetchOutcome.NO_MEDIA
    # Another tenant's message id is invisible to this tenant's job.
    other, photo = await _inbound_photo(world)
    assert await world.job(tenant, photo.id) is media_jobs.FetchOutcome.NO_MEDIA
    assert world.downloader.calls == []
    assert other != tenant


async def test_staff_get_a_signed_expiring_link_once_the_file_is_stored(world: World) -> None:
    tenant, message = await _inbound_photo(world)
    with pytest.raises(errors.Conflict) as pending:
        await world.links(_staff(tenant, message))
    assert pending.value.code == "media.pending"
    await world.job(tenant, message.id)
    link = await world.links(_staff(tenant, message, "TENANT_ADMIN"))
    assert link.expires_at == T0 + media_jobs.LINK_LIFETIME
    ref = world.storage.verify_signed(link.url)
    assert await world.storage.get(ref) == JPEG
    world.clock.advance(media_jobs.LINK_LIFETIME)
    with pytest.raises(errors.Forbidden) as expired:
        world.storage.verify_signed(link.url)
    assert expired.value.code == "media.link_expired"


async def test_links_are_refused_to_other_tenants_roles_and_conversations(world: World) -> None:
    tenant, message = await _inbound_photo(world)
    await world.job(tenant, message.id)
    stranger = media_jobs.GetMediaLink(
        ids.TenantId("another-tenant"),
        ids.UserId("u"),
        "STAFF",
        message.conversation_id,
        message.id,
    )
    with pytest.raises(errors.NotFound) as other_tenant:
        await world.links(stranger)
    assert other_tenant.value.code == "conversation.not_found"
    with pytest.raises(errors.Forbidden):
        await world.links(_staff(tenant, message, "SUPER_ADMIN"))
    elsewhere = a_conversation(tenant)
    await store(world.uow, elsewhere)
    wrong = attrs.evolve(_staff(tenant, message), conversation_id=elsewhere.id)
    with pytest.raises(errors.NotFound) as not_here:
        await world.links(wrong)
    assert not_here.value.code == "message.not_found"


class Queue:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.jobs: list[tasks.Job] = []

    async def enqueue(self, job: tasks.Job, *, delay: timedelta | None = None) -> None:
        if self.failures:
            self.failures -= 1
            raise errors.Unavailable("broker down", code="task.unavailable")
        self.jobs.append(job)


async def test_recording_a_media_message_writes_its_fetch_job_in_the_same_transaction(
    world: World,
) -> None:
    uow: Any = world.uow  # the adapters' units of work serve the relay's platform side too
    queue, clock = Queue(failures=1), world.clock
    relay = shared_outbox.OutboxRelay(uow, queue, clock)
    tenant = ids.TenantId(f"tenant-{secrets.token_hex(4)}")
    photo = channel.InboundMessage(
        tenant, ids.ChannelId("c"), "cust", "wamid.photo", T0, media=PHOTO
    )
    text = attrs.evolve(photo, provider_message_id="wamid.text", media=None, text="hi")
    async with uow.tenant(tenant) as tx:
        received = await recording.record_inbound(tx, photo, SequentialIds("m"))
        await recording.record_inbound(tx, text, SequentialIds("n"))
        # Rolled back: nothing leaves without the commit.
    assert await relay.deliver(media_jobs.fetch_entry_id(received.message.id)) is False
    async with uow.tenant(tenant) as tx:
        received = await recording.record_inbound(tx, photo, SequentialIds("m"))
        await recording.record_inbound(tx, text, SequentialIds("n"))
        await recording.record_inbound(tx, photo, SequentialIds("o"))  # a repeat: no new job
        await tx.commit()
    fast = media_jobs.TaskMediaFetchQueue(relay)
    await fast.enqueue_fetch(tenant, received.message.id)  # the broker is down: no error
    assert queue.jobs == []
    clock.advance(timedelta(minutes=5))
    assert await relay.sweep() == 1  # only the photo had a fetch job
    assert queue.jobs == [media_jobs.fetch_job(tenant, received.message.id)]
    assert queue.jobs[0].actor_name == "conversations.fetch_media"
    assert queue.jobs[0].queue_name == "conversations"
    # With the broker back, the fast path enqueues at once, and only once.
    second = attrs.evolve(photo, provider_message_id="wamid.photo2")
    async with uow.tenant(tenant) as tx:
        again = await recording.record_inbound(tx, second, SequentialIds("p"))
        await tx.commit()
    await fast.enqueue_fetch(tenant, again.message.id)
    await fast.enqueue_fetch(tenant, again.message.id)
    assert queue.jobs[1:] == [media_jobs.fetch_job(tenant, again.message.id)]


_ALLOWED = sorted(t for types in media.ALLOWED_TYPES.values() for t in types)


@given(
    name=st.one_of(st.none(), st.text(max_size=300)),
    mime_type=st.sampled_from(_ALLOWED),
    kind=st.sampled_from(list(channel.MediaType)),
)
def test_every_stored_name_makes_a_valid_key(
    name: str | None, mime_type: str, kind: channel.MediaType
) -> None:
    try:
        attachment = channel.Media(kind, "m-1", mime_type, filename=name)
    except errors.InvalidInput:
        return  # a channel could not have reported it
    filename = media_jobs.stored_filename(attachment, mime_type)
    ref = media.make_ref(ids.TenantId("t-1"), "msg-1", filename, T0)
    assert ref.parts[-1] == filename
    assert "/" not in filename
    assert not filename.startswith(".")


_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("store"), st.integers(0, 10**9)),
        st.tuples(st.just("refuse"), st.text(max_size=400)),
    ),
    max_size=6,
)


@given(steps=_STEPS)
def test_an_attachment_is_stored_or_refused_never_both_and_keeps_its_handle(
    steps: list[tuple[str, int | str]],
) -> None:
    current = PHOTO
    message = messages.Message.from_inbound(
        ids.MessageId("m-1"),
        ids.ConversationId("c-1"),
        channel.InboundMessage(
            ids.TenantId("t"), ids.ChannelId("c"), "cust", "w-1", T0, media=PHOTO
        ),
    )
    for step, value in steps:
        if step == "store":
            current = current.stored("t/2026-03/m-1/cake.jpg", int(value), "image/jpeg")
            assert (current.stored_key, current.size, current.fetch_error) == (
                "t/2026-03/m-1/cake.jpg",
                value,
                None,
            )
        else:
            current = current.refused(str(value))
            assert current.stored_key is None
            assert current.fetch_error == str(value)[:300]
        assert (current.type, current.media_id, current.caption) == (
            PHOTO.type,
            PHOTO.media_id,
            PHOTO.caption,
        )
        message = message.with_media(current)
        assert message.media == current
    with pytest.raises(errors.InvalidInput):
        message.with_media(attrs.evolve(current, media_id="another"))
    with pytest.raises(errors.InvalidInput):
        channel.Media(channel.MediaType.IMAGE, "m", stored_key="k", fetch_error="e")
    with pytest.raises(errors.InvalidInput):
        channel.Media(channel.MediaType.IMAGE, "m", size=-1)
