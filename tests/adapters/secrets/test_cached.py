"""The secrets cache: one back-end read per TTL, explicit invalidation, stale on outage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2adapters.secrets.cached import CachedSecrets
from b2core.shared import errors

pytestmark = pytest.mark.anyio
TTL = timedelta(minutes=5)


@attrs.define
class ManualClock:
    moment: datetime = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


@attrs.define
class CountingSecrets:
    values: dict[str, str] = attrs.field(factory=dict)
    calls: int = 0
    down: bool = False

    async def get(self, name: str) -> str | None:
        self.calls += 1
        if self.down:
            raise errors.Unavailable("down", code="secrets.unavailable")
        return self.values.get(name)


async def test_reads_within_the_ttl_hit_the_back_end_once() -> None:
    clock, inner = ManualClock(), CountingSecrets({"jwt_secret": "v1"})
    cache = CachedSecrets(inner, clock, TTL)
    assert await cache.get("jwt_secret") == "v1"
    inner.values["jwt_secret"] = "v2"
    clock.moment += TTL - timedelta(seconds=1)
    assert await cache.get("jwt_secret") == "v1"
    assert inner.calls == 1
    clock.moment += timedelta(seconds=1)
    assert await cache.get("jwt_secret") == "v2"
    assert inner.calls == 2


async def test_misses_are_cached_and_invalidate_forgets() -> None:
    clock, inner = ManualClock(), CountingSecrets()
    cache = CachedSecrets(inner, clock, TTL)
    assert await cache.get("a") is None
    inner.values.update(a="now set", b="b")
    assert await cache.get("a") is None
    cache.invalidate("a")
    assert await cache.get("a") == "now set"
    assert await cache.get("b") == "b"
    inner.values.update(a="a2", b="b2")
    cache.invalidate()
    assert (await cache.get("a"), await cache.get("b")) == ("a2", "b2")


async def test_stale_values_cover_an_outage_only_within_the_window() -> None:
    clock, inner = ManualClock(), CountingSecrets({"k": "v"})
    cache = CachedSecrets(inner, clock, TTL, serve_stale_for=timedelta(minutes=10))
    assert await cache.get("k") == "v"
    inner.down = True
    clock.moment += TTL + timedelta(minutes=9)
    assert await cache.get("k") == "v"
    clock.moment += timedelta(minutes=1)
    with pytest.raises(errors.Unavailable):
        await cache.get("k")
    with pytest.raises(errors.Unavailable):
        await CachedSecrets(inner, clock, TTL).get("never_read")


async def test_a_clock_that_goes_back_reloads_and_bad_settings_are_refused() -> None:
    clock, inner = ManualClock(), CountingSecrets({"k": "v"})
    cache = CachedSecrets(inner, clock, TTL)
    await cache.get("k")
    clock.moment -= timedelta(seconds=1)
    await cache.get("k")
    assert inner.calls == 2
    with pytest.raises(errors.InvalidInput):
        CachedSecrets(inner, clock, timedelta(seconds=-1))
    with pytest.raises(errors.InvalidInput):
        await cache.get("bad name")


@given(steps=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=30))
async def test_the_back_end_is_read_exactly_when_the_entry_has_expired(steps: list[int]) -> None:
    clock, inner = ManualClock(), CountingSecrets({"k": "v"})
    cache = CachedSecrets(inner, clock, TTL)
    loaded_at: datetime | None = None
    expected = 0
    for seconds in steps:
        clock.moment += timedelta(seconds=seconds)
        if loaded_at is None or clock.moment - loaded_at >= TTL:
            loaded_at, expected = clock.moment, expected + 1
        assert await cache.get("k") == "v"
        assert inner.calls == expected
