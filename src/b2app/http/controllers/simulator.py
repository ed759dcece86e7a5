"""The simulator channel: play a customer (``/channels/simulator/inbound``), read the replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency

from b2adapters.simulator import channel as simulator
from b2app.http import auth, codec, deps
from b2app.http.controllers import bodies
from b2app.workers import inbound as inbound_jobs
from b2core.conversations import channel
from b2core.iam import permissions, tokens
from b2core.shared import errors, ids, tasks, time

MAX_OUTBOX = 200


@attrs.frozen
class SimulatedMessage:
    """A message from a simulated customer."""

    customer_id: str
    text: str
    customer_name: str | None = None


@attrs.frozen
class Accepted:
    """The message is queued; the reply appears in the outbox."""

    provider_message_id: str


@attrs.frozen
class OutboxItem:
    """A reply the simulator 'sent'."""

    provider_message_id: str
    customer_id: str
    kind: str
    text: str | None
    sent_at: datetime


@attrs.frozen
class OutboxPage:
    """The simulator's outbox, oldest first (the last 200)."""

    items: list[OutboxItem]
    next_cursor: str | None = None


def _tenant(principal: tokens.Principal) -> ids.TenantId:
    if principal.tenant_id is None:  # the guard already refused platform users
        raise errors.Forbidden("this action needs a tenant account", code="auth.tenant_required")
    return principal.tenant_id


def _resolve(state: State, key: Any) -> Any:
    return deps.container_of(state).resolve(key)


class SimulatorController(Controller):
    """Customers and replies of the built-in simulator channel (no WhatsApp needed)."""

    path = "/channels/simulator"
    tags = ["channels"]
    dependencies = auth.DEPENDENCIES

    @post(
        "/inbound",
        **auth.guarded(permissions.Action.SIMULATOR_USE),
        **bodies.answers(202, Accepted, "queued", (400, 401, 403, 422)),
    )
    async def inbound(
        self,
        request: Request[Any, Any, Any],
        data: bodies.Json[SimulatedMessage],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """A customer message on the simulator channel; the AI answers in the background."""
        form = codec.structure(data, SimulatedMessage)
        state = request.app.state
        clock: time.Clock = _resolve(state, time.Clock)
        new_id: ids.IdGenerator = _resolve(state, ids.IdGenerator)
        message = channel.InboundMessage(
            tenant_id=_tenant(principal),
            channel_id=simulator.CHANNEL_ID,
            customer_id=form.customer_id,
            provider_message_id=f"sim-in.{new_id.new()}",
            timestamp=clock.now(),
            text=form.text,
            customer_name=form.customer_name,
        )
        queue: tasks.TaskQueue = _resolve(state, tasks.TaskQueue)
        await queue.enqueue(inbound_jobs.inbound_job(message))
        return bodies.dump(Accepted(message.provider_message_id))

    @get(
        "/outbox",
        **auth.guarded(permissions.Action.SIMULATOR_USE),
        **bodies.answers(200, OutboxPage, "sent replies", (401, 403)),
    )
    async def outbox(
        self, request: Request[Any, Any, Any], principal: NamedDependency[tokens.Principal]
    ) -> dict[str, Any]:
        """What the simulator sent to your customers, oldest first."""
        box: simulator.SimulatorOutbox = _resolve(request.app.state, simulator.SimulatorOutbox)
        sent = box.sent(_tenant(principal))[-MAX_OUTBOX:]
        items = [
            OutboxItem(s.provider_message_id, s.customer_id, s.kind, s.text, s.sent_at)
            for s in sent
        ]
        return bodies.dump(OutboxPage(items))
