"""Password reset and email verification, both behind platform toggles."""

from __future__ import annotations

import re

import pytest

from b2adapters.memory.uow import InMemoryUnitOfWork
from b2core.iam import commands, recovery
from b2core.platform import email_notifier
from b2core.platform.email_templates import KIND_HEADER, EmailKind
from b2core.shared import errors
from tests.core.iam.helpers import PASSWORD, change_settings, login, principal, register
from tests.support.memory_app import MemoryApp

NEW_PASSWORD = "a brand new passphrase"


def _code(app) -> str:
    match = re.search(r"\n\n(\S+)\n\n", app.mailer.sent[-1].text)
    assert match, app.mailer.sent[-1].text
    return match.group(1)


async def test_reset_is_off_by_default(app):
    with pytest.raises(errors.NotConfigured) as off:
        await app.handle(commands.RequestPasswordReset("owner@shop.example"))
    assert off.value.code == "feature.disabled"


async def test_reset_flow_single_use_and_ends_sessions(app):
    await change_settings(app, email_enabled=True, password_reset_enabled=True)
    await register(app)
    old = await login(app, "owner@shop.example")
    await app.handle(commands.RequestPasswordReset("owner@shop.example"))
    code = _code(app)
    assert code not in repr(app.container)  # only the hash is stored
    app.clock.advance(__import__("datetime").timedelta(seconds=1))
    await app.handle(commands.ResetPassword(code, NEW_PASSWORD))
    with pytest.raises(errors.InvalidInput):
        await app.handle(commands.ResetPassword(code, "yet another passphrase"))
    with pytest.raises(errors.Unauthenticated):
        await principal(app, old)
    with pytest.raises(errors.Unauthenticated):
        await login(app, "owner@shop.example", PASSWORD)
    assert (await login(app, "owner@shop.example", NEW_PASSWORD)).access_token


async def test_reset_answers_the_same_for_unknown_email(app):
    await change_settings(app, email_enabled=True, password_reset_enabled=True)
    before = len(app.mailer.sent)
    unknown = await app.handle(commands.RequestPasswordReset("nobody@x.example"))
    assert len(app.mailer.sent) == before
    await register(app)
    known = await app.handle(commands.RequestPasswordReset("owner@shop.example"))
    assert len(app.mailer.sent) == before + 1
    assert known == unknown == recovery.EmailStatus(enabled=True)


async def test_reset_token_expires_after_a_day(app):
    await change_settings(app, email_enabled=True, password_reset_enabled=True)
    await register(app)
    await app.handle(commands.RequestPasswordReset("owner@shop.example"))
    app.clock.advance(__import__("datetime").timedelta(hours=24, seconds=1))
    with pytest.raises(errors.InvalidInput):
        await app.handle(commands.ResetPassword(_code(app), NEW_PASSWORD))


async def test_verification_off_answers_not_configured(app):
    with pytest.raises(errors.NotConfigured):
        await app.handle(commands.VerifyEmail("anything"))


async def test_verification_on_blocks_login_until_verified(app):
    await change_settings(app, email_enabled=True, email_verification_required=True)
    await register(app)
    with pytest.raises(errors.Forbidden) as waiting:
        await login(app, "owner@shop.example")
    assert waiting.value.code == "auth.email_unverified"
    await app.handle(commands.VerifyEmail(_code(app)))
    assert (await login(app, "owner@shop.example")).access_token


async def test_reset_lifts_a_lockout(app):
    await change_settings(app, email_enabled=True, password_reset_enabled=True)
    await register(app)
    for _ in range(5):
        with pytest.raises(errors.Unauthenticated):
            await login(app, "owner@shop.example", "attacker guess 123")
    with pytest.raises(errors.LimitExceeded):
        await login(app, "owner@shop.example", PASSWORD)
    await app.handle(commands.RequestPasswordReset("owner@shop.example"))
    await app.handle(commands.ResetPassword(_code(app), NEW_PASSWORD))
    assert (await login(app, "owner@shop.example", NEW_PASSWORD)).access_token


async def test_reset_with_emails_switched_off_sends_nothing_and_says_so(app: MemoryApp) -> None:
    await change_settings(app, email_enabled=False, password_reset_enabled=True)
    await register(app)
    before = len(app.mailer.sent)
    known = await app.handle(commands.RequestPasswordReset("owner@shop.example"))
    unknown = await app.handle(commands.RequestPasswordReset("nobody@x.example"))
    assert known == unknown == recovery.EmailStatus(enabled=False, toggle="email_enabled")
    assert len(app.mailer.sent) == before
    # No code was made either: there is nothing anyone could use.
    store = app.container.resolve(InMemoryUnitOfWork).store
    assert not store.tables.get("one_time_tokens")


async def test_registration_with_verification_emails_off_tells_the_caller(app: MemoryApp) -> None:
    await change_settings(app, email_enabled=False, email_verification_required=True)
    done = await app.handle(commands.RegisterTenant("Quiet", "quiet@shop.example", PASSWORD))
    assert done.verification == email_notifier.Outcome(
        email_notifier.Delivery.DISABLED, EmailKind.EMAIL_VERIFICATION, "email_enabled"
    )
    assert not app.mailer.sent

    await change_settings(app, email_enabled=True)
    sent = await app.handle(commands.RegisterTenant("Loud", "loud@shop.example", PASSWORD))
    assert sent.verification is not None
    assert sent.verification.sent
    (message,) = app.mailer.sent
    assert message.to == "loud@shop.example"
    assert (KIND_HEADER, "email_verification") in message.headers
    assert message.html is not None
    assert _code(app) in message.html


async def test_registration_without_verification_reports_no_email(app: MemoryApp) -> None:
    done = await app.handle(commands.RegisterTenant("Plain", "plain@shop.example", PASSWORD))
    assert done.verification is None
    assert not app.mailer.sent
