"""Forged, tampered, stale and misused tokens: every one is refused with 401.

Tokens are forged with PyJWT and the app's own secret and key id, so that each variant breaks
exactly one rule; a control token forged the same way without breaking anything gets in, which
proves the forgeries are otherwise sound. The run's tally is printed by this directory's conftest.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from b2adapters.crypto import jwt_codec
from tests.support.attack_tally import AttackTally
from tests.support.http_app import API, JWT_SECRET, HttpApp, Session

OTHER_SECRET = "another-secret-of-sufficient-length-0123456789"
KID = jwt_codec.key_id(JWT_SECRET)
REQUIRED = ("jti", "sub", "role", "typ", "fam", "iat", "nbf", "exp", "iss", "aud")

# HS384/HS512 forgeries with the (HS256-sized) test secret make PyJWT warn; that is the point.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

Forge = Callable[[dict[str, Any]], str]


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a real token, unverified: the base every forgery starts from."""
    payload: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return payload


def sign(
    payload: dict[str, Any],
    *,
    secret: str = JWT_SECRET,
    algorithm: str = "HS256",
    kid: str | None = KID,
) -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(payload, secret, algorithm=algorithm, headers=headers)


def unsigned(payload: dict[str, Any]) -> str:
    """An ``alg: none`` token (empty signature) naming the real key id."""

    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': KID})}.{part(payload)}."


def _changed(**changes: Any) -> Forge:
    return lambda base: sign({**base, **changes})


def _without(claim: str) -> Forge:
    return lambda base: sign({k: v for k, v in base.items() if k != claim})


def _times(offset: float, *names: str) -> Forge:
    def forge(base: dict[str, Any]) -> str:
        now = time.time()
        return sign({**base, **dict.fromkeys(names, now + offset)})

    return forge


def _tampered(base: dict[str, Any]) -> str:
    # Re-encode a changed payload but keep the original signature.
    good = sign(base)
    header, _, signature = good.split(".")
    payload = base64.urlsafe_b64encode(
        json.dumps({**base, "role": "SUPER_ADMIN", "tid": None}).encode()
    )
    return f"{header}.{payload.decode().rstrip('=')}.{signature}"


def _flipped_signature(base: dict[str, Any]) -> str:
    token = sign(base)
    last = "A" if token[-2] != "A" else "B"
    return token[:-2] + last + token[-1]


# Each variant breaks exactly one rule of a valid access token (``base``).
FORGERIES: dict[str, Forge] = {
    "alg none": unsigned,
    "wrong signature": _flipped_signature,
    "tampered payload": _tampered,
    "other key, real kid": lambda base: sign(base, secret=OTHER_SECRET),
    "other key, its own kid": lambda base: sign(
        base, secret=OTHER_SECRET, kid=jwt_codec.key_id(OTHER_SECRET)
    ),
    "HS384 with the real key": lambda base: sign(base, algorithm="HS384"),
    "HS512 with the real key": lambda base: sign(base, algorithm="HS512"),
    "unknown kid": lambda base: sign(base, kid="0123456789abcdef"),
    "no kid": lambda base: sign(base, kid=None),
    "expired": _times(-3600, "exp"),
    "not valid before the future": _times(3600, "nbf"),
    "issued in the future": _times(3600, "iat"),
    "wrong iss": _changed(iss="someone-else"),
    "wrong aud": _changed(aud="another-api"),
    "refresh typ": _changed(typ="refresh"),
    "unknown typ": _changed(typ="session"),
    "unknown role": _changed(role="ROOT"),
    "platform role with a tenant": _changed(role="SUPER_ADMIN"),
    "tenant role without a tenant": _changed(tid=None),
    **{f"missing {claim}": _without(claim) for claim in REQUIRED},
}
GARBAGE = ["garbage", "a.b.c", "e30.e30.", "eyJhbGciOiJIUzI1NiJ9", "Ã©" * 10, "x" * 5000]


async def status_of_me(api: HttpApp, token: str) -> int:
    # Bytes, so that non-ASCII garbage reaches the server as sent.
    headers = {b"Authorization": f"Bearer {token}".encode()}
    return (await api.client.get(f"{API}/me", headers=headers)).status_code


async def test_the_control_forgery_gets_in(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    assert await status_of_me(api, sign(claims_of(admin.access_token))) == 200


async def test_every_forged_token_is_refused(api: HttpApp, attack_tally: AttackTally) -> None:
    admin = await api.tenant_admin()
    base = claims_of(admin.access_token)
    refused = {}
    for variant, forge in FORGERIES.items():
        status = await status_of_me(api, forge(base))
        attack_tally.record(variant, status)
        refused[variant] = status
    for index, junk in enumerate(GARBAGE):
        status = await status_of_me(api, junk)
        attack_tally.record(f"garbage #{index}", status)
        refused[f"garbage #{index}"] = status
    assert {variant: s for variant, s in refused.items() if s != 401} == {}


async def test_token_types_are_not_interchangeable(api: HttpApp, attack_tally: AttackTally) -> None:
    admin = await api.tenant_admin()
    as_access = await status_of_me(api, admin.refresh_token)
    as_refresh = await api.client.post(
        f"{API}/auth/refresh", json={"refresh_token": admin.access_token}
    )
    attack_tally.record("refresh token as access token", as_access)
    attack_tally.record("access token as refresh token", as_refresh.status_code)
    assert (as_access, as_refresh.status_code) == (401, 401)


async def test_a_logged_out_token_is_revoked(api: HttpApp, attack_tally: AttackTally) -> None:
    admin = await api.tenant_admin()
    assert (await api.client.post(f"{API}/auth/logout", headers=admin.headers)).status_code == 204
    status = await status_of_me(api, admin.access_token)
    attack_tally.record("revoked jti", status)
    assert status == 401


async def test_a_replayed_refresh_token_revokes_its_family(
    api: HttpApp, attack_tally: AttackTally
) -> None:
    admin = await api.tenant_admin()
    rotated = await api.client.post(
        f"{API}/auth/refresh", json={"refresh_token": admin.refresh_token}
    )
    assert rotated.status_code == 200
    replay = await api.client.post(
        f"{API}/auth/refresh", json={"refresh_token": admin.refresh_token}
    )
    successor = await api.client.post(
        f"{API}/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]}
    )
    attack_tally.record("replayed refresh token", replay.status_code)
    attack_tally.record("refresh token rotated before a replay", successor.status_code)
    assert (replay.status_code, successor.status_code) == (401, 401)


@pytest.mark.parametrize("ending", ["archived tenant", "deactivated user"])
async def test_tokens_of_ended_accounts_are_refused(
    api: HttpApp, attack_tally: AttackTally, ending: str
) -> None:
    admin = await api.tenant_admin()
    victim: Session = admin if ending == "archived tenant" else await api.member(admin)
    if ending == "archived tenant":
        operator = await api.super_admin()
        url = f"{API}/admin/tenants/{admin.tenant_id}/archive"
        assert (await api.client.post(url, headers=operator.headers)).status_code == 200
    else:
        url = f"{API}/team/{victim.user_id}/deactivate"
        assert (await api.client.post(url, headers=admin.headers)).status_code == 200
    for kind, token in (
        ("access", victim.access_token),
        ("re-signed", sign(claims_of(victim.access_token))),
    ):
        status = await status_of_me(api, token)
        attack_tally.record(f"{kind} token of a {ending}", status)
        assert status == 401
    refresh = await api.client.post(
        f"{API}/auth/refresh", json={"refresh_token": victim.refresh_token}
    )
    attack_tally.record(f"refresh token of a {ending}", refresh.status_code)
    assert refresh.status_code == 401


def test_the_suite_covers_each_required_claim() -> None:
    assert set(REQUIRED) == set(jwt_codec._REQUIRED)
    assert all(f"missing {claim}" in FORGERIES for claim in REQUIRED)
