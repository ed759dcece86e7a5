"""Quiet hours: a message due inside them waits until they end, on the tenant's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given

from b2core.scheduling import quiet_hours
from b2core.shared import errors
from tests.core.scheduling import strategies as s

Quiet = quiet_hours.QuietHours


@given(start=s.hhmm, end=s.hhmm, at=s.times, zone=s.zones)
def test_next_allowed_is_the_first_moment_outside_quiet_hours(
    start: str, end: str, at: datetime, zone: str
) -> None:
    assume(start != end)
    quiet = Quiet(start, end)
    allowed = quiet.next_allowed(at, zone)
    assert not quiet.is_quiet(allowed, zone)
    if quiet.is_quiet(at, zone):
        assert at < allowed <= at + timedelta(hours=25)
        # Never later than needed: a minute earlier (on a whole minute) is still quiet.
        before = allowed - timedelta(minutes=1)
        assert before < at or quiet.is_quiet(before, zone)
    else:
        assert allowed == at


@pytest.mark.parametrize(
    ("start", "end", "local", "expected_local"),
    [
        ("22:00", "08:00", datetime(2026, 3, 2, 23, 15), datetime(2026, 3, 3, 8, 0)),
        ("22:00", "08:00", datetime(2026, 3, 3, 2, 0), datetime(2026, 3, 3, 8, 0)),
        ("22:00", "08:00", datetime(2026, 3, 3, 8, 0), datetime(2026, 3, 3, 8, 0)),
        ("22:00", "08:00", datetime(2026, 3, 2, 21, 59), datetime(2026, 3, 2, 21, 59)),
        ("12:00", "14:00", datetime(2026, 3, 2, 12, 0), datetime(2026, 3, 2, 14, 0)),
        ("12:00", "14:00", datetime(2026, 3, 2, 14, 1), datetime(2026, 3, 2, 14, 1)),
    ],
)
def test_examples_in_sao_paulo(
    start: str, end: str, local: datetime, expected_local: datetime
) -> None:
    zone = ZoneInfo("America/Sao_Paulo")
    at = local.replace(tzinfo=zone).astimezone(UTC)
    allowed = Quiet(start, end).next_allowed(at, "America/Sao_Paulo")
    assert allowed == expected_local.replace(tzinfo=zone).astimezone(UTC)


def test_a_repeated_end_time_is_taken_after_the_message_was_due() -> None:
    # New York, 2026-11-01: 01:00-02:00 happens twice. Due at 01:10 standard time (the second
    # pass), quiet until 01:30: wait until 01:30 standard time, not the earlier daylight one.
    zone = ZoneInfo("America/New_York")
    at = datetime(2026, 11, 1, 1, 10, tzinfo=zone, fold=1).astimezone(UTC)
    allowed = Quiet("00:00", "01:30").next_allowed(at, "America/New_York")
    assert allowed == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end"),
    [("24:00", "08:00"), ("8:00", "09:00"), ("09:00", "09:00"), ("09:60", "10:00"), ("", "10:00")],
)
def test_bad_quiet_hours_are_refused(start: str, end: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        Quiet(start, end)
    assert caught.value.code == "schedule.bad_quiet_hours"


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        Quiet("22:00", "08:00").is_quiet(datetime(2026, 1, 1, tzinfo=UTC), "Nowhere/Land")
    assert caught.value.code == "schedule.bad_timezone"
