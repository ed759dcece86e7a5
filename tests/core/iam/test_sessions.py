"""Login, refresh rotation, logout and authentication through the bus on memory adapters."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from b2core.iam import commands, model
from b2core.shared import errors
from tests.core.iam.helpers import PASSWORD, login, principal, register


async def test_register_login_and_authenticate(app):
    tenant_id = await register(app, "Owner@Shop.Example ")
    pair = await login(app, "owner@shop.example")
    me = await principal(app, pair)
    assert me.tenant_id == tenant_id
    assert me.role is model.Role.TENANT_ADMIN
    assert pair.token_type == "bearer"
    assert pair.expires_in == 15 * 60


async def test_wrong_password_and_unknown_email_look_the_same(app):
    await register(app)
    with pytest.raises(errors.Unauthenticated) as wrong:
        await login(app, "owner@shop.example", "not the password!")
    with pytest.raises(errors.Unauthenticated) as unknown:
        await login(app, "nobody@shop.example", "not the password!")
    assert wrong.value.code == unknown.value.code == "auth.invalid_credentials"
    assert wrong.value.message == unknown.value.message


async def test_duplicate_email_is_refused(app):
    await register(app)
    with pytest.raises(errors.Conflict) as caught:
        await register(app, "OWNER@shop.example", "Other")
    assert caught.value.code == "user.email_taken"


async def test_five_failures_lock_the_account_for_fifteen_minutes(app):
    await register(app)
    for _ in range(5):
        with pytest.raises(errors.Unauthenticated):
            await login(app, "owner@shop.example", "wrong password 123")
    with pytest.raises(errors.LimitExceeded) as locked:
        await login(app, "owner@shop.example", PASSWORD)  # even the right password waits
    assert locked.value.code == "auth.locked"
    assert 0 < locked.value.retry_after <= 15 * 60
    app.clock.advance(timedelta(minutes=15, seconds=1))
    assert (await login(app, "owner@shop.example")).access_token


async def test_lockout_does_not_reveal_existence(app):
    for _ in range(5):
        with pytest.raises(errors.Unauthenticated):
            await login(app, "ghost@shop.example", "wrong password 123")
    with pytest.raises(errors.LimitExceeded) as locked:
        await login(app, "ghost@shop.example", "wrong password 123")
    assert locked.value.code == "auth.locked"


async def test_concurrent_wrong_logins_check_at_most_five_passwords(app):
    await register(app)
    results = await asyncio.gather(
        *(login(app, "owner@shop.example", "wrong password 123") for _ in range(20)),
        return_exceptions=True,
    )
    codes = sorted(getattr(r, "code", "") for r in results)
    assert codes.count("auth.invalid_credentials") == 5
    assert codes.count("auth.locked") == 15


async def test_refresh_rotates_and_reuse_revokes_the_family(app):
    await register(app)
    first = await login(app, "owner@shop.example")
    second = await app.handle(commands.Refresh(first.refresh_token))
    assert second.refresh_token != first.refresh_token
    with pytest.raises(errors.Unauthenticated) as reused:
        await app.handle(commands.Refresh(first.refresh_token))
    assert reused.value.code == "auth.token_reused"
    # Theft detection: the legitimate holder's newer token dies with the family.
    with pytest.raises(errors.Unauthenticated):
        await app.handle(commands.Refresh(second.refresh_token))
    with pytest.raises(errors.Unauthenticated):
        await principal(app, second)


async def test_two_concurrent_refreshes_exactly_one_wins(app):
    await register(app)
    pair = await login(app, "owner@shop.example")
    results = await asyncio.gather(
        *(app.handle(commands.Refresh(pair.refresh_token)) for _ in range(2)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1


async def test_token_types_are_not_interchangeable(app):
    await register(app)
    pair = await login(app, "owner@shop.example")
    with pytest.raises(errors.Unauthenticated):
        await app.handle(commands.Refresh(pair.access_token))
    with pytest.raises(errors.Unauthenticated):
        await app.handle(commands.Authenticate(pair.refresh_token))


async def test_logout_revokes_access_and_refresh(app):
    await register(app)
    pair = await login(app, "owner@shop.example")
    await app.handle(commands.Logout(await principal(app, pair)))
    with pytest.raises(errors.Unauthenticated) as revoked:
        await principal(app, pair)
    assert revoked.value.code == "auth.token_revoked"
    with pytest.raises(errors.Unauthenticated):
        await app.handle(commands.Refresh(pair.refresh_token))
