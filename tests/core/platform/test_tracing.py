"""The tracing port's pure parts: the no-op tracer and the attribute rule adapters share."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.platform import tracing

scalars = st.one_of(st.text(), st.booleans(), st.integers(), st.floats(allow_nan=False))
anything = st.one_of(
    scalars, st.none(), st.lists(st.integers()), st.dictionaries(st.text(), st.integers())
)


@given(st.dictionaries(st.text(), anything))
def test_clean_attributes_keeps_scalars_drops_none_and_renders_the_rest(
    raw: dict[str, object],
) -> None:
    cleaned = tracing.clean_attributes(raw)
    assert set(cleaned) == {k for k, v in raw.items() if v is not None}
    for key, value in cleaned.items():
        assert isinstance(value, str | bool | int | float)
        original = raw[key]
        assert value == (
            original if isinstance(original, str | bool | int | float) else str(original)
        )


def test_the_noop_tracer_runs_the_block_and_has_no_trace() -> None:
    tracer = tracing.NoopTracer()
    ran = []
    with tracer.span("work", {"a": 1}) as span:
        span.set_attribute("b", "two")
        span.record_error(ValueError("ignored"))
        ran.append(tracer.current_trace_id())
    assert ran == [None]


def test_the_noop_tracer_lets_errors_through() -> None:
    with pytest.raises(KeyError), tracing.NoopTracer().span("failing"):
        raise KeyError("boom")
