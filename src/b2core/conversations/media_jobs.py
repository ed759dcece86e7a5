"""Inbound media: fetched into storage by a background job, and handed to staff as signed links.

When an inbound message with media is recorded, the same transaction writes the outbox entry
of a ``conversations.fetch_media`` job (:func:`fetch_entry`). The pipeline never waits for the
download: after its commit it only hands that entry to the queue (:class:`TaskMediaFetchQueue`),
and the outbox sweep enqueues any entry whose fast path never ran.

:class:`FetchInboundMedia` is the job: it downloads through the :class:`MediaDownloader` port,
checks type and size, stores the file under ``tenant/YYYY-MM/message_id/filename`` and records
the storage key on the message. It is idempotent: a message whose file is stored (or refused
for good) is left alone. Transient failures (``errors.Unavailable``) propagate so the job is
retried; permanent ones (too large, a type that is not allowed, nothing to download from) are
recorded on the message as the reason it has no file.
"""

from __future__ import annotations

import enum
import mimetypes
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple, Protocol

import attrs

from b2core.conversations import channel, commands, media, messages, ports
from b2core.conversations.handlers import common
from b2core.shared import audit, errors, ids, outbox, tasks, time

FETCH_ACTOR = "conversations.fetch_media"
FETCH_QUEUE = "conversations"
DEFAULT_MAX_BYTES = 16 * media.MB
LINK_LIFETIME = timedelta(minutes=15)
MAX_REASON = 300

# Extensions for files the sender gave no name (``mimetypes`` knows these, but not everywhere).
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/aac": ".aac",
    "audio/amr": ".amr",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}


class DownloadedMedia(NamedTuple):
    """A downloaded file: its bytes, the type the provider gave and its size in bytes."""

    content: bytes
    mime_type: str
    size: int


class MediaDownloader(Protocol):
    """Fetches the bytes of an inbound attachment from wherever its channel keeps them.

    Raises:
        errors.Unavailable: the provider cannot be reached now (the job is retried).
        errors.InvalidInput: ``media.too_large`` (more than ``max_bytes``, refused before the
            whole body is read) or ``media.not_downloadable`` (the channel gives no way to it).
        errors.NotFound: the provider no longer has the file, or the channel is gone.
    """

    async def download(
        self,
        tenant_id: ids.TenantId,
        channel_id: ids.ChannelId,
        attachment: channel.Media,
        *,
        max_bytes: int,
    ) -> DownloadedMedia:
        """The file of ``attachment``, at most ``max_bytes`` long."""
        ...


class MediaFetchQueue(Protocol):
    """Hands a recorded message's fetch job to the queue, after the recording committed."""

    async def enqueue_fetch(self, tenant_id: ids.TenantId, message_id: ids.MessageId) -> None:
        """Queue the fetch now, or leave it to the outbox sweep; never raises for an outage."""
        ...


def fetch_job(tenant_id: ids.TenantId, message_id: ids.MessageId) -> tasks.Job:
    """The job that fetches ``message_id``'s media."""
    return tasks.Job(
        actor_name=FETCH_ACTOR,
        queue_name=FETCH_QUEUE,
        args=(tenant_id, message_id),
        idempotency_key=fetch_entry_id(message_id),
    )


def fetch_entry_id(message_id: ids.MessageId) -> str:
    """The outbox entry of a message's media fetch: one per message."""
    return f"fetch_media:{message_id}"


def fetch_entry(
    tenant_id: ids.TenantId, message_id: ids.MessageId, now: datetime
) -> outbox.OutboxEntry:
    """The outbox entry that fetches ``message_id``'s media, for the transaction storing it."""
    return outbox.OutboxEntry(
        fetch_entry_id(message_id), tenant_id, fetch_job(tenant_id, message_id), now
    )


@attrs.frozen
class TaskMediaFetchQueue:
    """Delivers the message's fetch entry through the outbox relay right after the commit."""

    relay: outbox.OutboxRelay

    async def enqueue_fetch(self, tenant_id: ids.TenantId, message_id: ids.MessageId) -> None:
        """Enqueue the fetch; with the queue down, the sweep enqueues it later."""
        try:
            await self.relay.deliver(fetch_entry_id(message_id))
        except errors.Unavailable:
            return


@attrs.frozen
class SweepOnlyMediaFetchQueue:
    """No fast path: the outbox sweep enqueues every fetch (when no relay is wired)."""

    async def enqueue_fetch(self, tenant_id: ids.TenantId, message_id: ids.MessageId) -> None:
        """Nothing to do now: the entry is in the outbox already."""
        return None


def stored_filename(attachment: channel.Media, mime_type: str) -> str:
    """The name a file is stored under: the sender's, when safe, else ``<kind><ext>``."""
    if attachment.filename:
        try:
            return media.safe_filename(attachment.filename)
        except errors.InvalidInput:
            pass  # a hostile or odd name: store under a neutral one
    extension = _EXTENSIONS.get(mime_type) or mimetypes.guess_extension(mime_type) or ".bin"
    return f"{attachment.type.value.lower()}{extension}"


def content_type_of(key: str) -> str:
    """The type to serve a stored file with, from its name; ``application/octet-stream``."""
    name = key.rsplit("/", 1)[-1].lower()
    for mime_type, extension in _EXTENSIONS.items():
        if name.endswith(extension):
            return mime_type
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


class FetchOutcome(enum.StrEnum):
    """What one run of the fetch job did."""

    STORED = "STORED"
    ALREADY_DONE = "ALREADY_DONE"  # stored or refused by an earlier run
    REFUSED = "REFUSED"  # refused for good; the reason is on the message
    NO_MEDIA = "NO_MEDIA"  # no such message, or one without media


@attrs.frozen
class FetchInboundMedia:
    """The ``conversations.fetch_media`` job: one inbound message's media into storage."""

    uow: ports.ConversationsUoW
    downloader: MediaDownloader
    storage: media.MediaStorage
    clock: time.Clock
    id_generator: ids.IdGenerator
    max_bytes: int = DEFAULT_MAX_BYTES

    async def __call__(self, tenant_id: ids.TenantId, message_id: ids.MessageId) -> FetchOutcome:
        """Fetch, check, store and record; see the module's notes on retries."""
        async with self.uow.tenant(tenant_id) as tx:
            message = await tx.messages.get(message_id)
        if message is None or message.media is None:
            return FetchOutcome.NO_MEDIA
        attachment = message.media
        if message.direction is not messages.Direction.INBOUND:
            return FetchOutcome.NO_MEDIA
        if attachment.stored_key is not None or attachment.fetch_error is not None:
            return FetchOutcome.ALREADY_DONE
        kind = channel.MediaType(attachment.type)
        try:
            got = await self.downloader.download(
                tenant_id, message.channel_id, attachment, max_bytes=self.max_bytes
            )
            if got.size > self.max_bytes or len(got.content) > self.max_bytes:
                raise errors.InvalidInput(
                    f"the file is over {self.max_bytes} bytes", code="media.too_large"
                )
            mime_type = media.check_media(got.mime_type, len(got.content), kind)
            filename = stored_filename(attachment, mime_type)
            ref = await self.storage.put(tenant_id, message_id, filename, got.content, mime_type)
        except (errors.InvalidInput, errors.NotFound) as refused:
            reason = f"{refused.code}: {refused}"[:MAX_REASON]
            await self._record(message, attachment.refused(reason), "message.media_refused")
            return FetchOutcome.REFUSED
        stored = attachment.stored(ref.key, len(got.content), mime_type)
        await self._record(message, stored, "message.media_stored")
        return FetchOutcome.STORED

    async def _record(
        self, message: messages.Message, attachment: channel.Media, action: str
    ) -> None:
        metadata: dict[str, str | int] = {"message_id": message.id}
        if attachment.size is not None:
            metadata["size"] = attachment.size
        if attachment.fetch_error is not None:
            metadata["reason"] = attachment.fetch_error.split(":", 1)[0]
        async with self.uow.tenant(message.tenant_id) as tx:
            current = await tx.messages.get(message.id)
            found = None if current is None else current.media
            if found is None or found.stored_key is not None or found.fetch_error is not None:
                return  # a concurrent run recorded it first (or the message was erased)
            await tx.messages.record_media(message.id, attachment)
            await tx.audit.append(
                audit.record(
                    self.id_generator,
                    self.clock,
                    audit.Actor.system(),
                    action,
                    tenant_id=message.tenant_id,
                    target=("conversation", message.conversation_id),
                    metadata=metadata,
                )
            )
            await tx.commit()


@attrs.frozen
class GetMediaLink(commands.StaffCommand):
    """A signed, expiring link to the stored file of one message of a conversation."""

    conversation_id: ids.ConversationId
    message_id: ids.MessageId


@attrs.frozen
class MediaLink:
    """Where staff fetch a file, and until when the link works."""

    url: str
    expires_at: datetime


@attrs.frozen
class GetMediaLinkHandler:
    """Signs a link for staff of the message's tenant; each link handed out is audited.

    Errors: ``conversation.not_found``/``message.not_found`` (also another tenant's ids),
    ``media.not_found`` (no media, or it was refused for good: see the audit trail),
    ``media.pending`` (not fetched yet).
    """

    uow: ports.ConversationsUoW
    storage: media.MediaStorage
    clock: time.Clock
    id_generator: ids.IdGenerator
    lifetime: timedelta = LINK_LIFETIME

    async def __call__(self, cmd: GetMediaLink) -> MediaLink:
        common.check_staff(cmd)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            await common.load_conversation(tx, cmd.conversation_id)
            message = await tx.messages.get(cmd.message_id)
            if message is None or message.conversation_id != cmd.conversation_id:
                raise errors.NotFound("no such message", code="message.not_found")
            attachment = message.media
            if attachment is None or attachment.fetch_error is not None:
                raise errors.NotFound("this message has no stored media", code="media.not_found")
            if attachment.stored_key is None:
                raise errors.Conflict("the media is still being fetched", code="media.pending")
            ref = media.MediaRef(cmd.tenant_id, attachment.stored_key)
            url = self.storage.signed_url(ref, self.lifetime)
            await tx.audit.append(
                common.entry(
                    self.id_generator,
                    self.clock,
                    cmd,
                    "message.media_link_issued",
                    cmd.conversation_id,
                    {"message_id": message.id},
                )
            )
            await tx.commit()
        return MediaLink(url, self.clock.now() + self.lifetime)


if TYPE_CHECKING:
    _queue: type[MediaFetchQueue] = TaskMediaFetchQueue
    _sweep: type[MediaFetchQueue] = SweepOnlyMediaFetchQueue
