"""Manual payments: a tenant's admin submits at ``/billing/manual-payments``, the super admin
reviews at ``/admin/manual-payments``.

A submission is a ``multipart/form-data`` form: the sender's name and number, the transaction
reference, the plan, an optional coupon code and the screenshot (PNG, JPEG or WebP, at most
5 MiB, its bytes must match its declared type). The screenshot is stored through the
``MediaStorage`` port before the payment is recorded; when the payment is refused (a duplicate
reference, an unknown plan, a bad field), the stored file is removed again, so a refusal leaves
nothing behind. The price is never sent: the server quotes the plan after the coupon.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import BodyKwarg, FromPath, QueryParameter, SkipValidationMarker

from b2app.http import auth, codec, deps, pagination
from b2app.http.controllers import bodies
from b2app.http.controllers.billing_plans import caller_of
from b2core.billing import commands, payments, values
from b2core.conversations import media
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import errors, ids
from b2core.shared import pagination as core_pagination

#: Room for the text fields and multipart framing around the largest screenshot.
FORM_OVERHEAD = 64 * 1024
MAX_FORM_BYTES = payments.MAX_SCREENSHOT_BYTES + FORM_OVERHEAD
_MULTIPART = "multipart/form-data"
_TEXT_FIELDS = ("method", "sender_name", "sender_number", "reference", "plan_id", "coupon_code")
_MAX_TEXT = 500
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


@attrs.frozen
class ManualPaymentUpload:
    """The submission form (``multipart/form-data``); ``screenshot`` is the image file."""

    method: payments.PaymentMethod
    sender_name: str
    sender_number: str
    reference: str
    plan_id: str
    screenshot: UploadFile
    coupon_code: str | None = None


@attrs.frozen
class ManualPaymentForm:
    """A checked submission, the screenshot read into memory."""

    method: payments.PaymentMethod
    sender_name: str
    sender_number: str
    reference: str
    plan_id: str
    screenshot: bytes
    coupon_code: str | None = None


# Litestar only parses the form into text values and files (the static type documents it in
# OpenAPI); the handler checks them with :func:`read_form`.
MultipartForm = Annotated[
    ManualPaymentUpload,
    SkipValidationMarker(),
    BodyKwarg(media_type=RequestEncodingType.MULTI_PART),
]


@attrs.frozen
class ManualPayment:
    """A manual payment and where its review stands; amounts in minor units."""

    payment_id: str
    tenant_id: str
    method: payments.PaymentMethod
    sender_name: str
    sender_number: str
    reference: str
    plan_id: str
    list_price_minor: int
    discount_minor: int
    amount_minor: int
    currency: str
    coupon_code: str | None
    status: payments.PaymentStatus
    submitted_at: datetime
    decided_at: datetime | None
    rejection_reason: str | None

    @classmethod
    def of(cls, payment: payments.ManualPayment) -> ManualPayment:
        """The view of ``payment`` (the screenshot's storage key stays inside)."""
        price = payment.price
        return cls(
            payment.id, payment.tenant_id, payment.method, payment.sender_name,
            payment.sender_number, payment.reference, payment.plan_id,
            price.list_price.amount_minor, price.discount.amount_minor, price.amount.amount_minor,
            price.amount.currency, price.coupon_code, payment.status, payment.submitted_at,
            payment.decided_at, payment.rejection_reason,
        )  # fmt: skip


@attrs.frozen
class ManualPaymentPage:
    """One page of payments, newest first."""

    items: list[ManualPayment]
    next_cursor: str | None


@attrs.frozen
class Rejection:
    """Why the payment is refused; the tenant reads it."""

    reason: str


def _shown(payment: payments.ManualPayment) -> dict[str, Any]:
    return bodies.dump(ManualPayment.of(payment))


def parse_status(value: str | None) -> payments.PaymentStatus | None:
    """The ``status`` filter of a list, or None; ``payment.bad_status`` when unknown."""
    if not value:
        return None
    return values.to_enum(payments.PaymentStatus, value, "payment.bad_status")


def _invalid(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code="request.invalid")


async def require_multipart(request: Request[Any, Any, Any]) -> None:
    """Refuse any other body before Litestar tries to parse it as a form."""
    kind, options = request.content_type
    if kind != _MULTIPART or not options.get("boundary"):
        raise _invalid(f"the body must be {_MULTIPART} with a screenshot file")


def _text(form: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = form.get(name)
    if value is None or value == "":
        if required:
            raise _invalid(f"{name}: required field missing")
        return None
    if not isinstance(value, str):
        raise _invalid(f"{name}: expected one text value")
    if len(value) > _MAX_TEXT:
        raise _invalid(f"{name}: at most {_MAX_TEXT} characters")
    return value


def sniff_image(content: bytes) -> str | None:
    """The image type the bytes start with (PNG, JPEG or WebP), or None."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


@attrs.frozen
class _Screenshot:
    content: bytes
    mime_type: str


async def _screenshot(form: dict[str, Any]) -> _Screenshot:
    upload = form.get("screenshot")
    if not isinstance(upload, UploadFile):
        raise _invalid("screenshot: an image file is required")
    content = await upload.read()
    declared = media.normalize_mime(upload.content_type or "")
    payments.check_screenshot(declared, len(content))
    if sniff_image(content) != declared:
        raise errors.InvalidInput(
            "the screenshot's content is not the image type it claims to be",
            code="payment.bad_screenshot_type",
        )
    return _Screenshot(content, declared)


async def read_form(form: object) -> tuple[ManualPaymentForm, str]:
    """The checked submission and the screenshot's type, or a 422 naming the problem.

    Cheap checks (fields present, known method, reference shape, screenshot type and size) run
    here, before anything is stored; the payment's own rules run again in the handler.
    """
    if not isinstance(form, dict):
        raise _invalid("the body must be a form")
    unknown = sorted(set(form) - {*_TEXT_FIELDS, "screenshot"})
    if unknown:
        raise _invalid(f"{unknown[0]}: extra fields not permitted")
    text = {name: _text(form, name, required=name != "coupon_code") for name in _TEXT_FIELDS}
    method = values.to_enum(payments.PaymentMethod, text["method"], "payment.bad_method")
    assert text["reference"] is not None  # required above
    payments.normalize_reference(text["reference"])
    shot = await _screenshot(form)
    checked = ManualPaymentForm(
        method=method,
        sender_name=text["sender_name"] or "",
        sender_number=text["sender_number"] or "",
        reference=text["reference"],
        plan_id=text["plan_id"] or "",
        screenshot=shot.content,
        coupon_code=text["coupon_code"],
    )
    return checked, shot.mime_type


def _storage(request: Request[Any, Any, Any]) -> media.MediaStorage:
    found = deps.resolve_optional(deps.container_of(request.app.state), media.MediaStorage)
    if found is None:
        raise errors.NotConfigured(
            "no media storage is configured for screenshots", code="media.not_configured"
        )
    storage: media.MediaStorage = found
    return storage


def _upload_folder(request: Request[Any, Any, Any]) -> ids.MessageId:
    generator: ids.IdGenerator = deps.container_of(request.app.state).resolve(ids.IdGenerator)
    return ids.MessageId(f"payment-{generator.new()}")


def _tenant(principal: tokens.Principal) -> ids.TenantId:
    if principal.tenant_id is None:  # the guard refuses platform users first
        raise errors.Forbidden("this action needs a tenant account", code="auth.tenant_required")
    return principal.tenant_id


class ManualPaymentsController(Controller):
    """The tenant's own manual payments (TENANT_ADMIN; STAFF never reaches billing)."""

    path = "/billing/manual-payments"
    tags = ["billing"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(permissions.Action.BILLING_MANAGE),
        **bodies.answers(200, ManualPaymentPage, "your payments", (401, 403, 422)),
    )
    async def list_payments(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
        status: Annotated[
            str | None, QueryParameter(description="PENDING, APPROVED or REJECTED")
        ] = None,
    ) -> dict[str, Any]:
        """Your manual payments, newest first, optionally by status."""
        query = commands.ListManualPayments(
            caller_of(principal), _tenant(principal), status=parse_status(status), page=page
        )
        return pagination.render(await bus.handle(query), item=_shown)

    @post(
        "/",
        before_request=require_multipart,
        request_max_body_size=MAX_FORM_BYTES,
        **auth.guarded(permissions.Action.BILLING_MANAGE),
        **bodies.answers(201, ManualPayment, "submitted", (400, 401, 403, 404, 409, 422)),
    )
    async def submit_payment(
        self,
        request: Request[Any, Any, Any],
        data: MultipartForm,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Report a payment with its screenshot; ``payment.duplicate_reference`` (409) when the
        reference was already submitted for this method."""
        tenant, caller = _tenant(principal), caller_of(principal)
        form, mime_type = await read_form(data)
        storage = _storage(request)
        filename = f"screenshot.{_EXTENSIONS[mime_type]}"
        ref = await storage.put(
            tenant, _upload_folder(request), filename, form.screenshot, mime_type
        )
        command = commands.SubmitManualPayment(
            tenant_id=tenant,
            by=caller,
            method=form.method,
            sender_name=form.sender_name,
            sender_number=form.sender_number,
            reference=form.reference,
            plan_id=ids.PlanId(form.plan_id),
            screenshot_key=ref.key,
            screenshot_type=mime_type,
            screenshot_size=len(form.screenshot),
            coupon_code=form.coupon_code,
        )
        try:
            payment: payments.ManualPayment = await bus.handle(command)
        except BaseException:
            await storage.delete(ref)  # a refused payment leaves no file behind
            raise
        return _shown(payment)


class AdminManualPaymentsController(Controller):
    """Every tenant's manual payments, for review (SUPER_ADMIN)."""

    path = "/admin/manual-payments"
    tags = ["billing"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(permissions.Action.ADMIN_PAYMENTS),
        **bodies.answers(200, ManualPaymentPage, "payments", (401, 403, 422)),
    )
    async def list_all_payments(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
        status: Annotated[
            str | None, QueryParameter(description="PENDING, APPROVED or REJECTED")
        ] = None,
    ) -> dict[str, Any]:
        """All tenants' manual payments, newest first, optionally by status."""
        query = commands.ListManualPayments(
            caller_of(principal), None, status=parse_status(status), page=page
        )
        return pagination.render(await bus.handle(query), item=_shown)

    @post(
        "/{payment_id:str}/approve",
        **auth.guarded(permissions.Action.ADMIN_PAYMENTS),
        **bodies.answers(200, ManualPayment, "approved", (401, 403, 404, 409)),
    )
    async def approve_payment(
        self,
        payment_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Accept a pending payment: the tenant gets the plan's tier and limits for one
        interval."""
        command = commands.ApproveManualPayment(caller_of(principal), ids.PaymentId(payment_id))
        return _shown(await bus.handle(command))

    @post(
        "/{payment_id:str}/reject",
        **auth.guarded(permissions.Action.ADMIN_PAYMENTS),
        **bodies.answers(200, ManualPayment, "rejected", (400, 401, 403, 404, 409, 422)),
    )
    async def reject_payment(
        self,
        payment_id: FromPath[str],
        data: bodies.Json[Rejection],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Refuse a pending payment; ``payment.reason_required`` (422) without a reason."""
        form = codec.structure(data, Rejection)
        command = commands.RejectManualPayment(
            caller_of(principal), ids.PaymentId(payment_id), form.reason
        )
        return _shown(await bus.handle(command))
