"""Media storage: the MediaStorage port and its pure rules (names, types, sizes, keys, links).

Every stored file lives under ``tenant_id/YYYY-MM/message_id/filename``; a ``MediaRef`` can only
name a key under its own tenant, so one tenant's reference never reaches another's files.
Signed links carry the key and an expiry, authenticated with HMAC-SHA256.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from b2core.conversations import channel
from b2core.shared import errors, ids

MB = 1024 * 1024
MAX_FILENAME = 200
MAX_LINK_LIFETIME = timedelta(days=7)
MIN_SECRET = 16

# What WhatsApp accepts per kind of media, and its size limits.
ALLOWED_TYPES: dict[channel.MediaType, frozenset[str]] = {
    channel.MediaType.IMAGE: frozenset({"image/jpeg", "image/png", "image/webp"}),
    channel.MediaType.AUDIO: frozenset({"audio/ogg", "audio/mpeg", "audio/aac", "audio/amr"}),
    channel.MediaType.VIDEO: frozenset({"video/mp4", "video/3gpp"}),
    channel.MediaType.DOCUMENT: frozenset(
        {
            "application/pdf",
            "text/plain",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        }
    ),
}
SIZE_LIMITS: dict[channel.MediaType, int] = {
    channel.MediaType.IMAGE: 5 * MB,
    channel.MediaType.AUDIO: 16 * MB,
    channel.MediaType.VIDEO: 16 * MB,
    channel.MediaType.DOCUMENT: 100 * MB,
}

_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_UNSAFE_CHARS = re.compile(r"[^\w.()+-]")


def _bad_name(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code="media.bad_name")


def safe_filename(name: object) -> str:
    """``name`` made safe as the last segment of a key, or ``media.bad_name``.

    Separators, NUL, ``.``/``..`` and hidden names are refused (a caller that sends them is
    either confused or attacking); other unusual characters become ``_``.
    """
    if not isinstance(name, str):
        raise _bad_name("a file name must be text")
    cleaned = unicodedata.normalize("NFC", name).strip()
    # Bytes, not characters: file systems limit a name to 255 bytes.
    if not cleaned or len(cleaned.encode("utf-8")) > MAX_FILENAME:
        raise _bad_name(f"a file name has 1 to {MAX_FILENAME} bytes")
    if any(c in cleaned for c in "/\\\x00") or cleaned.startswith("."):
        raise _bad_name("a file name cannot contain separators or start with a dot")
    return _UNSAFE_CHARS.sub("_", cleaned)


def check_segment(value: object, what: str) -> str:
    """``value`` if it is a plain path segment (tenant or message id), else ``media.bad_name``."""
    if not isinstance(value, str) or not _SEGMENT.fullmatch(value) or ".." in value:
        raise _bad_name(f"{what} is not a plain identifier")
    return value


def normalize_mime(mime_type: object) -> str:
    """The bare, lower-case MIME type (``audio/ogg; codecs=opus`` -> ``audio/ogg``)."""
    if not isinstance(mime_type, str):
        raise errors.InvalidInput("a MIME type must be text", code="media.bad_type")
    return mime_type.split(";", 1)[0].strip().lower()


def kind_of(mime_type: object) -> channel.MediaType:
    """The kind of media a MIME type is allowed for; ``media.bad_type`` when none."""
    bare = normalize_mime(mime_type)
    for kind, allowed in ALLOWED_TYPES.items():
        if bare in allowed:
            return kind
    raise errors.InvalidInput(f"the type {bare!r} is not accepted", code="media.bad_type")


def check_media(mime_type: object, size: int, kind: channel.MediaType | None = None) -> str:
    """Refuse a file by its type and size before anything is written; return the bare type.

    Raises:
        errors.InvalidInput: ``media.bad_type`` (not allowed, or not allowed for ``kind``),
            ``media.too_large`` (over the kind's limit) or ``media.empty``.
    """
    found = kind_of(mime_type)
    if kind is not None and found is not kind:
        raise errors.InvalidInput(f"a {kind} cannot be {mime_type!r}", code="media.bad_type")
    if size <= 0:
        raise errors.InvalidInput("the file is empty", code="media.empty")
    if size > SIZE_LIMITS[found]:
        limit = SIZE_LIMITS[found] // MB
        raise errors.InvalidInput(f"a {found} has at most {limit} MB", code="media.too_large")
    return normalize_mime(mime_type)


@attrs.frozen
class MediaRef:
    """Where one stored file is: ``tenant_id/YYYY-MM/message_id/filename``, always safe."""

    tenant_id: ids.TenantId
    key: str

    def __attrs_post_init__(self) -> None:
        check_segment(self.tenant_id, "tenant id")
        parts = self.key.split("/") if isinstance(self.key, str) else []
        if len(parts) != 4 or parts[0] != self.tenant_id:
            raise errors.NotFound("no such media", code="media.not_found")
        if not re.fullmatch(r"\d{4}-\d{2}", parts[1]):
            raise _bad_name("the month of a media key is YYYY-MM")
        check_segment(parts[2], "message id")
        if safe_filename(parts[3]) != parts[3]:
            raise _bad_name("the file name of a media key is not safe")

    @classmethod
    def from_key(cls, key: str) -> MediaRef:
        """The reference of a key, its tenant read from the key itself."""
        return cls(ids.TenantId(key.split("/", 1)[0]), key)

    @property
    def parts(self) -> tuple[str, ...]:
        """The four segments of the key."""
        return tuple(self.key.split("/"))


def make_ref(tenant_id: ids.TenantId, message_id: str, filename: str, at: datetime) -> MediaRef:
    """The reference for a new file of ``message_id``, filed under the month of ``at``."""
    month = f"{at.year:04d}-{at.month:02d}"
    key = "/".join(
        (tenant_id, month, check_segment(message_id, "message id"), safe_filename(filename))
    )
    return MediaRef(tenant_id, key)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _bad_link() -> errors.Forbidden:
    return errors.Forbidden("the media link is not valid", code="media.bad_signature")


@attrs.frozen
class LinkSigner:
    """Makes and checks expiring, tamper-proof media links (HMAC-SHA256 over key and expiry)."""

    secret: str = attrs.field(repr=False)
    base_url: str = "/media"

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.secret, str) or len(self.secret) < MIN_SECRET:
            raise errors.NotConfigured(
                f"the media signing secret needs {MIN_SECRET}+ characters",
                code="media.no_secret",
            )

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self.secret.encode(), payload, hashlib.sha256).digest()

    def sign(self, ref: MediaRef, expires_in: timedelta, now: datetime) -> str:
        """A link to ``ref`` valid for ``expires_in`` (more than 0, at most 7 days)."""
        if not timedelta(0) < expires_in <= MAX_LINK_LIFETIME:
            raise errors.InvalidInput("a link lives up to 7 days", code="media.bad_expiry")
        expires = int((now + expires_in).timestamp())
        payload = f"{ref.key}\n{expires}".encode()
        return f"{self.base_url}/{_b64(payload)}.{_b64(self._mac(payload))}"

    def verify(self, url_or_token: str, now: datetime) -> MediaRef:
        """The reference a link names, if it is genuine and unexpired.

        Raises:
            errors.Forbidden: ``media.bad_signature`` (forged, altered, malformed) or
                ``media.link_expired``.
        """
        token = str(url_or_token).split("?", 1)[0].rsplit("/", 1)[-1]
        try:
            body, mac = token.split(".")
            payload = _unb64(body)
            genuine = hmac.compare_digest(_unb64(mac), self._mac(payload))
            key, expires = payload.decode().split("\n")
            expires_at = int(expires)
        except (ValueError, binascii.Error, UnicodeDecodeError) as bad:
            raise _bad_link() from bad
        if not genuine:
            raise _bad_link()
        if now.timestamp() >= expires_at:
            raise errors.Forbidden("the media link has expired", code="media.link_expired")
        try:
            return MediaRef.from_key(key)
        except errors.DomainError as bad:
            raise _bad_link() from bad


class MediaStorage(Protocol):
    """Tenant-isolated storage for media files, keyed ``tenant/YYYY-MM/message/filename``.

    Errors: ``media.bad_name``, ``media.bad_type``, ``media.too_large``, ``media.empty``
    (``errors.InvalidInput``, raised before anything is written); ``media.not_found``
    (``errors.NotFound``); ``media.bad_signature``/``media.link_expired`` (``errors.Forbidden``);
    ``media.unavailable`` (``errors.Unavailable``) when the back-end cannot be reached.
    """

    async def put(
        self,
        tenant_id: ids.TenantId,
        message_id: ids.MessageId,
        filename: str,
        content: bytes,
        mime_type: str,
    ) -> MediaRef:
        """Store ``content`` (replacing a file of the same key) and return its reference."""
        ...

    async def get(self, ref: MediaRef) -> bytes:
        """The stored bytes; ``media.not_found`` when there are none."""
        ...

    async def delete(self, ref: MediaRef) -> None:
        """Remove the file; removing a missing one does nothing."""
        ...

    async def delete_tenant(self, tenant_id: ids.TenantId) -> int:
        """Remove every file of ``tenant_id`` (erasure); return how many were removed."""
        ...

    def signed_url(self, ref: MediaRef, expires_in: timedelta) -> str:
        """A link to the file that works until ``expires_in`` from now."""
        ...

    def verify_signed(self, url_or_token: str) -> MediaRef:
        """The reference of a genuine, unexpired link (see ``LinkSigner.verify``)."""
        ...
