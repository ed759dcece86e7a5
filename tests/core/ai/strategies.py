"""Hypothesis strategies for the ai policies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

from b2core.ai import model

tiers = st.sampled_from(list(model.AiTier))
plans = st.sampled_from(list(model.AiPlan))
model_names = st.sampled_from([f"model-{i}" for i in range(8)])

# Instants from 1970 to 2200, in UTC or in a fixed offset (the policies convert to UTC).
instants = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(2200, 1, 1),
    timezones=st.one_of(
        st.just(UTC),
        st.integers(min_value=-14 * 60, max_value=14 * 60).map(
            lambda minutes: timezone(timedelta(minutes=minutes))
        ),
    ),
)

prices = st.integers(min_value=0, max_value=100_000)


@st.composite
def model_specs(draw: st.DrawFn, name: str | None = None) -> model.ModelSpec:
    """A model with a random tier and prices."""
    return model.ModelSpec(
        name=name if name is not None else draw(model_names),
        tier=draw(tiers),
        input_price_micro_per_1k=draw(prices),
        output_price_micro_per_1k=draw(prices),
    )


@st.composite
def catalogs(draw: st.DrawFn) -> model.ModelCatalog:
    """A catalog of 1 to 8 uniquely named models with random tiers and no configured defaults."""
    names = draw(st.lists(model_names, min_size=1, max_size=8, unique=True))
    return model.ModelCatalog(models=[draw(model_specs(name=name)) for name in names])
