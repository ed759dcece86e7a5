"""A bridge connection's session, for tenant admins: ``/channels/{id}/session``.

``GET`` shows the state and, while the bridge waits for a scan, the QR code to scan (kept 60 s);
``start`` links or resumes it (the supervisors keep it up from then on), ``stop`` pauses it until
it is started again, ``pairing-code`` gives a code to type on the phone instead of the QR.
"""

from __future__ import annotations

from typing import Any

import attrs
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from b2app.http import auth, codec
from b2app.http.controllers import bodies, messages
from b2core.conversations import session_control
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import ids

_MANAGE = permissions.Action.CHANNELS_MANAGE


@attrs.frozen
class PairingRequest:
    """The phone number (international format) that will link the session."""

    phone_number: str


@attrs.frozen
class PairingCode:
    """The code to type on the phone (WhatsApp > Linked devices > Link with phone number)."""

    code: str


async def _session(
    kind: type[Any], channel_id: str, bus: MessageBus, principal: tokens.Principal
) -> dict[str, Any]:
    """Run ``kind`` (GetSession, StartSession or StopSession) and show the session after it."""
    command = kind(*messages.staff(principal), ids.ChannelId(channel_id))
    return bodies.dump(await bus.handle(command))


class ChannelSessionsController(Controller):
    """Only bridge connections have sessions; a Cloud API number answers 409."""

    path = "/channels/{channel_id:str}/session"
    tags = ["channels"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, session_control.SessionView, "the session", (401, 403, 404, 409)),
    )
    async def show(
        self,
        channel_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """The session's state, and the QR code while it waits for a scan."""
        return await _session(session_control.GetSession, channel_id, bus, principal)

    @post(
        "/start",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, session_control.SessionView, "started", (401, 403, 404, 409)),
    )
    async def start(
        self,
        channel_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Start or resume the session (clears a stop and a logout)."""
        return await _session(session_control.StartSession, channel_id, bus, principal)

    @post(
        "/stop",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, session_control.SessionView, "stopped", (401, 403, 404, 409)),
    )
    async def stop(
        self,
        channel_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Stop the session; it stays stopped until started again."""
        return await _session(session_control.StopSession, channel_id, bus, principal)

    @post(
        "/pairing-code",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, PairingCode, "the code", (400, 401, 403, 404, 409, 422)),
    )
    async def pairing_code(
        self,
        channel_id: FromPath[str],
        data: bodies.Json[PairingRequest],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """A pairing code for this phone number, instead of scanning the QR code."""
        body = codec.structure(data, PairingRequest)
        who = messages.staff(principal)
        command = session_control.RequestPairingCode(
            *who, ids.ChannelId(channel_id), body.phone_number
        )
        return bodies.dump(PairingCode(await bus.handle(command)))
