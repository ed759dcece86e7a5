"""Where a bridge webhook finds its channel: the tenant, the bridge kind and the secret.

:class:`StoredBridgeChannelDirectory` reads the bridge connections tenants made through
``POST /channels`` and opens their sealed secrets; the in-memory one serves tests and demos.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import attrs

from b2core.conversations import channel, connections
from b2core.conversations import connection_handlers as handlers
from b2core.shared import errors, ids


@attrs.frozen
class BridgeWebhookChannel:
    """What the webhook needs to know about one connected bridge session.

    ``webhook_secret`` is WAHA's HMAC key, or the secret an Evolution delivery must carry.
    ``session``, when known, limits a delivery to events of that session (or instance).
    """

    tenant_id: ids.TenantId
    provider: connections.BridgeProvider
    webhook_secret: str = attrs.field(repr=False)
    session: str | None = None


class BridgeChannelDirectory(Protocol):
    """Finds a bridge channel by the id in its webhook URL."""

    async def lookup(self, channel_id: str) -> BridgeWebhookChannel | None:
        """The channel, or None when no tenant has connected it."""
        ...


@attrs.define
class InMemoryBridgeChannelDirectory:
    """Channels held in a dict: tests, demos and single-process setups."""

    channels: dict[str, BridgeWebhookChannel] = attrs.field(factory=dict)

    def add(self, channel_id: str, webhook_channel: BridgeWebhookChannel) -> None:
        """Connect (or replace) ``channel_id``."""
        self.channels[channel_id] = webhook_channel

    async def lookup(self, channel_id: str) -> BridgeWebhookChannel | None:
        """The channel, or None."""
        return self.channels.get(channel_id)


@attrs.frozen
class StoredBridgeChannelDirectory:
    """Bridge connections from the store, their webhook secrets opened with ``cipher``.

    A Cloud API connection, or an id nobody connected, is None. A secret that no longer opens
    (a lost or removed key) is ``channel.unavailable``, so that the bridge retries.
    """

    uow: connections.ChannelsUoW
    cipher: connections.FieldCipher

    async def lookup(self, channel_id: str) -> BridgeWebhookChannel | None:
        """The channel, or None."""
        if not channel_id or len(channel_id) > channel.MAX_ID:
            return None
        async with self.uow.platform() as tx:
            found = await tx.channel_index.find(ids.ChannelId(channel_id))
        if (
            found is None
            or found.kind is not connections.ChannelKind.WHATSAPP_BRIDGE
            or found.provider is None
        ):
            return None
        try:
            secrets = handlers.open_secrets(self.cipher, found)
        except errors.Unavailable as exc:
            raise channel.ChannelUnavailable("the channel's secrets cannot be opened") from exc
        return BridgeWebhookChannel(
            found.tenant_id, found.provider, secrets["webhook_secret"], found.session
        )


if TYPE_CHECKING:
    _stored: type[BridgeChannelDirectory] = StoredBridgeChannelDirectory
    _memory: type[BridgeChannelDirectory] = InMemoryBridgeChannelDirectory
