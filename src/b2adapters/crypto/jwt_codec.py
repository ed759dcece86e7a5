"""HS256 JSON Web Tokens with PyJWT: pinned algorithm, required claims, key ids for rotation."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import jwt

from b2core.iam import model, tokens
from b2core.shared import errors, ids, time

if TYPE_CHECKING:
    from b2core.iam import ports

ALGORITHM = "HS256"
MIN_SECRET_LENGTH = 32
_REQUIRED = ["jti", "sub", "role", "typ", "fam", "iat", "nbf", "exp", "iss", "aud"]


def key_id(secret: str) -> str:
    """A public, stable name for a secret: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def _invalid(reason: str) -> errors.Unauthenticated:
    return errors.Unauthenticated(f"the token is not valid ({reason})", code="auth.invalid_token")


class JwtTokenCodec:
    """Signs with the current secret; verifies with it or any previous one (by ``kid``)."""

    def __init__(
        self,
        secret: str,
        *,
        issuer: str,
        audience: str,
        clock: time.Clock,
        previous: Sequence[str] = (),
        leeway: timedelta = timedelta(seconds=5),
    ) -> None:
        for candidate in (secret, *previous):
            if len(candidate) < MIN_SECRET_LENGTH:
                raise ValueError(f"JWT secrets need at least {MIN_SECRET_LENGTH} characters")
        self._kid = key_id(secret)
        self._keys = {key_id(s): s for s in (*previous, secret)}
        self._issuer = issuer
        self._audience = audience
        self._clock = clock
        self._leeway = leeway

    def encode(self, claims: tokens.Claims) -> str:
        payload = {
            "jti": claims.jti,
            "sub": claims.sub,
            "tid": claims.tid,
            "role": claims.role.value,
            "typ": claims.typ.value,
            "fam": claims.family,
            "iat": claims.iat.timestamp(),  # sub-second: "sessions ended at" marks compare exactly
            "nbf": int(claims.iat.timestamp()),
            "exp": int(claims.exp.timestamp()),
            "iss": self._issuer,
            "aud": self._audience,
        }
        return jwt.encode(payload, self._keys[self._kid], ALGORITHM, headers={"kid": self._kid})

    def decode(self, token: str, expected: tokens.TokenType) -> tokens.Claims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise _invalid("malformed") from exc
        secret = self._keys.get(str(header.get("kid")))
        if secret is None or header.get("alg") != ALGORITHM:
            raise _invalid("unknown key or algorithm")
        try:
            payload = jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # Times are checked below against the injected clock, not the host's.
                options={
                    "require": _REQUIRED,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise _invalid(type(exc).__name__) from exc
        claims = _claims(payload, expected)
        self._check_times(claims, payload)
        return claims

    def _check_times(self, claims: tokens.Claims, payload: dict[str, Any]) -> None:
        now = self._clock.now()
        try:
            not_before = datetime.fromtimestamp(float(payload["nbf"]), UTC)
        except (TypeError, ValueError) as exc:
            raise _invalid("bad nbf") from exc
        if claims.exp <= now - self._leeway:
            raise errors.Unauthenticated("the token has expired", code="auth.token_expired")
        if not_before > now + self._leeway or claims.iat > now + self._leeway:
            raise _invalid("not valid yet")


def _claims(payload: dict[str, Any], expected: tokens.TokenType) -> tokens.Claims:
    try:
        typ = tokens.TokenType(payload["typ"])
        role = model.Role(payload["role"])
        tid = payload.get("tid")
        claims = tokens.Claims(
            jti=str(payload["jti"]),
            sub=ids.UserId(str(payload["sub"])),
            tid=ids.TenantId(str(tid)) if tid is not None else None,
            role=role,
            typ=typ,
            iat=datetime.fromtimestamp(float(payload["iat"]), UTC),
            exp=datetime.fromtimestamp(float(payload["exp"]), UTC),
            family=str(payload["fam"]),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise _invalid("bad claims") from exc
    if claims.typ is not expected:
        raise _invalid(f"{claims.typ.value} token where {expected.value} was expected")
    if (claims.role is model.Role.SUPER_ADMIN) != (claims.tid is None):
        raise _invalid("role and tenant disagree")
    return claims


if TYPE_CHECKING:
    _: type[ports.TokenCodec] = JwtTokenCodec
