"""Hypothesis strategies of the scheduling tests: template segments, values, phones, times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from b2core.scheduling import templating

names = st.from_regex(r"[a-z_][a-z0-9_]{0,39}", fullmatch=True)
any_text = st.text(max_size=30)
# Text without braces: whatever it renders to cannot look like a placeholder by itself.
plain_text = st.text(st.characters(exclude_characters="{}", codec="utf-8"), max_size=30)
segments = st.lists(
    st.one_of(any_text.map(templating.Literal), names.map(templating.Placeholder)), max_size=12
)
plain_segments = st.lists(
    st.one_of(plain_text.map(templating.Literal), names.map(templating.Placeholder)), max_size=12
)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=2))
ZONES = (
    "UTC",
    "America/Sao_Paulo",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # half-hour DST shift
    "Pacific/Chatham",
)
zones = st.sampled_from(ZONES)
hhmm = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


def normalized(parts: list[templating.Segment]) -> tuple[templating.Segment, ...]:
    """``parts`` as :func:`templating.parse` returns them: adjacent literals merged, no empty."""
    merged: list[templating.Segment] = []
    for part in parts:
        if isinstance(part, templating.Literal):
            if not part.text:
                continue
            if merged and isinstance(merged[-1], templating.Literal):
                merged[-1] = templating.Literal(merged[-1].text + part.text)
                continue
        merged.append(part)
    return tuple(merged)
