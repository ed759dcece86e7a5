"""The settings cache: fresh for at most a second, dropped at once by ``invalidate()``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import attrs
import pytest

from b2adapters.memory.clock import ManualClock
from b2core.platform import cache, model
from b2core.shared import errors


@attrs.define
class _Source:
    """A settings store that counts its reads and can change behind the cache's back."""

    stored: model.SystemSettings | None = None
    reads: int = 0
    during_read: Any = None

    @asynccontextmanager
    async def platform(self) -> AsyncIterator[Any]:
        yield self

    @property
    def settings(self) -> Any:
        return self

    async def system(self) -> model.SystemSettings | None:
        self.reads += 1
        found = self.stored
        if self.during_read is not None:
            self.during_read()
        return found


async def test_an_entry_is_reused_until_one_second_has_passed() -> None:
    source, clock = _Source(model.SystemSettings(global_ai_enabled=True)), ManualClock()
    settings_cache = cache.SettingsCache(source, clock)
    assert (await settings_cache.current()).global_ai_enabled
    source.stored = model.SystemSettings(global_ai_enabled=False)
    clock.advance(timedelta(milliseconds=999))
    assert (await settings_cache.current()).global_ai_enabled  # still the cached copy
    assert source.reads == 1
    clock.advance(timedelta(milliseconds=1))
    assert not (await settings_cache.current()).global_ai_enabled  # expired: read again
    assert source.reads == 2


async def test_invalidate_makes_the_next_read_load() -> None:
    source, clock = _Source(model.SystemSettings()), ManualClock()
    settings_cache = cache.SettingsCache(source, clock)
    await settings_cache.current()
    source.stored = model.SystemSettings(global_whatsapp_enabled=False)
    settings_cache.invalidate()
    assert not (await settings_cache.current()).global_whatsapp_enabled
    assert source.reads == 2


async def test_a_load_overtaken_by_invalidate_is_not_kept() -> None:
    source, clock = _Source(model.SystemSettings(global_ai_enabled=True)), ManualClock()
    settings_cache = cache.SettingsCache(source, clock)

    def change_while_loading() -> None:
        source.stored = model.SystemSettings(global_ai_enabled=False)
        settings_cache.invalidate()

    source.during_read = change_while_loading
    assert (await settings_cache.current()).global_ai_enabled  # the read began before the change
    source.during_read = None
    assert not (await settings_cache.current()).global_ai_enabled
    assert source.reads == 2


async def test_a_clock_that_goes_back_expires_the_entry() -> None:
    source, clock = _Source(model.SystemSettings()), ManualClock()
    settings_cache = cache.SettingsCache(source, clock)
    await settings_cache.current()
    clock.advance(timedelta(seconds=-5))
    await settings_cache.current()
    assert source.reads == 2


async def test_defaults_before_bootstrap() -> None:
    settings_cache = cache.SettingsCache(_Source(None), ManualClock())
    assert await settings_cache.current() == model.SystemSettings()


@pytest.mark.parametrize("ttl", [timedelta(seconds=2), timedelta(milliseconds=-1)])
def test_a_ttl_over_one_second_is_refused(ttl: timedelta) -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        cache.SettingsCache(_Source(), ManualClock(), ttl)
    assert refused.value.code == "settings.bad_ttl"
