"""Use cases of connected channels: connect, list, disconnect, and the directory that sends.

Connecting seals every secret with the FieldCipher before the repository sees it and appends
one audit entry (no secret in it) in the same transaction; so does disconnecting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from b2core.conversations import channel, ports
from b2core.conversations import connections as c
from b2core.shared import audit, errors, ids, pagination, time


def _check_admin(cmd: c.AdminCommand) -> None:
    if cmd.role != c.TENANT_ADMIN or not cmd.user_id:
        raise errors.Forbidden(
            "only a tenant admin may manage channels", code="channel.role_not_allowed"
        )


def _entry(
    id_generator: ids.IdGenerator,
    clock: time.Clock,
    cmd: c.AdminCommand,
    action: str,
    connection: c.ConnectedChannel,
) -> audit.AuditEntry:
    metadata: dict[str, Any] = {"kind": connection.kind.value}
    if connection.phone_number_id is not None:
        metadata["phone_number_id"] = connection.phone_number_id
    if connection.provider is not None:
        metadata["provider"] = connection.provider.value
    return audit.record(
        id_generator,
        clock,
        audit.Actor.user(cmd.user_id, cmd.role),
        action,
        tenant_id=cmd.tenant_id,
        target=("channel", connection.id),
        metadata=metadata,
    )


@attrs.frozen
class _ConnectHandler:
    """Seals the secrets, stores the connection and audits it, in one transaction."""

    uow: c.ChannelsUoW
    cipher: c.FieldCipher
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def _connect(
        self, cmd: c.AdminCommand, secrets: Mapping[str, str], **fields: Any
    ) -> c.ConnectedChannel:
        channel_id = ids.ChannelId(self.id_generator.new())
        sealed = {
            name: self.cipher.encrypt(
                value, context=c.secret_context(cmd.tenant_id, channel_id, name)
            )
            for name, value in secrets.items()
        }
        connection = c.ConnectedChannel(
            id=channel_id,
            tenant_id=cmd.tenant_id,
            created_at=self.clock.now(),
            sealed=sealed,
            hints={name: c.hint(name, value) for name, value in secrets.items()},
            **fields,
        )
        async with self.uow.tenant(cmd.tenant_id) as tx:
            await tx.channels.add(connection)
            await tx.audit.append(
                _entry(self.id_generator, self.clock, cmd, "channel.connected", connection)
            )
            await tx.commit()
        return connection


@attrs.frozen
class ConnectCloudChannelHandler(_ConnectHandler):
    """Connect a Cloud API number (``channel.duplicate_number`` if connected anywhere)."""

    async def __call__(self, cmd: c.ConnectCloudChannel) -> c.ConnectedChannel:
        _check_admin(cmd)
        secrets = {
            "access_token": c.check_secret(cmd.access_token, "access_token"),
            "app_secret": c.check_secret(cmd.app_secret, "app_secret"),
            "verify_token": c.check_secret(cmd.verify_token, "verify_token"),
        }
        return await self._connect(
            cmd,
            secrets,
            kind=c.ChannelKind.WHATSAPP_CLOUD,
            phone_number_id=c.check_phone_number_id(cmd.phone_number_id),
        )


@attrs.frozen
class ConnectBridgeChannelHandler(_ConnectHandler):
    """Connect a bridge session (its QR pairing happens through the bridge's own sessions)."""

    async def __call__(self, cmd: c.ConnectBridgeChannel) -> c.ConnectedChannel:
        _check_admin(cmd)
        provider = c.parse_provider(cmd.provider)
        base_url = c.check_base_url(cmd.base_url)
        session = c.check_session(cmd.session)
        secrets = {
            "api_key": c.check_secret(cmd.api_key, "api_key"),
            "webhook_secret": c.check_secret(cmd.webhook_secret, "webhook_secret"),
        }
        return await self._connect(
            cmd,
            secrets,
            kind=c.ChannelKind.WHATSAPP_BRIDGE,
            provider=provider,
            base_url=base_url,
            session=session,
        )


@attrs.frozen
class ListChannelsHandler:
    """A page of the tenant's connections (the built-in simulator is not among them)."""

    uow: c.ChannelsUoW

    async def __call__(self, cmd: c.ListChannels) -> pagination.Page[c.ConnectedChannel]:
        _check_admin(cmd)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await tx.channels.list(cmd.page)


@attrs.frozen
class DisconnectChannelHandler:
    """Delete a connection and its secrets; another tenant's id is ``channel.not_found``."""

    uow: c.ChannelsUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: c.DisconnectChannel) -> None:
        _check_admin(cmd)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            found = await tx.channels.get(cmd.channel_id)
            if found is None or not await tx.channels.remove(cmd.channel_id):
                raise errors.NotFound("no such channel", code="channel.not_found")
            await tx.audit.append(
                _entry(self.id_generator, self.clock, cmd, "channel.disconnected", found)
            )
            await tx.commit()


def open_secrets(cipher: c.FieldCipher, connection: c.ConnectedChannel) -> dict[str, str]:
    """Every secret of ``connection`` in clear text (for the adapter that uses them)."""
    return {
        name: cipher.decrypt(
            token, context=c.secret_context(connection.tenant_id, connection.id, name)
        )
        for name, token in connection.sealed.items()
    }


@attrs.frozen
class StoredChannelDirectory:
    """The ChannelDirectory over stored connections, with the built-in simulator in front.

    ``builtin`` serves the id ``simulator``; any other id must be a connection of the tenant.
    A secret that no longer opens (a lost key) makes the channel unavailable, not missing.
    """

    uow: c.ChannelsUoW
    cipher: c.FieldCipher
    factory: c.ChannelFactory
    builtin: ports.ChannelDirectory

    async def channel_for(
        self, tenant_id: ids.TenantId, channel_id: ids.ChannelId
    ) -> ports.Channel:
        if channel_id == c.SIMULATOR:
            return await self.builtin.channel_for(tenant_id, channel_id)
        async with self.uow.tenant(tenant_id) as tx:
            found = await tx.channels.get(channel_id)
        if found is None:
            raise errors.NotFound("this channel is not connected", code="channel.not_found")
        try:
            secrets = open_secrets(self.cipher, found)
        except errors.Unavailable as exc:
            raise channel.ChannelUnavailable("the channel's secrets cannot be opened") from exc
        if found.kind is c.ChannelKind.WHATSAPP_CLOUD:
            return self.factory.cloud(found.phone_number_id or "", secrets["access_token"])
        return self.factory.bridge(found, secrets)


if TYPE_CHECKING:
    _d: type[ports.ChannelDirectory] = StoredChannelDirectory
