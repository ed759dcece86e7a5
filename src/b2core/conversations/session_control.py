"""Tenant admins drive their bridge sessions: status and QR code, start, stop, pairing code.

Starting clears a pause and a logout (a person is there to link the phone); stopping pauses
the session, so the supervisors do not start it again. Start and stop are audited. A Cloud
API channel has no session (``channel.not_a_bridge``); another tenant's channel is not found.
"""

from __future__ import annotations

import attrs

from b2core.conversations import channel, connections, supervision
from b2core.conversations.connections import AdminCommand
from b2core.shared import audit, errors, ids, time


@attrs.frozen
class GetSession(AdminCommand):
    """Where the session stands, with the QR code to scan while it waits for one."""

    channel_id: ids.ChannelId


@attrs.frozen
class StartSession(AdminCommand):
    """Start (or resume) the session; the supervisors keep it up from now on."""

    channel_id: ids.ChannelId


@attrs.frozen
class StopSession(AdminCommand):
    """Stop the session and keep it stopped until it is started again."""

    channel_id: ids.ChannelId


@attrs.frozen
class RequestPairingCode(AdminCommand):
    """A code to type on the phone instead of scanning the QR code."""

    channel_id: ids.ChannelId
    phone_number: str


@attrs.frozen
class SessionView:
    """A session as a tenant admin sees it."""

    channel_id: str
    state: channel.SessionState
    detail: str | None
    qr_code: str | None
    paused: bool
    logged_out: bool


@attrs.frozen
class SessionControl:
    """The ports every session use case needs."""

    uow: connections.ChannelsUoW
    directory: supervision.SessionsDirectory
    records: supervision.SessionRecords
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def bridge(
        self, cmd: AdminCommand, channel_id: ids.ChannelId
    ) -> connections.ConnectedChannel:
        if cmd.role != connections.TENANT_ADMIN or not cmd.user_id:
            raise errors.Forbidden(
                "only a tenant admin may manage channels", code="channel.role_not_allowed"
            )
        async with self.uow.tenant(cmd.tenant_id) as tx:
            found = await tx.channels.get(channel_id)
        if found is None:
            raise errors.NotFound("this channel is not connected", code="channel.not_found")
        if found.kind is not connections.ChannelKind.WHATSAPP_BRIDGE:
            raise errors.Conflict(
                "a Cloud API number has no session to manage", code="channel.not_a_bridge"
            )
        return found

    async def record(self, connection: connections.ConnectedChannel) -> supervision.SessionRecord:
        found = await self.records.get(connection.tenant_id, connection.id)
        return found or supervision.SessionRecord(connection.id)

    async def view(self, connection: connections.ConnectedChannel) -> SessionView:
        controls = await self.directory.sessions_for(connection)
        status = await controls.status(connection.id)
        qr = (
            await controls.qr_code(connection.id)
            if status.state is channel.SessionState.SCAN_QR
            else None
        )
        kept = await self.record(connection)
        return SessionView(
            connection.id, status.state, status.detail, qr, kept.paused, kept.logged_out
        )

    async def audit(
        self, cmd: AdminCommand, action: str, connection: connections.ConnectedChannel
    ) -> None:
        entry = audit.record(
            self.id_generator,
            self.clock,
            audit.Actor.user(cmd.user_id, cmd.role),
            action,
            tenant_id=cmd.tenant_id,
            target=("channel", connection.id),
            metadata={"provider": connection.provider.value if connection.provider else None},
        )
        async with self.uow.tenant(cmd.tenant_id) as tx:
            await tx.audit.append(entry)
            await tx.commit()


@attrs.frozen
class GetSessionHandler:
    control: SessionControl

    async def __call__(self, cmd: GetSession) -> SessionView:
        return await self.control.view(await self.control.bridge(cmd, cmd.channel_id))


@attrs.frozen
class StartSessionHandler:
    control: SessionControl

    async def __call__(self, cmd: StartSession) -> SessionView:
        connection = await self.control.bridge(cmd, cmd.channel_id)
        controls = await self.control.directory.sessions_for(connection)
        await controls.start(connection.id)
        kept = await self.control.record(connection)
        fresh = attrs.evolve(kept, paused=False, logged_out=False, dropped_at=None)
        await self.control.records.put(connection.tenant_id, fresh)
        await self.control.audit(cmd, "channel.session_started", connection)
        return await self.control.view(connection)


@attrs.frozen
class StopSessionHandler:
    control: SessionControl

    async def __call__(self, cmd: StopSession) -> SessionView:
        connection = await self.control.bridge(cmd, cmd.channel_id)
        kept = await self.control.record(connection)
        # Paused first: a supervisor tick in between stops it too, and never restarts it.
        await self.control.records.put(connection.tenant_id, attrs.evolve(kept, paused=True))
        controls = await self.control.directory.sessions_for(connection)
        await controls.stop(connection.id)
        await self.control.audit(cmd, "channel.session_stopped", connection)
        return await self.control.view(connection)


@attrs.frozen
class RequestPairingCodeHandler:
    control: SessionControl

    async def __call__(self, cmd: RequestPairingCode) -> str:
        digits = cmd.phone_number.removeprefix("+")
        if not (digits.isdigit() and 8 <= len(digits) <= 15):
            raise errors.InvalidInput(
                "a phone number in international format, 8-15 digits", code="channel.bad_phone"
            )
        connection = await self.control.bridge(cmd, cmd.channel_id)
        controls = await self.control.directory.sessions_for(connection)
        pairing = getattr(controls, "pairing_code", None)
        if pairing is None:
            raise errors.Conflict(
                "this bridge offers no pairing code", code="channel.no_pairing_code"
            )
        code: str = await pairing(connection.id, digits)
        return code
