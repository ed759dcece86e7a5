"""Use cases of account recovery: password reset and email verification (both toggles)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import attrs

from b2core.iam import commands, model, passwords, ports, tokens
from b2core.platform import email_notifier, email_templates
from b2core.platform import model as platform_model
from b2core.shared import audit, errors, ids, time

RESET_TTL = timedelta(hours=24)
VERIFY_TTL = timedelta(days=3)
RESET = "password_reset"
VERIFY = "email_verification"


def hash_token(token: str) -> str:
    """Tokens are stored only as SHA-256 digests: a leaked table grants nothing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _disabled(feature: str) -> errors.NotConfigured:
    return errors.NotConfigured(f"{feature} is turned off", code="feature.disabled")


@attrs.frozen
class EmailStatus:
    """Whether the settings let an email of a kind go out; ``toggle`` names the switch that is off.

    It depends on the settings alone, never on the account, so callers may show it freely.
    """

    enabled: bool
    toggle: str | None = None

    @classmethod
    def of(
        cls, system: platform_model.SystemSettings, kind: email_templates.EmailKind
    ) -> EmailStatus:
        """The status of ``kind`` under ``system``."""
        toggle = email_notifier.blocking_toggle(system, kind)
        return cls(toggle is None, toggle)


async def issue_verification(
    tx: ports.AccountsTx, user: model.User, clock: time.Clock
) -> platform_model.EmailMessage:
    """Store a verification token for ``user`` and return the email that carries it."""
    token = secrets.token_urlsafe(32)
    await tx.one_time_tokens.add(VERIFY, hash_token(token), user.id, clock.now() + VERIFY_TTL)
    return email_templates.email_verification(user.email, token, days=VERIFY_TTL.days)


@attrs.frozen
class RequestPasswordResetHandler:
    """Same answer whether or not the account exists; the email goes only to real accounts.

    While the feature is on but its email is switched off (``email_enabled``), no code is made
    and nothing is sent; the answer says so (it depends on the settings, not the account).
    """

    uow: ports.AccountsUoW
    notifier: email_notifier.EmailNotifier
    clock: time.Clock

    async def __call__(self, cmd: commands.RequestPasswordReset) -> EmailStatus:
        email = model.normalize_email(cmd.email)
        token = secrets.token_urlsafe(32)
        kind = email_templates.EmailKind.PASSWORD_RESET
        async with self.uow.platform() as tx:
            system = await tx.settings.system()
            if system is None or not system.password_reset_enabled:
                raise _disabled("password reset")
            status = EmailStatus.of(system, kind)
            if not status.enabled:
                return status
            user = await tx.users.by_email(email)
            if user is None or not user.active:
                return status
            expires = self.clock.now() + RESET_TTL
            await tx.one_time_tokens.add(RESET, hash_token(token), user.id, expires)
            await tx.commit()
        hours = int(RESET_TTL.total_seconds() // 3600)
        message = email_templates.password_reset(user.email, token, hours=hours)
        await self.notifier.send(kind, message, settings=system)
        return status


@attrs.frozen
class ResetPasswordHandler:
    """A valid, unused reset token sets the password and ends every existing session."""

    uow: ports.AccountsUoW
    hasher: ports.PasswordHasher
    revocations: ports.TokenRevocations
    throttle: ports.LoginThrottle
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.ResetPassword) -> None:
        passwords.check_policy(cmd.new_password)
        new_hash = await self.hasher.hash(cmd.new_password)
        now = self.clock.now()
        async with self.uow.platform() as tx:
            system = await tx.settings.system()
            if system is None or not system.password_reset_enabled:
                raise _disabled("password reset")
            user_id = await tx.one_time_tokens.consume(RESET, hash_token(cmd.token), now)
            user = await tx.users.get(user_id) if user_id else None
            if user is None:
                raise errors.InvalidInput(
                    "the reset code is invalid or expired", code="auth.bad_reset_token"
                )
            await tx.users.save(user.set_password(new_hash, now))
            await tx.audit.append(
                audit.record(
                    self.id_generator,
                    self.clock,
                    audit.Actor.user(user.id, user.role.value),
                    "user.password_reset",
                    tenant_id=user.tenant_id,
                    target=("user", user.id),
                )
            )
            await tx.commit()
        await self.revocations.end_sessions(user.tenant_id, user.id, now, tokens.REFRESH_TTL)
        # Whoever reset the password owns the mailbox: lift a lockout an attacker caused.
        await self.throttle.succeeded(f"login:{user.email}")


@attrs.frozen
class VerifyEmailHandler:
    """A valid, unused verification token marks the address verified."""

    uow: ports.AccountsUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.VerifyEmail) -> None:
        now = self.clock.now()
        async with self.uow.platform() as tx:
            system = await tx.settings.system()
            if system is None or not system.email_verification_required:
                raise _disabled("email verification")
            user_id = await tx.one_time_tokens.consume(VERIFY, hash_token(cmd.token), now)
            user = await tx.users.get(user_id) if user_id else None
            if user is None:
                raise errors.InvalidInput(
                    "the verification code is invalid or expired", code="auth.bad_verify_token"
                )
            await tx.users.save(user.verify_email(now))
            await tx.audit.append(
                audit.record(
                    self.id_generator,
                    self.clock,
                    audit.Actor.user(user.id, user.role.value),
                    "user.email_verified",
                    tenant_id=user.tenant_id,
                    target=("user", user.id),
                )
            )
            await tx.commit()
