"""UtcDateTime: aware datetimes go in, the same instants come back as aware UTC datetimes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from sqlalchemy import Column, Integer, MetaData, Table, delete, insert, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from b2adapters.sql import engine as sql_engine
from b2adapters.sql.types import UtcDateTime
from b2core.testing import strategies

pytestmark = pytest.mark.anyio

_metadata = MetaData()
_moments = Table(
    "b2test_utc_moments",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=True),
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def types_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('types') / 'types.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="module")
async def engine(anyio_backend: str, types_url: str) -> AsyncIterator[AsyncEngine]:
    engine = sql_engine.make_engine(types_url)
    async with engine.begin() as connection:
        await connection.run_sync(_metadata.create_all)
    yield engine
    async with engine.begin() as connection:
        await connection.run_sync(_metadata.drop_all)
    await engine.dispose()


async def _round_trip(engine: AsyncEngine, moment: datetime | None) -> datetime | None:
    async with engine.begin() as connection:
        await connection.execute(delete(_moments))
        await connection.execute(insert(_moments).values(id=1, at=moment))
        stored: datetime | None = await connection.scalar(select(_moments.c.at))
    return stored


@settings(max_examples=30, deadline=None)
@given(moment=strategies.instants())
async def test_aware_datetimes_come_back_as_the_same_instant_in_utc(
    engine: AsyncEngine, moment: datetime
) -> None:
    stored = await _round_trip(engine, moment)
    assert stored == moment
    assert stored is not None
    assert stored.tzinfo is UTC


async def test_an_offset_is_converted_not_dropped(engine: AsyncEngine) -> None:
    local = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5)))
    stored = await _round_trip(engine, local)
    assert stored == datetime(2026, 3, 1, 4, 30, 15, 123456, tzinfo=UTC)
    assert stored is not None
    assert stored.utcoffset() == timedelta(0)


async def test_null_stays_null(engine: AsyncEngine) -> None:
    assert await _round_trip(engine, None) is None


async def test_order_in_sql_follows_the_instants(engine: AsyncEngine) -> None:
    later_but_smaller_clock = datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=-5)))
    earlier = datetime(2026, 1, 1, 5, 0, tzinfo=UTC)
    async with engine.begin() as connection:
        await connection.execute(delete(_moments))
        await connection.execute(
            insert(_moments), [{"id": 1, "at": later_but_smaller_clock}, {"id": 2, "at": earlier}]
        )
        ids = (await connection.scalars(select(_moments.c.id).order_by(_moments.c.at))).all()
    assert ids == [2, 1]


async def test_naive_datetimes_are_refused(engine: AsyncEngine) -> None:
    with pytest.raises(sa_exc.StatementError) as caught:
        await _round_trip(engine, datetime(2026, 1, 1))
    assert isinstance(caught.value.orig, ValueError)
