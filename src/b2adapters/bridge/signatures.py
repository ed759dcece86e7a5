"""Who may deliver to a bridge webhook: WAHA's HMAC of the body, or a per-channel secret.

WAHA signs each delivery with ``X-Webhook-Hmac: <hex HMAC-SHA512 of the raw body>`` (and
``X-Webhook-Hmac-Algorithm: sha512``) under the session's HMAC key. Evolution API signs
nothing, so its webhook URL carries the channel's secret (``?secret=...``) or its webhook
config sends it in ``X-B2-Bridge-Secret``. Both checks compare in constant time.
"""

from __future__ import annotations

import hashlib
import hmac

from b2core.shared import errors

HMAC_HEADER = "X-Webhook-Hmac"
ALGORITHM_HEADER = "X-Webhook-Hmac-Algorithm"
SECRET_HEADER = "X-B2-Bridge-Secret"
SECRET_QUERY = "secret"
BAD_SIGNATURE = "webhook.bad_signature"
_ALGORITHM = "sha512"


def _refused(message: str) -> errors.Unauthenticated:
    return errors.Unauthenticated(message, code=BAD_SIGNATURE)


def sign_waha(raw_body: bytes, key: str) -> str:
    """The ``X-Webhook-Hmac`` value WAHA sends for ``raw_body`` (tests and tools use it)."""
    return hmac.new(key.encode("utf-8"), raw_body, hashlib.sha512).hexdigest()


def verify_waha(raw_body: bytes, signature: str | None, algorithm: str | None, key: str) -> None:
    """Accept the delivery only if ``signature`` is ``key``'s HMAC-SHA512 of ``raw_body``.

    Raises:
        errors.Unauthenticated: ``webhook.bad_signature`` when missing, malformed or wrong.
    """
    if not key:
        raise _refused("the channel has no webhook key")
    if algorithm is not None and algorithm.strip().lower() != _ALGORITHM:
        raise _refused("the delivery is signed with another algorithm")
    if not signature:
        raise _refused("the delivery is not signed")
    expected = sign_waha(raw_body, key).encode("ascii")
    if not hmac.compare_digest(expected, signature.strip().lower().encode("utf-8")):
        raise _refused("the delivery's signature is wrong")


def verify_secret(given: str | None, secret: str) -> None:
    """Accept the delivery only if ``given`` is the channel's webhook secret.

    Raises:
        errors.Unauthenticated: ``webhook.bad_signature`` when missing or wrong.
    """
    if not secret:
        raise _refused("the channel has no webhook secret")
    if not given:
        raise _refused("the delivery carries no secret")
    if not hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
        raise _refused("the delivery's secret is wrong")
