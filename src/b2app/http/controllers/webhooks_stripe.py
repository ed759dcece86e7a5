"""Stripe webhooks: ``POST /webhooks/stripe`` (public, signed).

The raw body's ``Stripe-Signature`` is checked before anything else; a refused delivery is a 400
with a stable code and touches nothing. A verified event goes to ``ApplyBillingEvent``, which
dedupes by event id in the transaction of its effects; the answer is 200 for every verified
event (unknown types included) so that Stripe stops resending it.
"""

from __future__ import annotations

from typing import Any

import attrs
from litestar import Controller, Request, Response, post

from b2adapters.stripe import webhooks
from b2app.http import deps
from b2app.http import errors as http_errors
from b2app.http.controllers import bodies
from b2core.billing import commands, sync
from b2core.messagebus import MessageBus
from b2core.shared import errors

# A losing racer of a concurrent redelivery retries and then sees the event as a duplicate.
_ATTEMPTS = 3


@attrs.frozen
class EventReceived:
    """The event was taken; ``outcome`` is applied, duplicate, stale or ignored."""

    received: bool
    outcome: str


async def _apply(bus: MessageBus, command: commands.ApplyBillingEvent) -> sync.Applied:
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            applied: sync.Applied = await bus.handle(command)
        except errors.ConcurrencyConflict:
            if attempt == _ATTEMPTS:
                raise
            continue
        return applied
    raise AssertionError("unreachable")  # pragma: no cover


class StripeWebhookController(Controller):
    """Public, signed: where Stripe delivers billing events."""

    path = "/webhooks/stripe"
    tags = ["webhooks"]

    @post("/", **bodies.answers(200, EventReceived, "taken", (400, 409, 501)))
    async def deliver(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """A signed Stripe event; 400 ``stripe.signature_*`` when the signature does not hold."""
        raw = await request.body()
        header = request.headers.get(webhooks.SIGNATURE_HEADER)
        container = deps.container_of(request.app.state)
        verifier: webhooks.StripeWebhookVerifier | None = deps.resolve_optional(
            container, webhooks.StripeWebhookVerifier
        )
        try:
            if not header or not header.strip():
                # Refused before the configuration check: an unsigned call is malformed anywhere.
                raise webhooks.SignatureRejected(
                    "the Stripe-Signature header is missing", code=webhooks.SIGNATURE_MISSING
                )
            if verifier is None:
                raise errors.NotConfigured(
                    "Stripe webhooks are not configured", code="billing.not_configured"
                )
            event = verifier.event(raw, header)
        except errors.InvalidInput as exc:
            return http_errors.error_response(400, exc.code, exc.message)
        bus: MessageBus = container.resolve(MessageBus)
        applied = await _apply(bus, commands.ApplyBillingEvent(event))
        return Response(bodies.dump(EventReceived(True, applied.outcome.value)), status_code=200)
