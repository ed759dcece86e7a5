"""Verification of Stripe webhook deliveries: the SDK's signature check plus a two-sided clock.

The SDK checks the ``v1`` HMAC and refuses timestamps older than its tolerance, but it accepts
any timestamp in the future, so a captured header with a far-future ``t`` would stay replayable.
Here the signature is checked first (through the SDK, without its clock check) and then the
timestamp against the injected clock in both directions.
"""

from __future__ import annotations

import json
from datetime import timedelta

import attrs
import stripe

from b2adapters.stripe import events
from b2core.billing import provider_events as pe
from b2core.shared import errors, time

SIGNATURE_HEADER = "Stripe-Signature"
DEFAULT_TOLERANCE = timedelta(seconds=300)
SIGNATURE_MISSING = "stripe.signature_missing"
SIGNATURE_INVALID = "stripe.signature_invalid"
TIMESTAMP_OUT_OF_TOLERANCE = "stripe.timestamp_out_of_tolerance"
BAD_PAYLOAD = "stripe.bad_payload"


class SignatureRejected(errors.InvalidInput):
    """A delivery whose signature header is missing, wrong or stale (answered with 400)."""

    code = SIGNATURE_INVALID


def signed_at(header: str) -> int:
    """The ``t=`` timestamp of a signature header (the SDK has checked the header's shape)."""
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            return int(value)
    raise SignatureRejected("the signature header has no timestamp", code=SIGNATURE_INVALID)


@attrs.frozen
class StripeWebhookVerifier:
    """Checks a delivery's ``Stripe-Signature`` against the endpoint secret and parses it."""

    secret: str = attrs.field(repr=False)
    clock: time.Clock
    tolerance: timedelta = DEFAULT_TOLERANCE

    def verify(self, raw: bytes, header: str | None) -> object:
        """The delivery's JSON after its signature and timestamp check out.

        Raises:
            SignatureRejected: ``stripe.signature_missing``, ``stripe.signature_invalid`` or
                ``stripe.timestamp_out_of_tolerance``.
            errors.InvalidInput: ``stripe.bad_payload`` when a signed body is not JSON.
        """
        if not header or not header.strip():
            raise SignatureRejected(
                "the Stripe-Signature header is missing", code=SIGNATURE_MISSING
            )
        try:
            body = raw.decode("utf-8")
            # tolerance=None: the SDK checks the HMAC only; the clock is checked below.
            stripe.WebhookSignature.verify_header(body, header, self.secret, tolerance=None)
            timestamp = signed_at(header)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
            raise SignatureRejected(
                "the Stripe signature does not match", code=SIGNATURE_INVALID
            ) from exc
        now = self.clock.now().timestamp()
        if abs(now - timestamp) > self.tolerance.total_seconds():
            raise SignatureRejected(
                "the signature's timestamp is outside the tolerance",
                code=TIMESTAMP_OUT_OF_TOLERANCE,
            )
        try:
            payload: object = json.loads(body)
        except ValueError as exc:
            raise errors.InvalidInput("the event is not JSON", code=BAD_PAYLOAD) from exc
        return payload

    def event(self, raw: bytes, header: str | None) -> pe.BillingEvent:
        """The verified delivery as a provider event (see :func:`events.parse_event`)."""
        payload = self.verify(raw, header)
        try:
            return events.parse_event(payload)
        except errors.InvalidInput as exc:
            raise errors.InvalidInput(exc.message, code=BAD_PAYLOAD) from exc
