"""Builds the bridge adapters of a stored connection: its Channel and its ChannelSessions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs
import httpx

from b2adapters.bridge import evolution, expiring, transport, waha
from b2core.conversations import channel, connections

if TYPE_CHECKING:
    from b2core.conversations import ports


def bridge_http(
    http: httpx.AsyncClient, connection: connections.ConnectedChannel, api_key: str
) -> transport.BridgeHttp:
    """The HTTP side of the connection's bridge, with the right API key header."""
    if connection.provider is connections.BridgeProvider.EVOLUTION:
        provider, header = evolution.PROVIDER, evolution.KEY_HEADER
    else:
        provider, header = waha.PROVIDER, waha.KEY_HEADER
    return transport.BridgeHttp(http, provider, connection.base_url or "", header, api_key)


@attrs.frozen
class BridgeAdapters:
    """Channels and sessions for bridge connections, all on one HTTP client.

    ``sent`` is shared by every channel built here, so a retried send finds its key even
    though the directory builds a new channel object for each job.
    """

    http: httpx.AsyncClient = attrs.field(repr=False)
    sent: expiring.SentKeys = attrs.field(factory=expiring.SentKeys, repr=False)

    def channel(
        self, connection: connections.ConnectedChannel, secrets: Mapping[str, str]
    ) -> ports.Channel:
        """The connection's Channel (``channel.unavailable`` if it is not a bridge)."""
        bridge = bridge_http(self.http, self._checked(connection), secrets["api_key"])
        session = connection.session or ""
        if connection.provider is connections.BridgeProvider.EVOLUTION:
            return evolution.EvolutionChannel(bridge, session, self.sent)
        return waha.WahaChannel(bridge, session, self.sent)

    def sessions(
        self, connection: connections.ConnectedChannel, secrets: Mapping[str, str]
    ) -> ports.ChannelSessions:
        """The connection's sessions (QR pairing, start and stop)."""
        bridge = bridge_http(self.http, self._checked(connection), secrets["api_key"])
        names: dict[str, str] = {connection.id: connection.session or ""}
        if connection.provider is connections.BridgeProvider.EVOLUTION:
            return evolution.EvolutionSessions(bridge, names)
        return waha.WahaSessions(bridge, names)

    @staticmethod
    def _checked(connection: connections.ConnectedChannel) -> connections.ConnectedChannel:
        if (
            connection.kind is not connections.ChannelKind.WHATSAPP_BRIDGE
            or not connection.base_url
        ):
            raise channel.ChannelUnavailable("this connection is not a bridge session")
        return connection
