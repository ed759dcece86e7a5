"""Card billing through Stripe: ``POST /billing/checkout``, ``POST /billing/portal``,
``GET /billing/invoices`` (TENANT_ADMIN).

Each answers 501 ``billing.not_configured`` when the platform has no Stripe key and Stripe is
actually needed (an admin of a tenant that never bought by card sees an empty invoice list).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import attrs
from litestar import Controller, get, post
from litestar.di import NamedDependency

from b2app.http import auth, codec, pagination
from b2app.http.controllers import bodies
from b2app.http.controllers.billing_plans import caller_of
from b2core.billing import checkout, commands
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import errors, ids
from b2core.shared import pagination as core_pagination

_MANAGE = permissions.Action.BILLING_MANAGE
_MAX_URL = 2048


def _url(value: str, name: str) -> str:
    """An absolute http(s) URL for Stripe to send the browser back to."""
    parts = urlsplit(value)
    if len(value) > _MAX_URL or parts.scheme not in ("http", "https") or not parts.netloc:
        raise errors.InvalidInput(
            f"{name}: expected an absolute http(s) URL", code="billing.bad_url"
        )
    return value


def _tenant(principal: tokens.Principal) -> ids.TenantId:
    if principal.tenant_id is None:  # the guard refuses platform users first
        raise errors.Forbidden("this action needs a tenant account", code="auth.tenant_required")
    return principal.tenant_id


@attrs.frozen
class CheckoutCreate:
    """The plan to buy, where Stripe returns the browser, and an optional coupon code."""

    plan_id: str
    success_url: str
    cancel_url: str
    coupon_code: str | None = None


@attrs.frozen
class CheckoutSession:
    """The Stripe Checkout Session to redirect the browser to."""

    session_id: str
    url: str


@attrs.frozen
class PortalCreate:
    """Where Stripe's customer portal sends the browser back to."""

    return_url: str


@attrs.frozen
class PortalLink:
    """A one-time link to Stripe's customer portal."""

    url: str


@attrs.frozen
class Invoice:
    """One invoice of the tenant's card subscription (amounts in minor units)."""

    invoice_id: str
    number: str | None
    status: str
    created_at: datetime
    currency: str
    amount_due_minor: int
    amount_paid_minor: int
    hosted_url: str | None
    pdf_url: str | None

    @classmethod
    def of(cls, invoice: checkout.Invoice) -> Invoice:
        """The public view of ``invoice``."""
        return cls(
            invoice.id,
            invoice.number,
            invoice.status,
            invoice.created_at,
            invoice.amount_due.currency,
            invoice.amount_due.amount_minor,
            invoice.amount_paid.amount_minor,
            invoice.hosted_url,
            invoice.pdf_url,
        )


@attrs.frozen
class InvoicePage:
    """One page of invoices, newest first."""

    items: list[Invoice]
    next_cursor: str | None


class BillingCheckoutController(Controller):
    """Buying a plan by card and managing the card subscription in Stripe."""

    path = "/billing"
    tags = ["billing"]
    dependencies = auth.DEPENDENCIES

    @post(
        "/checkout",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, CheckoutSession, "the session", (400, 401, 403, 404, 409, 422, 501)),
    )
    async def start_checkout(
        self,
        data: bodies.Json[CheckoutCreate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Open a Checkout Session for a plan; a repeat within 15 minutes reuses the session."""
        form = codec.structure(data, CheckoutCreate)
        command = commands.StartCheckout(
            tenant_id=_tenant(principal),
            by=caller_of(principal),
            plan_id=ids.PlanId(form.plan_id),
            success_url=_url(form.success_url, "success_url"),
            cancel_url=_url(form.cancel_url, "cancel_url"),
            coupon_code=form.coupon_code or None,
        )
        session: checkout.CheckoutSession = await bus.handle(command)
        return bodies.dump(CheckoutSession(session.id, session.url))

    @post(
        "/portal",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, PortalLink, "the portal link", (400, 401, 403, 409, 422, 501)),
    )
    async def open_portal(
        self,
        data: bodies.Json[PortalCreate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """A link to Stripe's customer portal (``billing.no_customer`` before a card purchase)."""
        form = codec.structure(data, PortalCreate)
        command = commands.OpenBillingPortal(
            tenant_id=_tenant(principal),
            by=caller_of(principal),
            return_url=_url(form.return_url, "return_url"),
        )
        return bodies.dump(PortalLink(await bus.handle(command)))

    @get(
        "/invoices",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(_MANAGE),
        **bodies.answers(200, InvoicePage, "invoices", (401, 403, 422, 501)),
    )
    async def list_invoices(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
    ) -> dict[str, Any]:
        """Your Stripe invoices, newest first."""
        query = commands.ListInvoices(_tenant(principal), caller_of(principal), page)
        found = await bus.handle(query)
        return pagination.render(found, item=lambda i: bodies.dump(Invoice.of(i)))
