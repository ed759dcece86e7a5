"""Ports of the iam context: hashing, tokens, revocations, lockout and user persistence."""

from __future__ import annotations

import enum
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from b2core.iam import model, tokens
from b2core.platform import ports as platform_ports
from b2core.shared import audit, ids, pagination, uow
from b2core.tenants import ports as tenant_ports


class PasswordHasher(Protocol):
    """One-way password hashing. ``verify`` runs in constant time for any input."""

    async def hash(self, password: str) -> str:
        """Return a salted hash of ``password``."""
        ...

    async def verify(self, password: str, hashed: str) -> bool:
        """Tell whether ``password`` matches ``hashed``; never raises on a malformed hash."""
        ...

    async def verify_decoy(self, password: str) -> bool:
        """Spend the time of one real verification and return False (no such user)."""
        ...


class TokenCodec(Protocol):
    """Signs and checks tokens. ``decode`` raises ``Unauthenticated`` for any bad token."""

    def encode(self, claims: tokens.Claims) -> str:
        """Serialize and sign ``claims``."""
        ...

    def decode(self, token: str, expected: tokens.TokenType) -> tokens.Claims:
        """Verify signature, algorithm, issuer, audience, times and type; return the claims."""
        ...


class TokenRevocations(Protocol):
    """Revoked tokens, families and 'sessions ended' marks. Every entry expires by itself.

    Calls name the tenant (None for platform users) so that an adapter can keep one tenant's
    marks together (one Redis Cluster slot) and answer ``is_revoked`` in one round trip.
    """

    async def revoke(self, tenant_id: ids.TenantId | None, jti: str, ttl: timedelta) -> None:
        """Refuse the token ``jti`` for the rest of its life (``ttl``)."""
        ...

    async def revoke_family(
        self, tenant_id: ids.TenantId | None, family: str, ttl: timedelta
    ) -> None:
        """Refuse every token of the login family ``family``."""
        ...

    async def end_sessions(
        self,
        tenant_id: ids.TenantId | None,
        user_id: ids.UserId | None,
        at: datetime,
        ttl: timedelta,
    ) -> None:
        """Refuse tokens issued before ``at``: of one user, or of the whole tenant (no user)."""
        ...

    async def is_revoked(self, claims: tokens.Claims) -> bool:
        """One round trip: token, family, user and tenant marks."""
        ...

    async def consume_refresh(
        self, tenant_id: ids.TenantId | None, jti: str, ttl: timedelta
    ) -> bool:
        """Mark refresh token ``jti`` used; True only for the first caller, ever."""
        ...


class LockState(enum.StrEnum):
    """What the throttle says about one login attempt."""

    ALLOWED = "allowed"
    LOCKED = "locked"


@attrs.frozen
class ThrottleDecision:
    """Whether the password may be checked now, and when to try again if not."""

    state: LockState
    retry_after: int = 0  # seconds


class LoginThrottle(Protocol):
    """Account lockout. ``attempt`` counts BEFORE the password check, atomically, with expiry."""

    async def attempt(self, key: str) -> ThrottleDecision:
        """Count one attempt; LOCKED once the failures in the window reach the limit."""
        ...

    async def succeeded(self, key: str) -> None:
        """Forget the attempts of ``key`` after a correct password."""
        ...


class OneTimeTokens(Protocol):
    """Single-use secrets (password reset, email verification), stored hashed."""

    async def add(
        self, kind: str, token_hash: str, user_id: ids.UserId, expires_at: datetime
    ) -> None:
        """Store a new token hash for ``user_id``."""
        ...

    async def consume(self, kind: str, token_hash: str, now: datetime) -> ids.UserId | None:
        """Use a token once: its user when valid and unused, else None."""
        ...


class UserRepository(Protocol):
    """The users of one tenant (bound at construction: no tenant id in the calls)."""

    async def get(self, user_id: ids.UserId) -> model.User | None: ...

    async def save(self, user: model.User) -> None: ...

    async def list(self, page: pagination.PageRequest) -> pagination.Page[model.User]: ...

    async def count_admins(self) -> int:
        """Active TENANT_ADMINs of the tenant (the last one may not be removed)."""
        ...


class PlatformUserRepository(Protocol):
    """Users across tenants: for login by email and platform administration."""

    async def by_email(self, email: str) -> model.User | None:
        """The user with this normalized email, whatever the tenant."""
        ...

    async def get(self, user_id: ids.UserId) -> model.User | None:
        """The user with this id, or None."""
        ...

    async def add(self, user: model.User) -> bool:
        """Store a new user; False (and nothing stored) when the email is already taken."""
        ...

    async def save(self, user: model.User) -> None:
        """Store the new state of an existing user."""
        ...


class IamPlatformTx(uow.Transaction, Protocol):
    """The narrowest platform transaction: users only (bootstrap)."""

    @property
    def users(self) -> PlatformUserRepository: ...


class IamUoW(Protocol):
    """Opens the narrow platform transaction used by bootstrap."""

    def platform(self) -> AbstractAsyncContextManager[IamPlatformTx]: ...


class AccountsTx(uow.Transaction, Protocol):
    """A platform-wide transaction for sign-up, login and tenant administration."""

    @property
    def users(self) -> PlatformUserRepository: ...

    @property
    def tenants(self) -> tenant_ports.TenantRepository: ...

    @property
    def settings(self) -> platform_ports.SettingsRepository: ...

    @property
    def one_time_tokens(self) -> OneTimeTokens: ...

    @property
    def audit(self) -> audit.AuditLog: ...


class TeamTx(uow.Transaction, Protocol):
    """A transaction bound to one tenant, for managing its team."""

    @property
    def team(self) -> UserRepository: ...

    @property
    def audit(self) -> audit.AuditLog: ...


class AccountsUoW(Protocol):
    """Opens account and team transactions."""

    def platform(self) -> AbstractAsyncContextManager[AccountsTx]: ...

    def tenant(self, tenant_id: ids.TenantId) -> AbstractAsyncContextManager[TeamTx]: ...
