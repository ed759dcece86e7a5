"""The billing gateway over the official Stripe SDK (async calls through ``StripeClient``).

Every call goes through one ``StripeClient`` whose API base can point at a local fake. SDK
errors are translated at this boundary: network trouble, rate limits and Stripe's own failures
become ``errors.Unavailable``; requests Stripe refuses become ``errors.Conflict``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import stripe

from b2adapters.stripe import events as stripe_events
from b2core.billing import checkout, ports
from b2core.billing import provider_events as pe
from b2core.shared import errors, money, pagination, time

T = TypeVar("T")
UNAVAILABLE = "billing.provider_unavailable"
REJECTED = "billing.provider_rejected"
NOT_CONFIGURED = "billing.not_configured"
# Reconciliation reads at most this many events per run before paging from the oldest.
MAX_EVENTS_SCANNED = 10_000


def make_client(
    secret_key: str,
    api_base: str | None = None,
    *,
    max_network_retries: int = 2,
    http_client: stripe.HTTPXClient | None = None,
) -> stripe.StripeClient:
    """A ``StripeClient`` using httpx (async), optionally against another API base.

    Pass ``http_client`` to close its connections at shutdown (:func:`close_http_client`).
    """
    bases: Any = {"api": api_base.rstrip("/")} if api_base else {}
    return stripe.StripeClient(
        secret_key,
        base_addresses=bases,
        http_client=http_client or stripe.HTTPXClient(timeout=20),
        max_network_retries=max_network_retries,
    )


async def close_http_client(http_client: stripe.HTTPXClient) -> None:
    """Close the async connection pool of a client made for :func:`make_client`."""
    await http_client.close_async()  # type: ignore[no-untyped-call]  # untyped in the SDK


async def _call(action: Callable[[], Awaitable[T]]) -> T:
    try:
        return await action()
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise errors.Unavailable("Stripe cannot be reached; try again", code=UNAVAILABLE) from exc
    except (stripe.AuthenticationError, stripe.PermissionError) as exc:
        raise errors.Unavailable("Stripe refused the platform's API key", code=UNAVAILABLE) from exc
    except stripe.IdempotencyError as exc:
        raise errors.Conflict(
            "Stripe saw this request with other parameters", code="billing.idempotency_conflict"
        ) from exc
    except (stripe.InvalidRequestError, stripe.CardError) as exc:
        raise errors.Conflict(
            f"Stripe refused the request: {exc.user_message or ''}", code=REJECTED
        ) from exc
    except stripe.StripeError as exc:
        raise errors.Unavailable("Stripe failed to answer; try again", code=UNAVAILABLE) from exc


def _money(amount: object, currency: object) -> money.Money:
    code = str(currency or "usd").upper()
    return money.Money(amount if isinstance(amount, int) else 0, code)


def _invoice(obj: Mapping[str, Any]) -> checkout.Invoice:
    return checkout.Invoice(
        id=str(obj["id"]),
        created_at=datetime.fromtimestamp(int(obj.get("created") or 0), tz=UTC),
        status=str(obj.get("status") or "draft"),
        amount_due=_money(obj.get("amount_due"), obj.get("currency")),
        amount_paid=_money(obj.get("amount_paid"), obj.get("currency")),
        number=obj.get("number") or None,
        hosted_url=obj.get("hosted_invoice_url") or None,
        pdf_url=obj.get("invoice_pdf") or None,
    )


def _cursor(stripe_id: str) -> str:
    return pagination.encode_cursor(stripe_id)


def _stripe_id(cursor: str) -> str:
    """The Stripe object id inside one of our cursors; a forged cursor is a 422, not a 409."""
    [value] = pagination.decode_cursor(cursor, 1)
    if not isinstance(value, str) or not value.isascii() or not 1 <= len(value) <= 255:
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return value


def _plain(obj: Any) -> dict[str, Any]:
    """A StripeObject as plain JSON-like data (what the event parser reads)."""
    result: dict[str, Any] = obj.to_dict()
    return result


@attrs.frozen
class StripeBillingGateway:
    """:class:`ports.BillingGateway` over Stripe's API."""

    client: stripe.StripeClient
    clock: time.Clock

    async def create_checkout_session(
        self, request: checkout.CheckoutRequest
    ) -> checkout.CheckoutSession:
        """A subscription-mode Checkout Session keyed by the request's idempotency key."""
        metadata = {"tenant_id": request.tenant_id, "plan_id": request.plan_id}
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price": request.stripe_price_id, "quantity": 1}],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.tenant_id,
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
        }
        if request.stripe_customer_id:
            params["customer"] = request.stripe_customer_id
        if request.stripe_coupon_id:
            params["discounts"] = [{"coupon": request.stripe_coupon_id}]
        session = await _call(
            lambda: self.client.v1.checkout.sessions.create_async(
                params,  # type: ignore[arg-type]  # the SDK's TypedDict is stricter than needed
                {"idempotency_key": request.idempotency_key},
            )
        )
        if not session.url:
            raise errors.Unavailable("Stripe returned a session without a URL", code=UNAVAILABLE)
        return checkout.CheckoutSession(id=session.id, url=session.url)

    async def portal_link(self, stripe_customer_id: str, return_url: str) -> str:
        """A customer portal session's one-time URL."""
        portal = await _call(
            lambda: self.client.v1.billing_portal.sessions.create_async(
                {"customer": stripe_customer_id, "return_url": return_url}
            )
        )
        return str(portal.url)

    async def list_invoices(
        self, stripe_customer_id: str, page: pagination.PageRequest
    ) -> pagination.Page[checkout.Invoice]:
        """Invoices newest first; the cursor is the last invoice's id (``starting_after``)."""
        params: dict[str, Any] = {"customer": stripe_customer_id, "limit": page.limit}
        if page.cursor:
            params["starting_after"] = _stripe_id(page.cursor)
        found = await _call(lambda: self.client.v1.invoices.list_async(params))  # type: ignore[arg-type]
        items = tuple(_invoice(_plain(obj)) for obj in found.data)
        cursor = _cursor(items[-1].id) if found.has_more and items else None
        return pagination.Page(items=items, next_cursor=cursor)

    async def retrieve_subscription(
        self, stripe_subscription_id: str
    ) -> pe.SubscriptionChanged | None:
        """The subscription's state now, as an update event stamped with the current time."""

        async def retrieve() -> Any:
            try:
                return await self.client.v1.subscriptions.retrieve_async(stripe_subscription_id)
            except stripe.InvalidRequestError as exc:
                if exc.code == "resource_missing":
                    return None
                raise

        found = await _call(retrieve)
        if found is None:
            return None
        obj = _plain(found)
        now = self.clock.now()
        base = {"id": f"sync:{stripe_subscription_id}:{int(now.timestamp())}", "occurred_at": now}
        return stripe_events.subscription_changed(obj, base)

    async def recent_events(
        self, since: datetime, page: pagination.PageRequest
    ) -> pagination.Page[pe.BillingEvent]:
        """Handled events created since ``since``, oldest first.

        Stripe lists newest first. The first page walks back to ``since`` and returns the
        oldest events; later pages ask for the events just newer than the cursor
        (``ending_before``), so each page costs one call after the first.
        """
        base: dict[str, Any] = {
            "created": {"gte": int(since.timestamp())},
            "types": list(stripe_events.HANDLED_TYPES),
        }
        if page.cursor:
            params: Any = {**base, "limit": page.limit, "ending_before": _stripe_id(page.cursor)}
            found = await _call(lambda: self.client.v1.events.list_async(params))
            newest_first, more = [_plain(e) for e in found.data], found.has_more
        else:
            everything = await self._all_since(base)
            newest_first = everything[-page.limit :] if everything else []
            more = len(everything) > page.limit
        oldest_first = list(reversed(newest_first))
        events = tuple(stripe_events.parse_event(e) for e in oldest_first)
        cursor = _cursor(str(oldest_first[-1]["id"])) if more and oldest_first else None
        return pagination.Page(items=events, next_cursor=cursor)

    async def _all_since(self, base: dict[str, Any]) -> list[dict[str, Any]]:
        collected: list[dict[str, Any]] = []
        after: str | None = None
        while len(collected) < MAX_EVENTS_SCANNED:
            params = {**base, "limit": 100, **({"starting_after": after} if after else {})}
            found = await _call(lambda p=params: self.client.v1.events.list_async(p))  # type: ignore[misc]
            collected.extend(_plain(e) for e in found.data)
            if not found.has_more or not found.data:
                break
            after = str(found.data[-1].id)
        return collected


@attrs.frozen
class UnconfiguredBillingGateway:
    """The gateway of a deployment without Stripe: every call is ``billing.not_configured``."""

    async def create_checkout_session(
        self, request: checkout.CheckoutRequest
    ) -> checkout.CheckoutSession:
        """Refused: Stripe is not configured."""
        raise _not_configured()

    async def portal_link(self, stripe_customer_id: str, return_url: str) -> str:
        """Refused: Stripe is not configured."""
        raise _not_configured()

    async def list_invoices(
        self, stripe_customer_id: str, page: pagination.PageRequest
    ) -> pagination.Page[checkout.Invoice]:
        """Refused: Stripe is not configured."""
        raise _not_configured()

    async def retrieve_subscription(
        self, stripe_subscription_id: str
    ) -> pe.SubscriptionChanged | None:
        """Refused: Stripe is not configured."""
        raise _not_configured()

    async def recent_events(
        self, since: datetime, page: pagination.PageRequest
    ) -> pagination.Page[pe.BillingEvent]:
        """Refused: Stripe is not configured."""
        raise _not_configured()


def _not_configured() -> errors.NotConfigured:
    return errors.NotConfigured(
        "card payments are not configured on this platform", code=NOT_CONFIGURED
    )


if TYPE_CHECKING:
    _: type[ports.BillingGateway] = StripeBillingGateway
    __: type[ports.BillingGateway] = UnconfiguredBillingGateway
