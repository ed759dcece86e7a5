"""Changing platform settings: validation codes, one audit entry per change, the cache follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.platform import cache, commands, model, settings_handlers, settings_rules
from b2core.shared import audit, errors, ids
from tests.support.memory_app import MemoryApp, memory_app

OPERATOR = audit.Actor.user(ids.UserId("operator-1"), "SUPER_ADMIN")


@pytest.fixture
async def app() -> MemoryApp:
    return memory_app()


async def _audit_entries(app: MemoryApp) -> list[audit.AuditEntry]:
    page = await app.handle(commands.ListAuditEntries(None))
    return list(page.items)


async def test_a_change_is_saved_and_audited_with_old_and_new_values(app: MemoryApp) -> None:
    changes = {"global_ai_enabled": False, "max_tenants": 5}
    updated = await app.handle(commands.UpdateSystemSettings(OPERATOR, changes, ip="198.51.100.2"))
    assert not updated.global_ai_enabled
    assert updated.max_tenants == 5
    assert updated.updated_at == app.clock.now()
    assert await app.handle(commands.GetSystemSettings()) == updated
    (entry,) = await _audit_entries(app)
    assert entry.action == "platform.settings_updated"
    assert entry.actor == OPERATOR
    assert entry.ip == "198.51.100.2"
    assert entry.metadata["changed"] == {
        "global_ai_enabled": {"old": True, "new": False},
        "max_tenants": {"old": 1000, "new": 5},
    }


async def test_setting_the_same_values_again_records_nothing(app: MemoryApp) -> None:
    await app.handle(commands.UpdateSystemSettings(OPERATOR, {"email_enabled": True}))
    await app.handle(commands.UpdateSystemSettings(OPERATOR, {"email_enabled": True}))
    assert len(await _audit_entries(app)) == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({}, "settings.empty_update"),
        ({"updated_at": None}, "settings.unknown_field"),
        ({"max_tenants": -1}, "settings.bad_value"),
        ({"max_tenants": True}, "settings.bad_value"),
        ({"global_ai_enabled": "no"}, "settings.bad_value"),
        ({"default_llm_model": " "}, "settings.bad_value"),
    ],
)
async def test_bad_changes_are_refused_with_a_code(
    app: MemoryApp, changes: dict[str, Any], code: str
) -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        await app.handle(commands.UpdateSystemSettings(OPERATOR, changes))
    assert refused.value.code == code
    assert await _audit_entries(app) == []


async def test_the_cache_of_this_process_sees_a_change_at_once(app: MemoryApp) -> None:
    settings_cache: cache.SettingsCache = app.container.resolve(cache.SettingsCache)
    assert (await settings_cache.current()).global_whatsapp_enabled
    await app.handle(commands.UpdateSystemSettings(OPERATOR, {"global_whatsapp_enabled": False}))
    assert not (await settings_cache.current()).global_whatsapp_enabled


async def test_growth_changes_and_the_public_view(app: MemoryApp) -> None:
    expiry = app.clock.now() + timedelta(days=1)
    changes = {
        "banner_message": " Eid sale ",
        "banner_expires_at": expiry,
        "facebook_pixel_id": "42",
    }
    await app.handle(commands.UpdateGrowthSettings(OPERATOR, changes))
    shown = await app.handle(commands.GetPublicGrowth())
    assert shown.facebook_pixel_id == "42"
    assert shown.banner == settings_handlers.Banner("Eid sale", None, expiry)
    (entry,) = await _audit_entries(app)
    assert entry.metadata["changed"] == ["banner_expires_at", "banner_message", "facebook_pixel_id"]

    app.clock.advance(timedelta(days=1))
    assert (await app.handle(commands.GetPublicGrowth())).banner is None
    stored = await app.handle(commands.GetGrowthSettings())
    assert stored.banner_message == "Eid sale"  # the operator still sees it

    await app.handle(commands.UpdateGrowthSettings(OPERATOR, {"facebook_pixel_id": None}))
    assert (await app.handle(commands.GetGrowthSettings())).facebook_pixel_id is None


def test_a_banner_without_text_or_coupon_is_not_shown() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    view = settings_handlers.public_view(model.GrowthSettings(google_analytics_id="G-1"), now)
    assert view.banner is None
    assert view.google_analytics_id == "G-1"


_NOT_BOOL = st.one_of(st.integers(), st.text(), st.none(), st.floats(allow_nan=False))
# The email server fields have rules of their own (tests/core/platform/test_email_settings.py).
_EMAIL_SERVER = {
    "email_provider",
    "smtp_host",
    "smtp_port",
    "smtp_username",
    "smtp_password",
    "smtp_security",
    "email_from",
}


@given(
    st.sampled_from(sorted(set(settings_rules.SYSTEM_FIELDS) - _EMAIL_SERVER)),
    st.booleans() | _NOT_BOOL,
)
def test_switches_take_only_booleans_and_counts_only_integers(field: str, value: object) -> None:
    sample = getattr(model.SystemSettings(), field)
    if isinstance(sample, bool):
        fits = isinstance(value, bool)
    elif isinstance(sample, int):
        fits = type(value) is int and 0 <= value <= settings_rules.MAX_COUNT
    else:
        fits = isinstance(value, str) and bool(settings_rules.NAME_PATTERN.match(value))
    if fits:
        assert settings_rules.checked({field: value}, settings_rules.SYSTEM_FIELDS) == {
            field: value
        }
        return
    with pytest.raises(errors.InvalidInput) as refused:
        settings_rules.checked({field: value}, settings_rules.SYSTEM_FIELDS)
    assert refused.value.code == "settings.bad_value"
