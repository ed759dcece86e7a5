"""Scheduling rules: E.164 phones, send times, the service window and retry delays."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.scheduling import policy
from b2core.shared import errors
from tests.core.scheduling import strategies as s
from tests.core.scheduling.support import T0

E164 = re.compile(r"\+[1-9][0-9]{7,14}")
digits = st.text("0123456789", min_size=0, max_size=20)


def bad_phone(raw: object) -> bool:
    try:
        policy.normalize_phone(raw)
    except errors.InvalidInput as exc:
        code: str | None = exc.code
    else:
        code = None
    assert code in {None, "schedule.bad_phone"}
    return code is not None


@given(first=st.sampled_from("123456789"), rest=st.text("0123456789", min_size=7, max_size=14))
def test_e164_numbers_are_accepted_as_they_are(first: str, rest: str) -> None:
    phone = f"+{first}{rest}"
    assert policy.normalize_phone(phone) == phone
    assert policy.is_e164(phone)


@given(number=st.from_regex(E164, fullmatch=True), data=st.data())
def test_spaces_dashes_dots_and_parentheses_are_dropped(number: str, data: st.DataObject) -> None:
    noisy = "+"
    for digit in number[1:]:
        noisy += digit + data.draw(st.sampled_from(["", " ", "-", ".", "(", ")"]))
    assert policy.normalize_phone(f"  {noisy} ") == number


@given(raw=st.one_of(digits, digits.map(lambda d: "+" + d), st.text(max_size=20)))
def test_anything_else_is_refused(raw: str) -> None:
    cleaned = re.sub(r"[\s().-]", "", raw)
    assert bad_phone(raw) == (E164.fullmatch(cleaned) is None)


@pytest.mark.parametrize(
    "raw",
    [
        "5511987654321",
        "+0511987654321",
        "+1234567",
        "+1234567890123456",
        "+55 11 9876-ABCD",
        "",
        "++5511987654321",
        "+" + "\uff15" * 13,  # full-width digits
        None,
        5511987654321,
    ],
)
def test_examples_of_bad_phones(raw: object) -> None:
    assert bad_phone(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T09:30:00-03:00", datetime(2026, 3, 2, 12, 30, tzinfo=UTC)),
        ("2026-03-02T12:30:00Z", datetime(2026, 3, 2, 12, 30, tzinfo=UTC)),
        ("2026-03-02 14:30+02:00", datetime(2026, 3, 2, 12, 30, tzinfo=UTC)),
        # Without an offset: the tenant's wall clock (Sao Paulo is UTC-3 all year now).
        ("2026-03-02T09:30:00", datetime(2026, 3, 2, 12, 30, tzinfo=UTC)),
    ],
)
def test_send_times_are_iso_8601_and_stored_in_utc(text: str, expected: datetime) -> None:
    parsed = policy.parse_send_at(text, "America/Sao_Paulo")
    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_aware_datetimes_are_converted_and_naive_ones_are_local() -> None:
    aware = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=-3)))
    assert policy.parse_send_at(aware, "UTC") == datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
    naive = datetime(2026, 7, 1, 9, 0)
    assert policy.parse_send_at(naive, "Europe/Berlin") == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("tomorrow at 9", "UTC"),
        ("2026-03-02", "UTC"),
        ("2026-13-02T09:30:00Z", "UTC"),
        ("2026-03-02T09:30:00." + "0" * 60 + "Z", "UTC"),
        # 02:30 does not exist in New York on 2026-03-08: the clocks jump from 02:00 to 03:00.
        ("2026-03-08T02:30:00", "America/New_York"),
        ("2026-03-02T09:30:00", "Mars/Olympus_Mons"),
    ],
)
def test_bad_send_times_are_refused(text: str, zone: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        policy.parse_send_at(text, zone)
    assert caught.value.code == "schedule.bad_time"


def test_an_ambiguous_wall_time_is_the_earlier_instant() -> None:
    # 01:30 happens twice in New York on 2026-11-01; the first one is still daylight time.
    parsed = policy.parse_send_at("2026-11-01T01:30:00", "America/New_York")
    assert parsed == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


@given(offset=st.timedeltas(min_value=timedelta(days=-400), max_value=timedelta(days=400)))
def test_send_times_must_be_ahead_but_not_too_far(offset: timedelta) -> None:
    try:
        policy.check_send_at(T0 + offset, T0)
    except errors.InvalidInput as exc:
        code: str | None = exc.code
    else:
        code = None
    if offset < -policy.PAST_GRACE:
        assert code == "schedule.in_past"
    elif offset > policy.MAX_AHEAD:
        assert code == "schedule.too_far"
    else:
        assert code is None


@given(now=s.times, ago=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)))
def test_the_service_window_is_open_for_24_hours_after_the_customer_wrote(
    now: datetime, ago: timedelta
) -> None:
    assert policy.window_open(now - ago, now) == (ago < timedelta(hours=24))
    assert not policy.window_open(None, now)


def test_retries_wait_longer_each_time() -> None:
    assert [policy.retry_delay(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=4),
        timedelta(minutes=16),
    ]
