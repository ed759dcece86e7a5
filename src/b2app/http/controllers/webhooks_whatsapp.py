"""WhatsApp Cloud API webhooks: the subscription handshake and signed deliveries (public routes).

A delivery is checked before anything else: the channel must exist and the raw body must carry
its app secret's signature. Then each new message becomes one inbound job, each new delivery
report is applied, and Meta gets its 200 quickly. Ids seen in the last 7 days are skipped, so a
redelivery or a replayed capture has no effect.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

import attrs
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, QueryParameter

from b2adapters.whatsapp import dedupe, directory, webhooks
from b2app.http import deps
from b2app.http import errors as http_errors
from b2app.http.controllers import bodies
from b2app.workers import inbound as inbound_jobs
from b2core.conversations import channel, ports
from b2core.shared import errors, ids, tasks, time

_DEDUPER_STATE_KEY = "whatsapp_webhook_deduper"


@attrs.frozen
class DeliveryTaken:
    """How many new messages were queued and reports applied (repeats are not counted)."""

    messages: int
    statuses: int


def _resolve_optional(state: State, key: Any) -> Any | None:
    return deps.resolve_optional(deps.container_of(state), key)


def _deduper(state: State) -> dedupe.WebhookDeduper:
    """The container's deduper; else one in-memory deduper per app (single-process setups)."""
    found: dedupe.WebhookDeduper | None = _resolve_optional(state, dedupe.WebhookDeduper)
    if found is not None:
        return found
    if _DEDUPER_STATE_KEY not in state:
        clock: time.Clock = deps.container_of(state).resolve(time.Clock)
        state[_DEDUPER_STATE_KEY] = dedupe.InMemoryWebhookDeduper(clock)
    local: dedupe.WebhookDeduper = state[_DEDUPER_STATE_KEY]
    return local


async def _channel(state: State, channel_id: str) -> directory.WebhookChannel:
    channels: directory.WhatsAppChannelDirectory | None = _resolve_optional(
        state, directory.WhatsAppChannelDirectory
    )
    found = await channels.lookup(channel_id) if channels is not None else None
    if found is None:
        raise errors.NotFound("no WhatsApp channel has this id", code="channel.not_found")
    return found


def _bad_payload(exc: errors.InvalidInput) -> Response[dict[str, Any]]:
    # A malformed delivery is the sender's fault and must not be retried as if we failed: 400.
    return http_errors.error_response(400, exc.code, exc.message)


def _decode(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.InvalidInput("the delivery is not JSON", code=webhooks.BAD_PAYLOAD) from exc


async def _enqueue_new(
    state: State, seen: dedupe.WebhookDeduper, inbound: Sequence[channel.InboundMessage]
) -> int:
    queue: tasks.TaskQueue = deps.container_of(state).resolve(tasks.TaskQueue)
    taken = 0
    for message in inbound:
        key = f"msg:{message.channel_id}:{message.provider_message_id}"
        if not await seen.first_seen(message.tenant_id, key):
            continue
        try:
            await queue.enqueue(inbound_jobs.inbound_job(message))
        except BaseException:
            await seen.forget(message.tenant_id, key)  # Meta retries; let the retry through
            raise
        taken += 1
    return taken


async def _apply_new(
    state: State,
    seen: dedupe.WebhookDeduper,
    tenant_id: ids.TenantId,
    reports: Sequence[channel.DeliveryStatus],
) -> int:
    fresh: list[tuple[str, channel.DeliveryStatus]] = []
    for report in reports:
        key = f"status:{report.channel_id}:{report.provider_message_id}:{report.state}"
        if await seen.first_seen(tenant_id, key):
            fresh.append((key, report))
    if not fresh:
        return 0
    uow: ports.ConversationsUoW = deps.container_of(state).resolve(ports.ConversationsUoW)
    try:
        async with uow.tenant(tenant_id) as tx:
            # A report on a message we do not know (sent before b2, say) changes nothing.
            applied = [await tx.messages.apply_delivery_status(r) for _, r in fresh]
            await tx.commit()
    except BaseException:
        for key, _ in fresh:
            await seen.forget(tenant_id, key)
        raise
    return sum(message is not None for message in applied)


class WhatsAppWebhookController(Controller):
    """Public, signed: where Meta delivers a Cloud API number's messages and reports."""

    path = "/webhooks/whatsapp"
    tags = ["webhooks"]

    @get(
        "/{channel_id:str}",
        media_type=MediaType.TEXT,
        **bodies.answers(200, None, "the challenge, echoed", (403, 404)),
    )
    async def handshake(
        self,
        request: Request[Any, Any, Any],
        channel_id: FromPath[str],
        mode: Annotated[str | None, QueryParameter(name="hub.mode")] = None,
        token: Annotated[str | None, QueryParameter(name="hub.verify_token")] = None,
        challenge: Annotated[str | None, QueryParameter(name="hub.challenge")] = None,
    ) -> Response[Any]:
        """Meta's subscription check: echoes ``hub.challenge`` when ``hub.verify_token`` matches."""
        found = await _channel(request.app.state, channel_id)
        try:
            echoed = webhooks.verify_subscription(mode, token, challenge, found.verify_token)
        except errors.InvalidInput as exc:
            return _bad_payload(exc)
        return Response(echoed, media_type=MediaType.TEXT, status_code=200)

    @post(
        "/{channel_id:str}",
        **bodies.answers(200, DeliveryTaken, "taken", (400, 401, 404)),
    )
    async def deliver(
        self, request: Request[Any, Any, Any], channel_id: FromPath[str]
    ) -> Response[Any]:
        """A signed delivery (``X-Hub-Signature-256``): messages are queued, reports applied."""
        state = request.app.state
        found = await _channel(state, channel_id)
        raw = await request.body()
        webhooks.verify_signature(
            raw, request.headers.get(webhooks.SIGNATURE_HEADER), found.app_secret
        )
        try:
            inbound, reports = webhooks.parse_delivery(
                _decode(raw),
                found.tenant_id,
                ids.ChannelId(channel_id),
                phone_number_id=found.phone_number_id,
            )
        except errors.InvalidInput as exc:
            return _bad_payload(exc)
        seen = _deduper(state)
        queued = await _enqueue_new(state, seen, inbound)
        applied = await _apply_new(state, seen, found.tenant_id, reports)
        return Response(bodies.dump(DeliveryTaken(queued, applied)), status_code=200)
