"""Use cases of sessions: login, refresh with rotation, logout and per-request authentication."""

from __future__ import annotations

from datetime import timedelta

import attrs

from b2core.iam import commands, model, ports, tokens
from b2core.shared import errors, ids, time
from b2core.tenants import model as tenant_model

_BAD_CREDENTIALS = "email or password is wrong"


def _refused(code: str = "auth.invalid_token") -> errors.Unauthenticated:
    return errors.Unauthenticated("the token is not valid", code=code)


@attrs.frozen
class TokenIssuer:
    """Makes a signed access + refresh pair of one login family."""

    codec: ports.TokenCodec
    clock: time.Clock
    id_generator: ids.IdGenerator

    def issue(self, user: model.User, family: str | None = None) -> tokens.TokenPair:
        """A fresh pair; a new family unless ``family`` continues a rotation."""
        now = self.clock.now()
        family = family or self.id_generator.new()
        access, refresh = (
            tokens.Claims.issue(user, typ, jti=self.id_generator.new(), family=family, at=now)
            for typ in (tokens.TokenType.ACCESS, tokens.TokenType.REFRESH)
        )
        return tokens.TokenPair(
            access_token=self.codec.encode(access),
            refresh_token=self.codec.encode(refresh),
            expires_in=int(tokens.ACCESS_TTL.total_seconds()),
        )


def _may_sign_in(user: model.User | None, tenant: tenant_model.Tenant | None) -> bool:
    if user is None or not user.active:
        return False
    return user.tenant_id is None or (
        tenant is not None and tenant.status is not tenant_model.TenantStatus.ARCHIVED
    )


@attrs.frozen
class LoginHandler:
    """Checks the lockout first (counted before the password check), then the password."""

    uow: ports.AccountsUoW
    hasher: ports.PasswordHasher
    throttle: ports.LoginThrottle
    issuer: TokenIssuer

    async def __call__(self, cmd: commands.Login) -> tokens.TokenPair:
        email = model.normalize_email(cmd.email)
        decision = await self.throttle.attempt(f"login:{email}")
        if decision.state is ports.LockState.LOCKED:
            raise _locked(decision.retry_after)
        async with self.uow.platform() as tx:
            user = await tx.users.by_email(email)
            tenant = await tx.tenants.get(user.tenant_id) if user and user.tenant_id else None
            system = await tx.settings.system()
        if user is None:
            await self.hasher.verify_decoy(cmd.password)
            raise errors.Unauthenticated(_BAD_CREDENTIALS, code="auth.invalid_credentials")
        if not await self.hasher.verify(cmd.password, user.password_hash):
            raise errors.Unauthenticated(_BAD_CREDENTIALS, code="auth.invalid_credentials")
        if not _may_sign_in(user, tenant):
            raise errors.Unauthenticated(_BAD_CREDENTIALS, code="auth.invalid_credentials")
        await self.throttle.succeeded(f"login:{email}")
        if system is not None and system.email_verification_required and not user.email_verified:
            raise errors.Forbidden("verify your email address first", code="auth.email_unverified")
        return self.issuer.issue(user)


def _locked(retry_after: int) -> errors.LimitExceeded:
    error = errors.LimitExceeded("too many failed logins; try again later", code="auth.locked")
    error.retry_after = retry_after  # type: ignore[attr-defined]  # read by the HTTP layer
    return error


@attrs.frozen
class RefreshHandler:
    """Each refresh token works once; a second use revokes the whole family (theft)."""

    uow: ports.AccountsUoW
    codec: ports.TokenCodec
    revocations: ports.TokenRevocations
    issuer: TokenIssuer
    clock: time.Clock

    async def __call__(self, cmd: commands.Refresh) -> tokens.TokenPair:
        claims = self.codec.decode(cmd.refresh_token, tokens.TokenType.REFRESH)
        if await self.revocations.is_revoked(claims):
            raise _refused("auth.token_revoked")
        remaining = max(claims.exp - self.clock.now(), timedelta(seconds=1))
        if not await self.revocations.consume_refresh(claims.tid, claims.jti, remaining):
            await self.revocations.revoke_family(claims.tid, claims.family, tokens.REFRESH_TTL)
            raise _refused("auth.token_reused")
        async with self.uow.platform() as tx:
            user = await tx.users.get(claims.sub)
            tenant = await tx.tenants.get(claims.tid) if claims.tid else None
        if not _may_sign_in(user, tenant) or user is None:
            raise _refused("auth.token_revoked")
        return self.issuer.issue(user, family=claims.family)


@attrs.frozen
class LogoutHandler:
    """Revokes the presented access token and its refresh family."""

    revocations: ports.TokenRevocations
    clock: time.Clock

    async def __call__(self, cmd: commands.Logout) -> None:
        remaining = max(cmd.principal.expires_at - self.clock.now(), timedelta(seconds=1))
        tenant_id = cmd.principal.tenant_id
        await self.revocations.revoke(tenant_id, cmd.principal.jti, remaining)
        await self.revocations.revoke_family(tenant_id, cmd.principal.family, tokens.REFRESH_TTL)


@attrs.frozen
class AuthenticateHandler:
    """Runs on every authenticated request: signature, revocation, tenant status."""

    uow: ports.AccountsUoW
    codec: ports.TokenCodec
    revocations: ports.TokenRevocations

    async def __call__(self, cmd: commands.Authenticate) -> tokens.Principal:
        claims = self.codec.decode(cmd.access_token, tokens.TokenType.ACCESS)
        if await self.revocations.is_revoked(claims):
            raise _refused("auth.token_revoked")
        if claims.tid is None:
            return tokens.Principal.from_claims(claims)
        async with self.uow.platform() as tx:
            tenant = await tx.tenants.get(claims.tid)
        if tenant is None or tenant.status is tenant_model.TenantStatus.ARCHIVED:
            raise _refused("auth.token_revoked")
        suspended = tenant.status is tenant_model.TenantStatus.SUSPENDED
        return tokens.Principal.from_claims(claims, tenant_suspended=suspended)
