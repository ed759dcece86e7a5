"""Where a Cloud API webhook finds its channel: the tenant and the secrets that check it.

:class:`StoredWhatsAppChannelDirectory` reads the connections tenants made through
``POST /channels`` and opens their sealed secrets; the in-memory one serves tests and demos.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import attrs

from b2core.conversations import channel, connections
from b2core.conversations import connection_handlers as handlers
from b2core.shared import errors, ids


@attrs.frozen
class WebhookChannel:
    """What the webhook needs to know about one connected Cloud API number.

    ``phone_number_id``, when known, limits a delivery to the changes addressed to this number.
    """

    tenant_id: ids.TenantId
    app_secret: str = attrs.field(repr=False)
    verify_token: str = attrs.field(repr=False)
    phone_number_id: str | None = None


class WhatsAppChannelDirectory(Protocol):
    """Finds a Cloud API channel by the id in its webhook URL."""

    async def lookup(self, channel_id: str) -> WebhookChannel | None:
        """The channel, or None when no tenant has connected it."""
        ...


@attrs.define
class InMemoryWhatsAppChannelDirectory:
    """Channels held in a dict: tests, demos and single-process setups."""

    channels: dict[str, WebhookChannel] = attrs.field(factory=dict)

    def add(self, channel_id: str, webhook_channel: WebhookChannel) -> None:
        """Connect (or replace) ``channel_id``."""
        self.channels[channel_id] = webhook_channel

    async def lookup(self, channel_id: str) -> WebhookChannel | None:
        """The channel, or None."""
        return self.channels.get(channel_id)


@attrs.frozen
class StoredWhatsAppChannelDirectory:
    """Cloud API connections from the store, their webhook secrets opened with ``cipher``.

    A bridge connection, or an id nobody connected, is None. A secret that no longer opens
    (a lost or removed key) is ``channel.unavailable``, so that Meta retries the delivery.
    """

    uow: connections.ChannelsUoW
    cipher: connections.FieldCipher

    async def lookup(self, channel_id: str) -> WebhookChannel | None:
        """The channel, or None."""
        if not channel_id or len(channel_id) > channel.MAX_ID:
            return None
        async with self.uow.platform() as tx:
            found = await tx.channel_index.find(ids.ChannelId(channel_id))
        if found is None or found.kind is not connections.ChannelKind.WHATSAPP_CLOUD:
            return None
        try:
            secrets = handlers.open_secrets(self.cipher, found)
        except errors.Unavailable as exc:
            raise channel.ChannelUnavailable("the channel's secrets cannot be opened") from exc
        return WebhookChannel(
            found.tenant_id,
            secrets["app_secret"],
            secrets["verify_token"],
            found.phone_number_id,
        )


if TYPE_CHECKING:
    _stored: type[WhatsAppChannelDirectory] = StoredWhatsAppChannelDirectory
    _memory: type[WhatsAppChannelDirectory] = InMemoryWhatsAppChannelDirectory
