"""Connected channels, managed by tenant admins: ``/channels``.

Secrets go in and never come out: a channel shows only a masked hint of each (``****`` plus,
for access tokens and API keys, the last 4 characters). The built-in simulator is not listed:
every tenant has it under the id ``simulator`` (see ``/channels/simulator/...``), and it cannot
be removed. Removing a connection deletes it and its sealed secrets for good.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from b2app.http import auth, codec, pagination
from b2app.http.controllers import bodies, messages
from b2core.conversations import connections
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import ids
from b2core.shared import pagination as core_pagination

_MANAGE = permissions.Action.CHANNELS_MANAGE
_WEBHOOKS = {
    connections.ChannelKind.WHATSAPP_CLOUD: "/api/v1/webhooks/whatsapp/",
    connections.ChannelKind.WHATSAPP_BRIDGE: "/api/v1/webhooks/bridge/",
}


@attrs.frozen
class Channel:
    """A connection as clients see it; ``secrets`` maps each secret's name to a masked hint.

    ``webhook_path`` is where the provider must deliver (Meta's callback URL, or the bridge's
    webhook), on this server's public address.
    """

    id: str
    kind: connections.ChannelKind
    created_at: datetime
    webhook_path: str
    secrets: dict[str, str]
    phone_number_id: str | None
    provider: connections.BridgeProvider | None
    base_url: str | None
    session: str | None

    @classmethod
    def of(cls, c: connections.ConnectedChannel) -> Channel:
        """The public view of ``c`` (no secret in it)."""
        return cls(
            c.id,
            c.kind,
            c.created_at,
            _WEBHOOKS[c.kind] + c.id,
            dict(c.hints),
            c.phone_number_id,
            c.provider,
            c.base_url,
            c.session,
        )


@attrs.frozen
class ChannelPage:
    """One page of the tenant's connections, oldest first."""

    items: list[Channel]
    next_cursor: str | None


@attrs.frozen
class ChannelCreate:
    """``kind`` says which fields apply.

    ``whatsapp_cloud``: ``phone_number_id``, ``access_token``, ``app_secret``, ``verify_token``.
    ``whatsapp_bridge``: ``provider`` (``waha`` | ``evolution``), ``base_url``, ``api_key``,
    ``session``, ``webhook_secret``.
    """

    kind: str
    phone_number_id: str | None = None
    access_token: str | None = attrs.field(default=None, repr=False)
    app_secret: str | None = attrs.field(default=None, repr=False)
    verify_token: str | None = attrs.field(default=None, repr=False)
    provider: str | None = None
    base_url: str | None = None
    api_key: str | None = attrs.field(default=None, repr=False)
    session: str | None = None
    webhook_secret: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class CloudChannelCreate:
    """The body of a Cloud API connection."""

    kind: str
    phone_number_id: str
    access_token: str = attrs.field(repr=False)
    app_secret: str = attrs.field(repr=False)
    verify_token: str = attrs.field(repr=False)


@attrs.frozen
class BridgeChannelCreate:
    """The body of a bridge connection."""

    kind: str
    provider: str
    base_url: str
    session: str
    api_key: str = attrs.field(repr=False)
    webhook_secret: str = attrs.field(repr=False)


def _command(data: Any, principal: tokens.Principal) -> Any:
    who = messages.staff(principal)
    kind = connections.parse_kind(codec.structure(data, ChannelCreate).kind)
    if kind is connections.ChannelKind.WHATSAPP_CLOUD:
        cloud = codec.structure(data, CloudChannelCreate)
        return connections.ConnectCloudChannel(
            *who, cloud.phone_number_id, cloud.access_token, cloud.app_secret, cloud.verify_token
        )
    bridge = codec.structure(data, BridgeChannelCreate)
    return connections.ConnectBridgeChannel(
        *who,
        bridge.provider,
        bridge.base_url,
        bridge.session,
        bridge.api_key,
        bridge.webhook_secret,
    )


def _shown(connection: connections.ConnectedChannel) -> dict[str, Any]:
    return bodies.dump(Channel.of(connection))


class ChannelsController(Controller):
    """The caller's own tenant only: another tenant's channel is simply not found."""

    path = "/channels"
    tags = ["channels"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(_MANAGE),
        **bodies.answers(200, ChannelPage, "the connections", (401, 403, 422)),
    )
    async def list_channels(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
    ) -> dict[str, Any]:
        """Your tenant's connected numbers and bridge sessions (not the built-in simulator)."""
        command = connections.ListChannels(*messages.staff(principal), page)
        return pagination.render(await bus.handle(command), item=_shown)

    @post(
        "/",
        **auth.guarded(_MANAGE),
        **bodies.answers(201, Channel, "connected", (400, 401, 403, 409, 422)),
    )
    async def connect(
        self,
        data: bodies.Json[ChannelCreate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Connect a WhatsApp Cloud API number or a bridge session; secrets are never shown."""
        return _shown(await bus.handle(_command(data, principal)))

    @delete(
        "/{channel_id:str}",
        **auth.guarded(_MANAGE),
        **bodies.answers(204, None, "disconnected", (401, 403, 404)),
    )
    async def disconnect(
        self,
        channel_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> None:
        """Remove a connection and its secrets; messages already received stay."""
        command = connections.DisconnectChannel(
            *messages.staff(principal), ids.ChannelId(channel_id)
        )
        await bus.handle(command)
