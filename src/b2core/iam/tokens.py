"""The token model: access and refresh claims, lifetimes, and the authenticated principal."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

import attrs

from b2core.iam import model
from b2core.shared import ids

ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=7)


class TokenType(enum.StrEnum):
    """An access token is never accepted where a refresh token is expected, and back."""

    ACCESS = "access"
    REFRESH = "refresh"


@attrs.frozen
class Claims:
    """What a token says. ``family`` ties every refresh token of one login together."""

    jti: str
    sub: ids.UserId
    tid: ids.TenantId | None
    role: model.Role
    typ: TokenType
    iat: datetime
    exp: datetime
    family: str

    @classmethod
    def issue(
        cls,
        user: model.User,
        typ: TokenType,
        *,
        jti: str,
        family: str,
        at: datetime,
    ) -> Claims:
        """Claims for ``user`` issued at ``at`` with the lifetime of ``typ``."""
        ttl = ACCESS_TTL if typ is TokenType.ACCESS else REFRESH_TTL
        return cls(jti, user.id, user.tenant_id, user.role, typ, at, at + ttl, family)


@attrs.frozen
class TokenPair:
    """What login and refresh return."""

    access_token: str
    refresh_token: str
    expires_in: int  # seconds until the access token expires
    token_type: str = "bearer"


@attrs.frozen
class Principal:
    """The verified caller of a request. The tenant id comes from here and nowhere else."""

    user_id: ids.UserId
    tenant_id: ids.TenantId | None
    role: model.Role
    jti: str
    family: str
    expires_at: datetime
    tenant_suspended: bool = False

    @classmethod
    def from_claims(cls, claims: Claims, *, tenant_suspended: bool = False) -> Principal:
        """The principal an access token stands for."""
        return cls(
            claims.sub,
            claims.tid,
            claims.role,
            claims.jti,
            claims.family,
            claims.exp,
            tenant_suspended,
        )
