"""Delivery states never move backwards, whatever order the channel's reports arrive in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.conversations import delivery

State = delivery.DeliveryState
ORDER = [State.QUEUED, State.SENT, State.DELIVERED, State.READ]
reached = st.lists(st.sampled_from(ORDER), max_size=12)


@pytest.mark.parametrize(
    ("current", "incoming", "expected"),
    [
        (State.QUEUED, State.SENT, State.SENT),
        (State.SENT, State.DELIVERED, State.DELIVERED),
        (State.DELIVERED, State.READ, State.READ),
        (State.QUEUED, State.READ, State.READ),  # reports may skip states
        (State.READ, State.DELIVERED, State.READ),  # a late DELIVERED after READ is ignored
        (State.DELIVERED, State.SENT, State.DELIVERED),
        (State.QUEUED, State.FAILED, State.FAILED),
        (State.SENT, State.FAILED, State.FAILED),
        (State.DELIVERED, State.FAILED, State.DELIVERED),  # cannot undo a delivery
        (State.READ, State.FAILED, State.READ),
        (State.FAILED, State.READ, State.FAILED),  # FAILED is terminal
        (State.FAILED, State.SENT, State.FAILED),
    ],
)
def test_advance(current: State, incoming: State, expected: State) -> None:
    assert delivery.advance(current, incoming) is expected
    assert delivery.is_progress(current, incoming) is (expected is not current)


@given(reports=reached, data=st.data())
def test_final_state_is_the_highest_reached_in_any_arrival_order(
    reports: list[State], data: st.DataObject
) -> None:
    arrival = data.draw(st.permutations(reports))
    final = delivery.fold(State.QUEUED, arrival)
    assert final is max([State.QUEUED, *reports], key=ORDER.index)


@given(reports=st.lists(st.sampled_from(list(State)), max_size=12))
def test_never_moves_backwards(reports: list[State]) -> None:
    state = State.QUEUED
    for report in reports:
        after = delivery.advance(state, report)
        if state is State.FAILED:
            assert after is State.FAILED
        elif after is not State.FAILED:
            assert ORDER.index(after) >= ORDER.index(state)
        else:
            assert state in {State.QUEUED, State.SENT}
        state = after


@given(reports=st.lists(st.sampled_from(list(State)), max_size=12))
def test_failed_wins_only_when_it_comes_before_any_delivery(reports: list[State]) -> None:
    final = delivery.fold(State.QUEUED, reports)
    before_failure = reports[: reports.index(State.FAILED)] if State.FAILED in reports else None
    delivered = {State.DELIVERED, State.READ}
    expect_failed = before_failure is not None and not delivered & set(before_failure)
    assert (final is State.FAILED) is expect_failed


@given(reports=st.lists(st.sampled_from(list(State)), max_size=12))
def test_applying_every_report_twice_changes_nothing(reports: list[State]) -> None:
    doubled = [r for report in reports for r in (report, report)]
    assert delivery.fold(State.QUEUED, doubled) is delivery.fold(State.QUEUED, reports)
