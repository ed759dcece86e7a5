"""Email settings: value rules, the write-only sealed SMTP password, audit without secrets."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2adapters.crypto.fields import FieldCipher
from b2app.wiring_channels import MissingCipher
from b2core.conversations import connections
from b2core.platform import commands, model, settings_handlers, settings_rules
from b2core.shared import audit, errors, ids
from tests.support.memory_app import MemoryApp, memory_app

OPERATOR = audit.Actor.user(ids.UserId("operator-1"), "SUPER_ADMIN")
PASSWORD = "s3cret pass:word"
SMTP = {"email_provider": "smtp", "smtp_host": "mail.example.com", "email_from": "b2@example.com"}


@pytest.fixture
async def app() -> MemoryApp:
    return memory_app()


def _check(field: str, value: object) -> object:
    return settings_rules.checked({field: value}, settings_rules.SYSTEM_FIELDS)[field]


async def _entries(app: MemoryApp) -> list[audit.AuditEntry]:
    return list((await app.handle(commands.ListAuditEntries(None))).items)


@given(st.integers(-100_000, 100_000) | st.booleans() | st.text(max_size=5) | st.none())
def test_the_port_takes_exactly_the_integers_of_a_tcp_port(value: object) -> None:
    if type(value) is int and 1 <= value <= 65535:
        assert _check("smtp_port", value) == value
        return
    with pytest.raises(errors.InvalidInput) as refused:
        _check("smtp_port", value)
    assert refused.value.code == "settings.bad_value"


@given(st.sampled_from(["email_provider", "smtp_security"]), st.text(max_size=10) | st.none())
def test_the_choices_take_only_their_names(field: str, value: object) -> None:
    allowed = {"email_provider": {"none", "smtp"}, "smtp_security": {"none", "starttls", "tls"}}
    if value in allowed[field]:
        assert _check(field, value) == value
        return
    with pytest.raises(errors.InvalidInput):
        _check(field, value)


@given(
    st.sampled_from(["smtp_host", "smtp_username", "email_from", "smtp_password"]),
    st.text(max_size=20),
    st.sampled_from(["\r", "\n", "\x00"]),
    st.text(max_size=20),
)
def test_no_email_field_takes_a_control_character(
    field: str, head: str, control: str, tail: str
) -> None:
    # A line break in a header or an SMTP command would let a value inject its own.
    value = f"x{head}{control}{tail}x"
    with pytest.raises(errors.InvalidInput) as refused:
        _check(field, value)
    assert refused.value.code == "settings.bad_value"


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("smtp_host", " smtp.example.com ", "smtp.example.com"),
        ("smtp_host", "127.0.0.1", "127.0.0.1"),
        ("email_from", "no-reply@shop.example", "no-reply@shop.example"),
        ("smtp_username", "mailer@shop.example", "mailer@shop.example"),
        ("smtp_host", None, None),
    ],
)
def test_good_values_are_kept(field: str, value: object, stored: object) -> None:
    assert _check(field, value) == stored


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("smtp_host", "-bad.example"),
        ("smtp_host", "a b"),
        ("email_from", "not-an-address"),
        ("email_from", "Name <a@b.example>"),
        ("smtp_username", "has space"),
        ("smtp_password", ""),
        ("smtp_password", "x" * 513),
    ],
)
def test_bad_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(errors.InvalidInput):
        _check(field, value)


async def test_the_password_is_stored_sealed_and_audited_only_as_set(app: MemoryApp) -> None:
    changes: dict[str, Any] = {**SMTP, "smtp_username": "mailer", "smtp_password": PASSWORD}
    updated = await app.handle(commands.UpdateSystemSettings(OPERATOR, changes))
    sealed = updated.smtp_password_sealed
    assert sealed is not None
    assert PASSWORD not in sealed
    cipher: FieldCipher = app.container.resolve(connections.FieldCipher)
    assert cipher.decrypt(sealed, context=model.SMTP_PASSWORD_CONTEXT) == PASSWORD
    with pytest.raises(errors.Unavailable):  # bound to its context: not reusable elsewhere
        cipher.decrypt(sealed, context="channel.secret")
    assert (await app.handle(commands.GetSystemSettings())).smtp_password_sealed == sealed

    (entry,) = await _entries(app)
    assert entry.metadata["changed"]["smtp_password"] == {"set": True}
    assert "smtp_password_sealed" not in entry.metadata["changed"]
    assert entry.metadata["changed"]["smtp_host"] == {"old": None, "new": "mail.example.com"}
    assert PASSWORD not in json.dumps(entry.metadata)
    assert sealed not in json.dumps(entry.metadata)


async def test_null_clears_the_password_and_clearing_nothing_changes_nothing(
    app: MemoryApp,
) -> None:
    await app.handle(commands.UpdateSystemSettings(OPERATOR, {"smtp_password": None}))
    assert await _entries(app) == []
    await app.handle(commands.UpdateSystemSettings(OPERATOR, {"smtp_password": PASSWORD}))
    app.clock.advance(timedelta(seconds=1))  # the trail lists newest first, by time
    cleared = await app.handle(commands.UpdateSystemSettings(OPERATOR, {"smtp_password": None}))
    assert cleared.smtp_password_sealed is None
    newest = (await _entries(app))[0]
    assert newest.metadata["changed"] == {"smtp_password": {"set": False}}


async def test_the_same_password_again_is_still_a_change(app: MemoryApp) -> None:
    first = await app.handle(commands.UpdateSystemSettings(OPERATOR, {"smtp_password": PASSWORD}))
    again = await app.handle(commands.UpdateSystemSettings(OPERATOR, {"smtp_password": PASSWORD}))
    assert first.smtp_password_sealed != again.smtp_password_sealed  # a fresh nonce each time
    assert len(await _entries(app)) == 2


@pytest.mark.parametrize("missing", ["smtp_host", "email_from"])
async def test_smtp_needs_a_host_and_a_sender(app: MemoryApp, missing: str) -> None:
    changes = {name: value for name, value in SMTP.items() if name != missing}
    with pytest.raises(errors.InvalidInput) as refused:
        await app.handle(commands.UpdateSystemSettings(OPERATOR, changes))
    assert refused.value.code == "settings.email_incomplete"
    assert await app.handle(commands.GetSystemSettings()) == model.SystemSettings()
    assert await _entries(app) == []

    await app.handle(commands.UpdateSystemSettings(OPERATOR, SMTP))
    with pytest.raises(errors.InvalidInput) as emptied:
        await app.handle(commands.UpdateSystemSettings(OPERATOR, {missing: None}))
    assert emptied.value.code == "settings.email_incomplete"
    stored = await app.handle(commands.GetSystemSettings())
    assert getattr(stored, missing) == SMTP[missing]


async def test_without_a_field_key_a_password_is_refused_and_nothing_is_saved() -> None:
    app = memory_app()
    # As in production without B2_FIELD_ENCRYPTION_KEY (handlers are resolved at each command).
    app.container.register(settings_handlers.SecretSealer, instance=MissingCipher())
    changes = {**SMTP, "smtp_password": PASSWORD}
    with pytest.raises(errors.NotConfigured) as refused:
        await app.handle(commands.UpdateSystemSettings(OPERATOR, changes))
    assert refused.value.code == "settings.field_encryption_key_required"
    assert await app.handle(commands.GetSystemSettings()) == model.SystemSettings()
    assert await _entries(app) == []
