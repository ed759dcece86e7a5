"""The pure rules of session claims: at most one live owner, whatever the order of requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.conversations import sessions
from b2core.shared import errors

START = datetime(2026, 1, 1, tzinfo=UTC)
OWNERS = ("a", "b", "c")

# One request: (milliseconds after the previous one, who asks, for how many milliseconds).
requests = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2_000),
        st.sampled_from(OWNERS),
        st.integers(min_value=1, max_value=1_000),
    ),
    max_size=40,
)


@given(requests)
def test_a_live_claim_is_never_taken_by_someone_else(steps: list[tuple[int, str, int]]) -> None:
    current: sessions.Claim | None = None
    now = START
    for gap, owner, ttl_ms in steps:
        now += timedelta(milliseconds=gap)
        ttl = timedelta(milliseconds=ttl_ms)
        taken = sessions.take(current, "s", owner, now, ttl)
        live_rival = current is not None and current.is_live(now) and current.owner != owner
        # Refused exactly when someone else holds a live claim; granted claims last ttl from now.
        assert (taken is None) == live_rival
        if taken is not None:
            assert taken.owner == owner
            assert taken.expires_at == now + ttl
            current = taken


def test_a_claim_is_live_until_its_expiry_instant() -> None:
    claim = sessions.Claim("s", "a", START + timedelta(seconds=1))
    assert claim.held_by("a", START)
    assert not claim.held_by("b", START)
    assert not claim.is_live(START + timedelta(seconds=1))
    assert claim.renewed(START, timedelta(seconds=5)).expires_at == START + timedelta(seconds=5)


@pytest.mark.parametrize(
    ("ttl", "beat"),
    [(timedelta(seconds=3), timedelta(seconds=1)), (timedelta(seconds=30), timedelta(seconds=10))],
)
def test_owners_beat_three_times_per_ttl(ttl: timedelta, beat: timedelta) -> None:
    assert sessions.heartbeat_interval(ttl) == beat


def test_a_claim_needs_a_valid_key_and_owner() -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        sessions.Claim("with space", "a", START)
    assert raised.value.code == "session_claim.bad_key"
    with pytest.raises(errors.InvalidInput) as raised:
        sessions.take(None, "s", "a", START, timedelta(0))
    assert raised.value.code == "session_claim.bad_ttl"
