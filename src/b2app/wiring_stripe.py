"""Composition of Stripe: the billing gateway and the webhook verifier.

Part of the composition root (``b2app.bootstrap`` calls it). Without ``B2_STRIPE_SECRET_KEY``
the gateway refuses every call with ``billing.not_configured``; without
``B2_STRIPE_WEBHOOK_SECRET`` no verifier is registered and ``POST /webhooks/stripe`` answers
501. Both are built lazily so that a test's clock override applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import stripe

from b2adapters.stripe import gateway, webhooks
from b2core.billing import ports
from b2core.shared import time

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring


def register(wiring: Wiring) -> None:
    """Register the Stripe gateway (or the unconfigured one) and the webhook verifier."""
    container, config = wiring.container, wiring.config

    def clock() -> time.Clock:
        found: time.Clock = container.resolve(time.Clock)
        return found

    if config.stripe_webhook_secret:
        secret = config.stripe_webhook_secret
        wiring.singleton(
            webhooks.StripeWebhookVerifier, lambda: webhooks.StripeWebhookVerifier(secret, clock())
        )
    if not config.stripe_secret_key:
        container.register(ports.BillingGateway, instance=gateway.UnconfiguredBillingGateway())
        return
    key, base = config.stripe_secret_key, config.stripe_api_base
    made: list[stripe.HTTPXClient] = []

    def build() -> Any:
        made.append(stripe.HTTPXClient(timeout=20))
        client = gateway.make_client(key, base, http_client=made[-1])
        return gateway.StripeBillingGateway(client, clock())

    async def close() -> None:
        while made:
            await gateway.close_http_client(made.pop())

    wiring.singleton(ports.BillingGateway, build)
    wiring.lifecycle.on_shutdown(close)
