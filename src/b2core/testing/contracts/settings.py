"""Contract of ``b2core.platform.ports.SettingsRepository``: the two settings singletons.

Run it against your adapter by star-importing it into a test module that defines the
``uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.settings import *  # noqa: F403

The UoW must satisfy ``b2core.platform.ports.PlatformUoW``, and each call of the factory must
give one over a store where neither singleton exists yet (a new store, or emptied tables).
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings

from b2core.platform import model, ports
from b2core.testing import strategies
from b2core.testing.contracts import MOMENT, UowFactory

__all__ = [
    "pytestmark",
    "test_any_growth_settings_round_trip",
    "test_any_system_settings_round_trip",
    "test_ensure_is_idempotent_and_true_exactly_once",
    "test_ensure_keeps_what_is_stored",
    "test_racing_ensures_create_exactly_one",
    "test_settings_are_absent_before_bootstrap",
]

pytestmark = pytest.mark.anyio


async def _fresh(uow_factory: UowFactory) -> ports.PlatformUoW:
    uow: ports.PlatformUoW = await uow_factory()
    return uow


async def _ensure_both(uow: ports.PlatformUoW) -> tuple[bool, bool]:
    async with uow.platform() as tx:
        system = await tx.settings.ensure_system(model.SystemSettings(updated_at=MOMENT))
        growth = await tx.settings.ensure_growth(model.GrowthSettings(updated_at=MOMENT))
        await tx.commit()
    return system, growth


async def test_settings_are_absent_before_bootstrap(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    async with uow.platform() as tx:
        assert await tx.settings.system() is None
        assert await tx.settings.growth() is None


async def test_ensure_is_idempotent_and_true_exactly_once(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    results = [await _ensure_both(uow) for _ in range(3)]
    assert results == [(True, True), (False, False), (False, False)]
    async with uow.platform() as tx:
        assert await tx.settings.system() == model.SystemSettings(updated_at=MOMENT)
        assert await tx.settings.growth() == model.GrowthSettings(updated_at=MOMENT)


async def test_ensure_keeps_what_is_stored(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    stored = model.SystemSettings(global_ai_enabled=False, max_tenants=7, updated_at=MOMENT)
    banner = model.GrowthSettings(banner_message="sale", updated_at=MOMENT)
    async with uow.platform() as tx:
        await tx.settings.save_system(stored)
        await tx.settings.save_growth(banner)
        await tx.commit()
    assert await _ensure_both(uow) == (False, False)
    async with uow.platform() as tx:
        assert await tx.settings.system() == stored
        assert await tx.settings.growth() == banner


async def test_racing_ensures_create_exactly_one(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    results = await asyncio.gather(*(_ensure_both(uow) for _ in range(6)))
    assert sorted(system for system, _ in results) == [False] * 5 + [True]
    assert sorted(growth for _, growth in results) == [False] * 5 + [True]


@settings(max_examples=20, deadline=None)
@given(first=strategies.system_settings(), second=strategies.system_settings())
async def test_any_system_settings_round_trip(
    uow_factory: UowFactory, first: model.SystemSettings, second: model.SystemSettings
) -> None:
    uow = await _fresh(uow_factory)
    for saved in (first, second):  # the second save replaces the first entirely
        async with uow.platform() as tx:
            await tx.settings.save_system(saved)
            await tx.commit()
        async with uow.platform() as tx:
            assert await tx.settings.system() == saved


@settings(max_examples=20, deadline=None)
@given(first=strategies.growth_settings(), second=strategies.growth_settings())
async def test_any_growth_settings_round_trip(
    uow_factory: UowFactory, first: model.GrowthSettings, second: model.GrowthSettings
) -> None:
    uow = await _fresh(uow_factory)
    for saved in (first, second):
        async with uow.platform() as tx:
            await tx.settings.save_growth(saved)
            await tx.commit()
        async with uow.platform() as tx:
            assert await tx.settings.growth() == saved
