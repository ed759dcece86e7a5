"""Bridge session supervision: keep each linked phone's session up, within the rules.

One worker at a time owns a session (a :class:`~b2core.conversations.sessions.SessionClaims`
claim, renewed at every tick). At each tick the owner reads the bridge's status and the
session's record (kept in a shared store, so any worker can take over) and :func:`decide`
says what to do:

* The WhatsApp kill switches (global, tenant) or a tenant that is not active stop a session.
* A dropped session (FAILED, or STOPPED while it should run) is started again
  :data:`RECONNECT_DELAY` after the drop was first seen, never while a reconnect is in flight
  (for :data:`RECONNECT_TIMEOUT`), so never two at once.
* A logout (the phone unlinked the session: it asks for a QR code again after it was
  connected) is not reconnected: linking again needs a person with the phone.
* A session a tenant admin stopped (``paused``) stays stopped until they start it again.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from b2core.conversations import channel, connections, ports, sessions
from b2core.shared import errors, ids, time

RECONNECT_DELAY = timedelta(seconds=5)
RECONNECT_TIMEOUT = timedelta(seconds=60)
CLAIM_TTL = timedelta(seconds=30)
TICK_EVERY = timedelta(seconds=5)

_State = channel.SessionState
_DOWN = (_State.FAILED, _State.STOPPED)


class Action(enum.StrEnum):
    """What the owner does to the session at this tick."""

    NONE = "NONE"
    WAIT = "WAIT"  # dropped: reconnect once the delay has passed
    RECONNECT = "RECONNECT"
    STOP = "STOP"


@attrs.frozen
class SessionRecord:
    """What the supervisors remember of one session between ticks (and between workers)."""

    channel_id: str
    last_state: _State | None = None
    dropped_at: datetime | None = None
    reconnecting_since: datetime | None = None
    logged_out: bool = False
    reconnects: int = 0
    paused: bool = False

    def to_json(self) -> dict[str, object]:
        """Plain data for a shared store."""
        return {
            "channel_id": self.channel_id,
            "last_state": None if self.last_state is None else self.last_state.value,
            "dropped_at": None if self.dropped_at is None else self.dropped_at.isoformat(),
            "reconnecting_since": None
            if self.reconnecting_since is None
            else self.reconnecting_since.isoformat(),
            "logged_out": self.logged_out,
            "reconnects": self.reconnects,
            "paused": self.paused,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> SessionRecord:
        """The record :meth:`to_json` wrote."""

        def at(name: str) -> datetime | None:
            value = data.get(name)
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        state = data.get("last_state")
        reconnects = data.get("reconnects")
        return cls(
            channel_id=str(data["channel_id"]),
            last_state=_State(state) if isinstance(state, str) else None,
            dropped_at=at("dropped_at"),
            reconnecting_since=at("reconnecting_since"),
            logged_out=bool(data.get("logged_out")),
            reconnects=reconnects if isinstance(reconnects, int) else 0,
            paused=bool(data.get("paused")),
        )


def decide(
    record: SessionRecord, observed: channel.SessionStatus, *, allowed: bool, now: datetime
) -> tuple[Action, SessionRecord]:
    """The action for a session seen in ``observed`` at ``now``, and the record to keep."""
    state = observed.state
    seen = attrs.evolve(record, last_state=state)
    if not allowed or record.paused:
        quiet = attrs.evolve(seen, dropped_at=None, reconnecting_since=None)
        return (Action.NONE if state in _DOWN else Action.STOP), quiet
    if state is _State.CONNECTED:
        return Action.NONE, attrs.evolve(
            seen, dropped_at=None, reconnecting_since=None, logged_out=False
        )
    if state is _State.SCAN_QR:
        logged_out = record.logged_out or record.last_state is _State.CONNECTED
        return Action.NONE, attrs.evolve(seen, logged_out=logged_out, reconnecting_since=None)
    if state is _State.STARTING or record.logged_out:
        return Action.NONE, seen
    # Down while it should run: a drop.
    in_flight = record.reconnecting_since is not None and (
        now - record.reconnecting_since < RECONNECT_TIMEOUT
    )
    if in_flight:
        return Action.NONE, seen
    dropped_at = record.dropped_at or now
    if now - dropped_at < RECONNECT_DELAY:
        return Action.WAIT, attrs.evolve(seen, dropped_at=dropped_at, reconnecting_since=None)
    return Action.RECONNECT, attrs.evolve(
        seen, dropped_at=dropped_at, reconnecting_since=now, reconnects=record.reconnects + 1
    )


class SessionRecords(Protocol):
    """The shared store of session records (Redis in a deployment, memory when embedded)."""

    async def get(self, tenant_id: ids.TenantId, channel_id: str) -> SessionRecord | None:
        """The record of this session, or None before its first tick."""
        ...

    async def put(self, tenant_id: ids.TenantId, record: SessionRecord) -> None:
        """Keep ``record``."""
        ...


class BridgeConnections(Protocol):
    """Every tenant's bridge connections (platform-wide)."""

    async def bridges(self) -> Sequence[connections.ConnectedChannel]:
        """The bridge connections, oldest first."""
        ...


class SessionsDirectory(Protocol):
    """The session controls of one bridge connection."""

    async def sessions_for(self, connection: connections.ConnectedChannel) -> ports.ChannelSessions:
        """The connection's ChannelSessions (``channel.unavailable`` if it cannot be built)."""
        ...


def claim_key(channel_id: str) -> str:
    """The claim that makes one worker the owner of a bridge session."""
    return f"bridge-session:{channel_id}"


@attrs.define
class SessionSupervisor:
    """One worker's supervision of the bridge sessions it can claim."""

    index: BridgeConnections
    directory: SessionsDirectory
    claims: sessions.SessionClaims
    records: SessionRecords
    switches: ports.SendingSwitches
    clock: time.Clock
    owner: str
    held: set[str] = attrs.field(factory=set)

    async def tick(self) -> dict[str, Action]:
        """Claim or renew each session, then act on it; the actions taken, by channel id."""
        taken: dict[str, Action] = {}
        for connection in await self.index.bridges():
            key = claim_key(connection.id)
            if not await self.claims.claim(key, self.owner, CLAIM_TTL):
                self.held.discard(key)
                continue
            self.held.add(key)
            taken[connection.id] = await self._supervise(connection)
        return taken

    async def release_all(self) -> None:
        """Give every held session up (shutdown), so another worker takes over at once."""
        for key in sorted(self.held):
            await self.claims.release(key, self.owner)
        self.held.clear()

    async def _supervise(self, connection: connections.ConnectedChannel) -> Action:
        tenant_id = connection.tenant_id
        controls = await self.directory.sessions_for(connection)
        try:
            observed = await controls.status(connection.id)
        except channel.ChannelUnavailable as exc:
            observed = channel.SessionStatus(_State.FAILED, exc.message)
        except errors.NotFound:
            observed = channel.SessionStatus(_State.STOPPED, "unknown to the bridge")
        record = await self.records.get(tenant_id, connection.id) or SessionRecord(connection.id)
        allowed = await self.switches.may_send(tenant_id)
        action, kept = decide(record, observed, allowed=allowed, now=self.clock.now())
        try:
            if action is Action.STOP:
                await controls.stop(connection.id)
            elif action is Action.RECONNECT:
                await controls.start(connection.id)
        except channel.ChannelUnavailable:
            pass  # the bridge is down: the next tick sees it and tries again after the timeout
        await self.records.put(tenant_id, kept)
        return action
