"""Sign-up, sessions and account recovery: ``/auth/*``. All public but logout."""

from __future__ import annotations

from typing import Any

import attrs
from litestar import Controller, Request, post
from litestar.di import NamedDependency

from b2app.http import auth, codec
from b2app.http.controllers import bodies
from b2core.iam import commands, onboarding, permissions, tokens
from b2core.messagebus import MessageBus


@attrs.frozen
class Registration:
    """A new business and the email and password of its first admin."""

    business_name: str
    email: str
    password: str = attrs.field(repr=False)


@attrs.frozen
class Registered:
    """The new tenant and its TENANT_ADMIN."""

    tenant_id: str
    user_id: str


@attrs.frozen
class Credentials:
    """What a person logs in with."""

    email: str
    password: str = attrs.field(repr=False)


@attrs.frozen
class RefreshGrant:
    """A refresh token from login or an earlier refresh; it works once."""

    refresh_token: str = attrs.field(repr=False)


@attrs.frozen
class TokenPair:
    """A bearer access token, the refresh token of the same login, and the access lifetime."""

    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


@attrs.frozen
class PasswordResetRequest:
    """The address of the account to recover."""

    email: str


@attrs.frozen
class PasswordReset:
    """The code from the reset email and the new password."""

    token: str = attrs.field(repr=False)
    new_password: str = attrs.field(repr=False)


@attrs.frozen
class EmailVerification:
    """The code from the verification email."""

    token: str = attrs.field(repr=False)


RESET_ACCEPTED = "if an account uses this address, a reset code has been sent to it"
RESET_EMAIL_OFF = "password reset emails are switched off: no code was sent"


@attrs.frozen
class ResetAccepted:
    """The same answer for every address; ``email`` tells whether reset emails go out at all.

    ``email`` is ``"enabled"`` or ``"disabled"``; ``toggle`` names the system setting that is
    off. Both depend on the platform's settings alone, never on the account.
    """

    message: str
    email: str
    toggle: str | None


def _registered(done: onboarding.Registered) -> dict[str, Any]:
    body = bodies.dump(Registered(done.tenant_id, done.user_id))
    # Only when verification is required: whether its email went out, or which toggle is off.
    if done.verification is not None:
        body["verification_email"] = done.verification.delivery.value
        body["toggle"] = done.verification.toggle
    return body


def _pair(pair: tokens.TokenPair) -> dict[str, Any]:
    shown = TokenPair(pair.access_token, pair.refresh_token, pair.token_type, pair.expires_in)
    return bodies.dump(shown)


class AuthController(Controller):
    """Accounts and sessions."""

    path = "/auth"
    tags = ["auth"]
    dependencies = auth.DEPENDENCIES

    @post("/register", **bodies.answers(201, Registered, "registered", (400, 409, 422)))
    async def register(
        self,
        data: bodies.Json[Registration],
        bus: NamedDependency[MessageBus],
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        """Register a business: a new tenant and its first TENANT_ADMIN, in one step.

        While email verification is required the answer adds ``verification_email``
        (``"sent"`` or ``"disabled"``) and ``toggle`` (the switch that kept it from being sent).
        """
        form = codec.structure(data, Registration)
        command = commands.RegisterTenant(
            form.business_name, form.email, form.password, ip=auth.client_ip(request)
        )
        return _registered(await bus.handle(command))

    @post("/login", **bodies.answers(200, TokenPair, "a new session", (400, 401, 403, 422, 429)))
    async def login(
        self,
        data: bodies.Json[Credentials],
        bus: NamedDependency[MessageBus],
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        """Exchange an email and password for an access and a refresh token.

        A wrong email and a wrong password get the same answer. After 5 failed attempts the
        account is locked for a while (429 with Retry-After).
        """
        form = codec.structure(data, Credentials)
        ip = auth.client_ip(request)
        return _pair(await bus.handle(commands.Login(form.email, form.password, ip=ip)))

    @post("/refresh", **bodies.answers(200, TokenPair, "the rotated session", (400, 401, 422)))
    async def refresh(
        self, data: bodies.Json[RefreshGrant], bus: NamedDependency[MessageBus]
    ) -> dict[str, Any]:
        """Rotate a refresh token: a new pair; the presented refresh token stops working.

        Presenting a refresh token a second time revokes its whole login family.
        """
        form = codec.structure(data, RefreshGrant)
        return _pair(await bus.handle(commands.Refresh(form.refresh_token)))

    @post("/logout", status_code=204, **auth.guarded(permissions.Action.ME))
    async def logout(
        self, bus: NamedDependency[MessageBus], principal: NamedDependency[tokens.Principal]
    ) -> None:
        """End the session: the presented access token and its refresh family stop working."""
        await bus.handle(commands.Logout(principal))

    @post("/password-reset", **bodies.answers(202, ResetAccepted, "request taken", (400, 422, 501)))
    async def request_password_reset(
        self, data: bodies.Json[PasswordResetRequest], bus: NamedDependency[MessageBus]
    ) -> dict[str, Any]:
        """Email a single-use reset code if an account uses this address (same answer either
        way). 501 ``feature.disabled`` while the platform has password reset turned off;
        ``"email": "disabled"`` (and the ``toggle``) while its emails are switched off."""
        form = codec.structure(data, PasswordResetRequest)
        status = await bus.handle(commands.RequestPasswordReset(form.email))
        if not status.enabled:
            return bodies.dump(ResetAccepted(RESET_EMAIL_OFF, "disabled", status.toggle))
        return bodies.dump(ResetAccepted(RESET_ACCEPTED, "enabled", None))

    @post("/password-reset/confirm", **bodies.answers(204, None, "", (400, 422, 501)))
    async def reset_password(
        self, data: bodies.Json[PasswordReset], bus: NamedDependency[MessageBus]
    ) -> None:
        """Set a new password with the emailed code; every existing session of the user ends."""
        form = codec.structure(data, PasswordReset)
        await bus.handle(commands.ResetPassword(form.token, form.new_password))

    @post("/verify-email", **bodies.answers(204, None, "", (400, 422, 501)))
    async def verify_email(
        self, data: bodies.Json[EmailVerification], bus: NamedDependency[MessageBus]
    ) -> None:
        """Prove the account's email address with the emailed code (501 while turned off)."""
        form = codec.structure(data, EmailVerification)
        await bus.handle(commands.VerifyEmail(form.token))
