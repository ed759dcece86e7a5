"""Connected channels: the WhatsApp numbers and bridge sessions a tenant has set up.

A connection's secrets (access tokens, app secrets, API keys) are sealed by the
:class:`FieldCipher` port before they reach a repository, so storage only ever holds
ciphertext; what clients may see of them is a masked hint.

The simulator is built in: every tenant has it under the id ``simulator`` and it is never
stored, listed or removed here.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from urllib import parse

import attrs

from b2core.shared import audit, errors, ids, pagination, uow

if TYPE_CHECKING:
    from b2core.conversations import ports

SIMULATOR = ids.ChannelId("simulator")
TENANT_ADMIN = "TENANT_ADMIN"
MAX_SECRET = 4096
CLOUD_SECRETS = ("access_token", "app_secret", "verify_token")
BRIDGE_SECRETS = ("api_key", "webhook_secret")
# Secrets long enough to show their last 4 characters (so an admin can tell tokens apart).
HINTED = frozenset({"access_token", "api_key"})
_PHONE_NUMBER_ID = re.compile(r"[0-9]{5,32}")
_SESSION = re.compile(r"[A-Za-z0-9_.-]{1,100}")


class ChannelKind(enum.StrEnum):
    """How a channel reaches WhatsApp."""

    WHATSAPP_CLOUD = "whatsapp_cloud"
    WHATSAPP_BRIDGE = "whatsapp_bridge"


class BridgeProvider(enum.StrEnum):
    """The HTTP bridges b2 speaks to."""

    WAHA = "waha"
    EVOLUTION = "evolution"


def _bad(message: str, code: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code=code)


def parse_kind(value: object) -> ChannelKind:
    """The kind named by ``value``; ``channel.bad_kind`` for anything else."""
    try:
        return ChannelKind(str(value)) if isinstance(value, str) else ChannelKind("")
    except ValueError as exc:
        kinds = ", ".join(kind.value for kind in ChannelKind)
        raise _bad(f"kind must be one of {kinds}", "channel.bad_kind") from exc


def check_phone_number_id(value: object) -> str:
    """A Cloud API phone number id: 5 to 32 digits (``channel.bad_phone_number_id``)."""
    if not isinstance(value, str) or not _PHONE_NUMBER_ID.fullmatch(value):
        raise _bad("phone_number_id must be 5 to 32 digits", "channel.bad_phone_number_id")
    return value


def check_secret(value: object, name: str) -> str:
    """A secret: non-blank text of at most MAX_SECRET characters (``channel.bad_secret``)."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SECRET:
        raise _bad(f"{name} must be 1 to {MAX_SECRET} characters", "channel.bad_secret")
    return value


def check_base_url(value: object) -> str:
    """An http(s) URL with a host and no credentials in it (``channel.bad_url``)."""
    problem = _bad("base_url must be an http or https URL with a host", "channel.bad_url")
    if not isinstance(value, str) or len(value) > 500:
        raise problem
    try:
        url = parse.urlsplit(value)
    except ValueError as exc:
        raise problem from exc
    if url.scheme not in ("http", "https") or not url.hostname or url.username or url.password:
        raise problem
    return value.rstrip("/")


def check_session(value: object) -> str:
    """A bridge session name: 1 to 100 of letters, digits, ``_``, ``.``, ``-``."""
    if not isinstance(value, str) or not _SESSION.fullmatch(value):
        raise _bad(
            "session must be 1 to 100 letters, digits, '_', '.' or '-'", "channel.bad_session"
        )
    return value


def parse_provider(value: object) -> BridgeProvider:
    """The bridge named by ``value``; ``channel.bad_provider`` for anything else."""
    if isinstance(value, str) and value in {p.value for p in BridgeProvider}:
        return BridgeProvider(value)
    names = ", ".join(p.value for p in BridgeProvider)
    raise _bad(f"provider must be one of {names}", "channel.bad_provider")


def hint(name: str, secret: str) -> str:
    """What may be shown of a secret: ``****`` and, for long tokens, their last 4 characters."""
    if name in HINTED and len(secret) >= 16:
        return "****" + secret[-4:]
    return "****"


def secret_context(tenant_id: ids.TenantId, channel_id: ids.ChannelId, name: str) -> str:
    """What a sealed secret is bound to: a ciphertext copied to another row does not open."""
    return f"channel/{tenant_id}/{channel_id}/{name}"


@attrs.frozen
class ConnectedChannel:
    """One connection of a tenant. ``sealed`` maps secret names to ciphertext, never clear text.

    Cloud channels carry ``phone_number_id``; bridge channels ``provider``, ``base_url`` and
    ``session``. ``hints`` maps the same names to what clients may see.
    """

    id: ids.ChannelId
    tenant_id: ids.TenantId
    kind: ChannelKind
    created_at: datetime
    sealed: Mapping[str, str] = attrs.field(repr=False)
    hints: Mapping[str, str]
    phone_number_id: str | None = None
    provider: BridgeProvider | None = None
    base_url: str | None = None
    session: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.id == SIMULATOR:
            raise _bad("the simulator is built in", "channel.reserved_id")
        names = CLOUD_SECRETS if self.kind is ChannelKind.WHATSAPP_CLOUD else BRIDGE_SECRETS
        if set(self.sealed) != set(names) or set(self.hints) != set(names):
            raise _bad(f"a {self.kind} channel has the secrets {names}", "channel.bad_secret")
        if self.kind is ChannelKind.WHATSAPP_CLOUD:
            check_phone_number_id(self.phone_number_id)
            if self.provider or self.base_url or self.session:
                raise _bad("a Cloud API channel has no bridge settings", "channel.bad_kind")
            return
        parse_provider(self.provider)
        check_base_url(self.base_url)
        check_session(self.session)
        if self.phone_number_id is not None:
            raise _bad("a bridge channel has no phone_number_id", "channel.bad_kind")


@attrs.frozen
class AdminCommand:
    """Who asks, in which tenant (from the verified token); only TENANT_ADMIN may manage."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str


@attrs.frozen
class ConnectCloudChannel(AdminCommand):
    """Connect a WhatsApp Cloud API number with its token and webhook secrets."""

    phone_number_id: str
    access_token: str = attrs.field(repr=False)
    app_secret: str = attrs.field(repr=False)
    verify_token: str = attrs.field(repr=False)


@attrs.frozen
class ConnectBridgeChannel(AdminCommand):
    """Connect a session of a WAHA- or Evolution-style HTTP bridge."""

    provider: str
    base_url: str
    session: str
    api_key: str = attrs.field(repr=False)
    webhook_secret: str = attrs.field(repr=False)


@attrs.frozen
class ListChannels(AdminCommand):
    """A page of the tenant's connections, oldest first."""

    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)


@attrs.frozen
class DisconnectChannel(AdminCommand):
    """Remove a connection; its sealed secrets are deleted with it."""

    channel_id: ids.ChannelId


class FieldCipher(Protocol):
    """Seals short secrets for storage (authenticated encryption under a rotating key ring).

    ``context`` is bound into the ciphertext: opening under another context fails. Opening
    anything tampered with, or sealed under an unknown key, raises ``errors.Unavailable``.
    """

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """The sealed form of ``plaintext``."""
        ...

    def decrypt(self, token: str, *, context: str) -> str:
        """The clear text of a token made by :meth:`encrypt` with the same ``context``."""
        ...


class ChannelRepository(Protocol):
    """The connections of the one tenant the transaction is bound to."""

    async def add(self, connection: ConnectedChannel) -> None:
        """Store a new connection.

        Raises ``errors.Conflict``: ``channel.duplicate_number`` when any tenant of the platform
        already connected its ``phone_number_id``; ``channel.already_exists`` for a reused id.
        """
        ...

    async def get(self, channel_id: ids.ChannelId) -> ConnectedChannel | None:
        """The tenant's connection with this id, or None (also for another tenant's)."""
        ...

    async def list(self, page: pagination.PageRequest) -> pagination.Page[ConnectedChannel]:
        """Oldest first (created_at, then id)."""
        ...

    async def remove(self, channel_id: ids.ChannelId) -> bool:
        """Delete the connection; False when the tenant has none with this id."""
        ...


class ChannelIndex(Protocol):
    """Platform-wide reading of connections: webhooks know a channel id, not a tenant."""

    async def bridges(self) -> Sequence[ConnectedChannel]:
        """Every tenant's bridge connections, oldest first (the session supervisors' list)."""
        ...

    async def find(self, channel_id: ids.ChannelId) -> ConnectedChannel | None:
        """The connection with this id in any tenant, or None."""
        ...


class ChannelsTx(uow.Transaction, Protocol):
    """A tenant-bound transaction over connections and the audit trail."""

    @property
    def channels(self) -> ChannelRepository: ...

    @property
    def audit(self) -> audit.AuditLog: ...


class ChannelsPlatformTx(uow.Transaction, Protocol):
    """A platform transaction that may look a connection up by id alone."""

    @property
    def channel_index(self) -> ChannelIndex: ...


class ChannelsUoW(Protocol):
    """Opens connection transactions: bound to one tenant, or platform-wide for look-ups."""

    def tenant(self, tenant_id: ids.TenantId) -> AbstractAsyncContextManager[ChannelsTx]: ...

    def platform(self) -> AbstractAsyncContextManager[ChannelsPlatformTx]: ...


class ChannelFactory(Protocol):
    """Builds the Channel adapter of a stored connection from its opened secrets."""

    def cloud(self, phone_number_id: str, access_token: str) -> ports.Channel:
        """The Cloud API channel of one number."""
        ...

    def bridge(self, connection: ConnectedChannel, secrets: Mapping[str, str]) -> ports.Channel:
        """The bridge channel; ``channel.ChannelUnavailable`` when no bridge adapter exists."""
        ...
