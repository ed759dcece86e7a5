"""Human-like timing, per-recipient pace and outbound idempotency keys (pure rules)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.conversations import policy
from b2core.shared import errors, ids
from tests.core.conversations.support import T0

HUMAN = policy.HumanLike()
lengths = st.integers(min_value=0, max_value=20_000)
jitters = st.floats(min_value=0.0, max_value=1.0)


def test_defaults_follow_the_documented_formula() -> None:
    # 1.5 s + 40 ms x 50 characters = 3.5 s, without jitter (the middle of the range).
    assert HUMAN.typing_delay(50) == timedelta(seconds=3.5)
    assert HUMAN.typing_delay(0) == timedelta(seconds=1.5)
    assert HUMAN.typing_delay(5_000) == timedelta(seconds=8)  # clamped
    assert HUMAN.typing_delay(50, jitter=0.0) == timedelta(seconds=2.8)  # 3.5 s - 20 %
    assert HUMAN.typing_delay(50, jitter=1.0) == timedelta(seconds=4.2)  # 3.5 s + 20 %


@given(length=lengths, jitter=st.floats(allow_nan=True, allow_infinity=True))
def test_typing_delay_stays_within_bounds_for_any_jitter(length: int, jitter: float) -> None:
    assert timedelta(seconds=1) <= HUMAN.typing_delay(length, jitter) <= timedelta(seconds=8)


@given(a=lengths, b=lengths, jitter=jitters)
def test_typing_delay_never_decreases_as_the_reply_grows(a: int, b: int, jitter: float) -> None:
    short, long = sorted((a, b))
    assert HUMAN.typing_delay(short, jitter) <= HUMAN.typing_delay(long, jitter)


@given(jitter=st.floats(allow_nan=True, allow_infinity=True))
def test_read_receipt_after_one_to_three_seconds(jitter: float) -> None:
    assert timedelta(seconds=1) <= HUMAN.read_delay(jitter) <= timedelta(seconds=3)


def test_plan_is_deterministic_with_an_injected_jitter_source() -> None:
    draws = iter([0.5, 1.0])
    plan = HUMAN.plan("x" * 100, lambda: next(draws))
    # read at 2 s, typing from then, send after (1.5 s + 4 s) x 1.2 = 6.6 s of typing
    assert plan == policy.ReplyPlan(
        timedelta(seconds=2), timedelta(seconds=2), timedelta(seconds=8.6)
    )


def test_inconsistent_bounds_are_refused() -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        policy.HumanLike(min_delay=timedelta(seconds=9))
    assert caught.value.code == "policy.bad_delay"


def test_first_message_to_a_recipient_goes_at_once() -> None:
    assert policy.earliest_send(T0, None) == T0


def test_next_message_waits_for_the_recipient_gap() -> None:
    assert policy.earliest_send(T0, T0 - timedelta(seconds=2)) == T0 + timedelta(seconds=4)
    assert policy.earliest_send(T0, T0 - timedelta(seconds=60)) == T0


@given(
    requests=st.lists(
        st.integers(min_value=0, max_value=30_000).map(lambda ms: timedelta(milliseconds=ms)),
        min_size=1,
        max_size=30,
    )
)
def test_pace_never_allows_two_sends_closer_than_six_seconds(
    requests: list[timedelta],
) -> None:
    # Sends requested at arbitrary moments (in the order the worker picks them up).
    last = None
    sent = []
    for offset in requests:
        at = policy.earliest_send(T0 + offset, last)
        assert at >= T0 + offset
        sent.append(at)
        last = at
    for earlier, later in pairwise(sent):
        assert later - earlier >= policy.RECIPIENT_GAP


TENANT, CONVERSATION = ids.TenantId("t-1"), ids.ConversationId("c-1")


def test_outbound_key_is_stable_across_processes() -> None:
    key = policy.outbound_key(TENANT, CONVERSATION, "wamid.1", 2)
    code = (
        "from b2core.conversations import policy;"
        "print(policy.outbound_key('t-1', 'c-1', 'wamid.1', 2))"
    )
    # A fresh interpreter has another hash seed: the key must not depend on it.
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert key == other
    assert key.startswith("out_")
    assert len(key) == 44


@given(
    parts=st.tuples(
        st.text(min_size=1), st.text(min_size=1), st.text(min_size=1), st.integers(0, 10**6)
    ),
    others=st.tuples(
        st.text(min_size=1), st.text(min_size=1), st.text(min_size=1), st.integers(0, 10**6)
    ),
)
def test_outbound_key_is_the_same_for_the_same_cause_only(
    parts: tuple[str, str, str, int], others: tuple[str, str, str, int]
) -> None:
    def key(p: tuple[str, str, str, int]) -> str:
        return policy.outbound_key(ids.TenantId(p[0]), ids.ConversationId(p[1]), p[2], p[3])

    assert key(parts) == key(parts)
    assert (key(parts) == key(others)) is (parts == others)


def test_outbound_key_separates_fields_unambiguously() -> None:
    assert policy.outbound_key(ids.TenantId("a"), ids.ConversationId("bc"), "d") != (
        policy.outbound_key(ids.TenantId("ab"), ids.ConversationId("c"), "d")
    )


@pytest.mark.parametrize("sequence", [-1, True, 1.5])
def test_outbound_key_refuses_a_bad_sequence(sequence: object) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        policy.outbound_key(TENANT, CONVERSATION, "cause", sequence)  # type: ignore[arg-type]
    assert caught.value.code == "policy.bad_key"
