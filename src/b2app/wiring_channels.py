"""Composition of connected channels: field encryption, stored channels, the two directories.

Part of the composition root (``b2app.bootstrap`` calls it after ``pipeline_wiring``, so these
directories replace the simulator-only one). Every registration is lazy, so test overrides of
the unit of work, the cipher or a directory win.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from b2adapters.bridge import expiring
from b2adapters.bridge.factory import BridgeAdapters
from b2adapters.crypto import fields
from b2adapters.simulator.channel import SimulatorDirectory, SimulatorOutbox
from b2adapters.whatsapp import cloud_api, directory
from b2app import settings
from b2core.conversations import connection_handlers as handlers
from b2core.conversations import connections
from b2core.conversations import ports as conversation_ports
from b2core.shared import errors

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring

GRAPH_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


class MissingCipher:
    """Stands in for the cipher when no key is configured: sealing and opening both refuse."""

    def _refuse(self) -> errors.NotConfigured:
        return errors.NotConfigured(
            "set B2_FIELD_ENCRYPTION_KEY to store channel secrets",
            code="settings.field_encryption_key_required",
        )

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Refuse: there is no key."""
        raise self._refuse()

    def decrypt(self, token: str, *, context: str) -> str:
        """Refuse: there is no key."""
        raise self._refuse()


def field_cipher(config: settings.Settings) -> connections.FieldCipher:
    """The cipher of ``B2_FIELD_ENCRYPTION_KEY`` (comma-separated base64 keys, current first).

    Without a key, demo mode derives one from the JWT secret (see
    :func:`fields.derive_demo_key`: a demo that invented its JWT secret loses its stored
    channel secrets at restart); production gets :class:`MissingCipher`, so that connecting
    a channel answers ``settings.field_encryption_key_required`` and the simulator still works.
    """
    if config.field_encryption_key:
        return fields.FieldCipher.from_setting(config.field_encryption_key)
    if config.mode is settings.Mode.PRODUCTION or not config.jwt_secret:
        return MissingCipher()
    return fields.FieldCipher([fields.derive_demo_key(config.jwt_secret)])


@attrs.define
class SharedHttpClient:
    """One ``httpx.AsyncClient`` for every Cloud API channel, opened on first use."""

    _client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """The shared client (a new one after :meth:`aclose`)."""
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=GRAPH_TIMEOUT)
        return self._client

    async def aclose(self) -> None:
        """Close the client, if one was opened."""
        if self._client is not None:
            await self._client.aclose()


@attrs.frozen
class AdapterChannelFactory:
    """Builds Cloud API and bridge channels on the shared client.

    One memory of sent idempotency keys serves every channel built here, so a retried job
    finds its key although the directory builds a new channel object for each send.
    """

    http: SharedHttpClient
    graph_url: str
    sent: expiring.SentKeys = attrs.field(factory=expiring.SentKeys)

    def cloud(self, phone_number_id: str, access_token: str) -> conversation_ports.Channel:
        """The Cloud API channel of one number, with its opened token."""
        return cloud_api.CloudApiChannel(
            self.http.client, self.graph_url, phone_number_id, access_token, self.sent
        )

    def bridge(
        self, connection: connections.ConnectedChannel, secrets: Mapping[str, str]
    ) -> conversation_ports.Channel:
        """The bridge channel of a WAHA or Evolution connection, with its opened API key."""
        return BridgeAdapters(self.http.client, self.sent).channel(connection, secrets)


def register(wiring: Wiring) -> None:
    """Register the cipher, the connections' unit of work and both channel directories."""
    container, config = wiring.container, wiring.config
    http = SharedHttpClient()
    wiring.lifecycle.on_shutdown(http.aclose)
    factory = AdapterChannelFactory(http, config.whatsapp_graph_url)

    def resolve(key: Any) -> Any:
        return container.resolve(key)

    # One adapter serves every context's unit of work; connections use the same one.
    wiring.singleton(connections.ChannelsUoW, lambda: resolve(conversation_ports.ConversationsUoW))
    wiring.singleton(connections.FieldCipher, lambda: field_cipher(config))
    wiring.singleton(
        conversation_ports.ChannelDirectory,
        lambda: handlers.StoredChannelDirectory(
            resolve(connections.ChannelsUoW),
            resolve(connections.FieldCipher),
            factory,
            SimulatorDirectory(resolve(SimulatorOutbox)),
        ),
    )
    wiring.singleton(
        directory.WhatsAppChannelDirectory,
        lambda: directory.StoredWhatsAppChannelDirectory(
            resolve(connections.ChannelsUoW), resolve(connections.FieldCipher)
        ),
    )
