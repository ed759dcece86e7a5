"""WAHA and Evolution API webhooks (public, signed): customer messages become inbound jobs.

A delivery is checked before anything else: the channel must exist and the delivery must carry
WAHA's HMAC of the raw body, or (Evolution signs nothing) the channel's secret in the
``secret`` query parameter or the ``X-B2-Bridge-Secret`` header. Then each new message becomes
one inbound job and the bridge gets its 200 quickly. Ids seen in the last 7 days are skipped,
so a redelivery or a replayed capture has no effect.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

import attrs
from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from litestar.params import FromPath, QueryParameter

from b2adapters.bridge import directory, inbound, signatures
from b2adapters.whatsapp import dedupe
from b2app.http import deps
from b2app.http import errors as http_errors
from b2app.http.controllers import bodies
from b2app.workers import inbound as inbound_jobs
from b2core.conversations import channel, connections
from b2core.shared import errors, ids, tasks


@attrs.frozen
class BridgeDeliveryTaken:
    """How many new customer messages were queued (repeats and other events are not counted)."""

    messages: int


async def _channel(state: State, channel_id: str) -> directory.BridgeWebhookChannel:
    channels: directory.BridgeChannelDirectory | None = deps.resolve_optional(
        deps.container_of(state), directory.BridgeChannelDirectory
    )
    found = await channels.lookup(channel_id) if channels is not None else None
    if found is None:
        raise errors.NotFound("no bridge channel has this id", code="channel.not_found")
    return found


def _verify(
    request: Request[Any, Any, Any],
    raw: bytes,
    found: directory.BridgeWebhookChannel,
    secret: str | None,
) -> None:
    headers = request.headers
    if found.provider is connections.BridgeProvider.WAHA:
        signatures.verify_waha(
            raw,
            headers.get(signatures.HMAC_HEADER),
            headers.get(signatures.ALGORITHM_HEADER),
            found.webhook_secret,
        )
        return
    signatures.verify_secret(secret or headers.get(signatures.SECRET_HEADER), found.webhook_secret)


def _parse(raw: bytes, found: directory.BridgeWebhookChannel, channel_id: str) -> list[Any]:
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.InvalidInput("the delivery is not JSON", code=inbound.BAD_PAYLOAD) from exc
    target = ids.ChannelId(channel_id)
    if found.provider is connections.BridgeProvider.WAHA:
        return inbound.parse_waha(payload, found.tenant_id, target, session=found.session)
    return inbound.parse_evolution(payload, found.tenant_id, target, instance=found.session)


async def _enqueue_new(state: State, messages: Sequence[channel.InboundMessage]) -> int:
    container = deps.container_of(state)
    seen: dedupe.WebhookDeduper = container.resolve(dedupe.WebhookDeduper)
    queue: tasks.TaskQueue = container.resolve(tasks.TaskQueue)
    taken = 0
    for message in messages:
        key = f"msg:{message.channel_id}:{message.provider_message_id}"
        if not await seen.first_seen(message.tenant_id, key):
            continue
        try:
            await queue.enqueue(inbound_jobs.inbound_job(message))
        except BaseException:
            await seen.forget(message.tenant_id, key)  # the bridge retries; let it through
            raise
        taken += 1
    return taken


class BridgeWebhookController(Controller):
    """Public, signed: where a WAHA session or an Evolution instance delivers its events."""

    path = "/webhooks/bridge"
    tags = ["webhooks"]

    @post(
        "/{channel_id:str}",
        **bodies.answers(200, BridgeDeliveryTaken, "taken", (400, 401, 404)),
    )
    async def deliver(
        self,
        request: Request[Any, Any, Any],
        channel_id: FromPath[str],
        secret: Annotated[str | None, QueryParameter(name=signatures.SECRET_QUERY)] = None,
    ) -> Response[Any]:
        """A signed delivery: each new customer message is queued; other events are taken."""
        state = request.app.state
        found = await _channel(state, channel_id)
        raw = await request.body()
        _verify(request, raw, found, secret)
        try:
            messages = _parse(raw, found, channel_id)
        except errors.InvalidInput as exc:
            # A malformed delivery is the sender's fault, not ours: 400, not retried as a 5xx.
            return http_errors.error_response(400, exc.code, exc.message)
        queued = await _enqueue_new(state, messages)
        return Response(bodies.dump(BridgeDeliveryTaken(queued)), status_code=200)
