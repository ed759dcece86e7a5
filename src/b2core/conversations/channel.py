"""What every channel speaks: normalized inbound messages, delivery reports and channel errors.

Channel adapters (WhatsApp Cloud API, HTTP bridges, the simulator, a user's own) translate their
payloads into these shapes, so that the pipeline and the inbox never see a provider's format.

A customer is known by ``customer_id``: the channel's opaque id for the person (on WhatsApp the
business-scoped user id, or the ``wa_id``). It is never assumed to be a phone number: some users
have none, and the phone, when the channel knows it, travels separately.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

import attrs

from b2core.conversations import delivery
from b2core.shared import errors, ids, time

MAX_ID = 200
MAX_TEXT = 65_536  # what we accept from a channel; WhatsApp itself stops at 4096
MAX_CAPTION = 1024
MAX_NAME = 200


def _bad(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code="channel.bad_payload")


def check_id(value: object, what: str) -> None:
    """Refuse an id that is not a non-blank string of at most MAX_ID characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID:
        raise _bad(f"{what} must be 1 to {MAX_ID} characters")


def utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive or non-datetime value is bad input, not a crash."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise _bad("times must be aware datetimes")
    return time.ensure_utc(value)


def _optional_text(value: object, what: str, limit: int) -> None:
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise _bad(f"{what} must be text of at most {limit} characters")


class MediaType(enum.StrEnum):
    """The kinds of media a message can carry."""

    IMAGE = "IMAGE"
    AUDIO = "AUDIO"
    DOCUMENT = "DOCUMENT"
    VIDEO = "VIDEO"


@attrs.frozen
class Media:
    """A media attachment by the provider's handle; its bytes live with the provider or storage.

    ``stored_key`` (with ``size``) is set once the file was fetched into media storage;
    ``fetch_error`` says why it never will be (too large, a refused type, nothing to fetch).
    """

    type: MediaType
    media_id: str
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None
    stored_key: str | None = None
    size: int | None = None
    fetch_error: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.type, MediaType):
            raise _bad("media type must be IMAGE, AUDIO, DOCUMENT or VIDEO")
        check_id(self.media_id, "media id")
        _optional_text(self.mime_type, "mime type", 255)
        _optional_text(self.caption, "caption", MAX_CAPTION)
        _optional_text(self.filename, "file name", 255)
        _optional_text(self.stored_key, "stored key", 1000)
        _optional_text(self.fetch_error, "fetch error", 300)
        size = self.size
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            raise _bad("a media size is a whole number of bytes")
        if self.stored_key is not None and self.fetch_error is not None:
            raise _bad("media is either stored or refused")

    def stored(self, key: str, size: int, mime_type: str) -> Media:
        """This attachment, its file stored under ``key``."""
        return attrs.evolve(self, stored_key=key, size=size, mime_type=mime_type, fetch_error=None)

    def refused(self, reason: str) -> Media:
        """This attachment, never to be stored, for ``reason``."""
        return attrs.evolve(self, stored_key=None, size=None, fetch_error=reason[:300])


@attrs.frozen
class Template:
    """A pre-approved message template: the only thing a closed conversation window accepts."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        check_id(self.name, "template name")
        check_id(self.language, "template language")
        if not isinstance(self.parameters, tuple) or not all(
            isinstance(p, str) for p in self.parameters
        ):
            raise _bad("template parameters must be a tuple of strings")


@attrs.frozen
class InboundMessage:
    """One message a customer sent, as any channel reports it: text, or media with a caption.

    ``timestamp`` is when the customer sent it, as the provider says. ``customer_name`` is the
    profile name the channel shows, ``customer_phone`` the phone number when the channel knows it.
    """

    tenant_id: ids.TenantId
    channel_id: ids.ChannelId
    customer_id: str
    provider_message_id: str
    timestamp: datetime = attrs.field(converter=utc)
    text: str | None = None
    media: Media | None = None
    customer_name: str | None = None
    customer_phone: str | None = None

    def __attrs_post_init__(self) -> None:
        check_id(self.tenant_id, "tenant id")
        check_id(self.channel_id, "channel id")
        check_id(self.customer_id, "customer id")
        check_id(self.provider_message_id, "provider message id")
        _optional_text(self.text, "text", MAX_TEXT)
        _optional_text(self.customer_name, "customer name", MAX_NAME)
        _optional_text(self.customer_phone, "customer phone", 40)
        if (self.text is None) == (self.media is None):
            raise _bad("an inbound message has either text or media (with an optional caption)")
        if self.text is not None and not self.text.strip():
            raise _bad("an inbound text message cannot be blank")


@attrs.frozen
class DeliveryStatus:
    """A channel's report on one outbound message: sent, delivered, read or failed."""

    tenant_id: ids.TenantId
    channel_id: ids.ChannelId
    provider_message_id: str
    state: delivery.DeliveryState
    timestamp: datetime = attrs.field(converter=utc)
    error: str | None = None  # the provider's code and title, for FAILED

    def __attrs_post_init__(self) -> None:
        check_id(self.provider_message_id, "provider message id")
        if self.state is delivery.DeliveryState.QUEUED:
            raise _bad("a channel reports sent, delivered, read or failed, never queued")
        _optional_text(self.error, "error", 1000)


class RateLimited(errors.LimitExceeded):
    """The channel refuses to send more for now; try again after ``retry_after``.

    WhatsApp answers this way for too many messages to one user (131056) or from one number.
    """

    code = "channel.rate_limited"

    def __init__(self, message: str, *, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class WindowClosed(errors.Conflict):
    """The customer's service window is closed: only a template message may be sent now."""

    code = "channel.window_closed"


class InvalidRecipient(errors.InvalidInput):
    """The recipient cannot receive messages on this channel (unknown, blocked, not a user)."""

    code = "channel.invalid_recipient"


class ChannelUnavailable(errors.Unavailable):
    """The channel is down, disconnected or timed out; the same send may succeed later."""

    code = "channel.unavailable"


class SessionState(enum.StrEnum):
    """The life of a bridge-style session (a phone linked by scanning a QR code)."""

    STOPPED = "STOPPED"
    STARTING = "STARTING"
    SCAN_QR = "SCAN_QR"  # waiting for the phone to scan the QR code
    CONNECTED = "CONNECTED"
    FAILED = "FAILED"


@attrs.frozen
class SessionStatus:
    """Where a bridge session stands; ``detail`` is a human-readable reason, when any."""

    state: SessionState
    detail: str | None = None
