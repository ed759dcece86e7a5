"""Bridge session supervision: the reconnect rules as properties, and worked sequences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from b2core.conversations import channel
from b2core.conversations import supervision as sv

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)
S = channel.SessionState
DOWN = (S.FAILED, S.STOPPED)

moments = st.integers(min_value=0, max_value=600).map(lambda s: T0 + timedelta(seconds=s))
records = st.builds(
    sv.SessionRecord,
    channel_id=st.just("ch-1"),
    last_state=st.none() | st.sampled_from(list(S)),
    dropped_at=st.none() | moments,
    reconnecting_since=st.none() | moments,
    logged_out=st.booleans(),
    reconnects=st.integers(min_value=0, max_value=5),
    paused=st.booleans(),
)
statuses = st.sampled_from(list(S)).map(channel.SessionStatus)


@given(records, statuses, st.booleans(), moments)
def test_the_rules_hold_for_any_record_and_status(
    record: sv.SessionRecord, observed: channel.SessionStatus, allowed: bool, now: datetime
) -> None:
    action, kept = sv.decide(record, observed, allowed=allowed, now=now)
    assert kept.last_state is observed.state
    if not allowed or record.paused:  # switches and a pause stop a session, never start it
        assert action is (sv.Action.NONE if observed.state in DOWN else sv.Action.STOP)
        return
    if action is sv.Action.RECONNECT:
        assert observed.state in DOWN
        assert not record.logged_out  # never after a logout
        in_flight = record.reconnecting_since is not None and (
            now - record.reconnecting_since < sv.RECONNECT_TIMEOUT
        )
        assert not in_flight  # never two at once
        assert record.dropped_at is not None
        assert now - record.dropped_at >= sv.RECONNECT_DELAY  # not before the delay
        assert kept.reconnecting_since == now
        assert kept.reconnects == record.reconnects + 1
    if observed.state is S.CONNECTED:
        assert action is sv.Action.NONE
        assert (kept.dropped_at, kept.reconnecting_since, kept.logged_out) == (None, None, False)


def _run(steps: list[tuple[int, channel.SessionState]], *, allowed: bool = True) -> list[sv.Action]:
    record, actions = sv.SessionRecord("ch-1"), []
    for second, state in steps:
        action, record = sv.decide(
            record,
            channel.SessionStatus(state),
            allowed=allowed,
            now=T0 + timedelta(seconds=second),
        )
        actions.append(action)
    return actions


def test_a_drop_is_reconnected_after_five_seconds_and_only_once_in_flight() -> None:
    actions = _run(
        [
            *[(0, S.CONNECTED), (10, S.FAILED), (14, S.FAILED), (15, S.FAILED), (16, S.FAILED)],
            *[(20, S.STARTING), (40, S.FAILED), (76, S.FAILED), (77, S.CONNECTED)],
        ]
    )
    wait, none, again = sv.Action.WAIT, sv.Action.NONE, sv.Action.RECONNECT
    assert actions == [none, wait, wait, again, none, none, none, again, none]


def test_a_logout_is_never_reconnected() -> None:
    actions = _run([(0, S.CONNECTED), (5, S.SCAN_QR), (10, S.STOPPED), (60, S.STOPPED)])
    assert sv.Action.RECONNECT not in actions


def test_a_session_that_was_never_linked_waits_for_its_scan() -> None:
    assert _run([(0, S.SCAN_QR), (30, S.SCAN_QR)]) == [sv.Action.NONE, sv.Action.NONE]


def test_the_kill_switch_stops_a_live_session() -> None:
    assert _run([(0, S.CONNECTED), (5, S.STOPPED)], allowed=False) == [
        sv.Action.STOP,
        sv.Action.NONE,
    ]


@given(records)
def test_records_round_trip_through_plain_data(record: sv.SessionRecord) -> None:
    assert sv.SessionRecord.from_json(record.to_json()) == record
