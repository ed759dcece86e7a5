"""Suite-wide fixtures: the async backend, real services and their per-run isolation."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

from tests.support import services


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run every ``async def`` test (Hypothesis-wrapped ones too) on the anyio plugin."""
    for item in items:
        function = getattr(item, "function", None)
        inner = getattr(getattr(function, "hypothesis", None), "inner_test", None)
        if inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(inner):
            item.add_marker(pytest.mark.anyio)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a database created for this run and dropped after it."""
    url = services.create_postgres_database()
    yield url
    services.drop_postgres_database(url)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of the real Redis; keys under :func:`redis_prefix` are removed after the run."""
    try:
        services.run_sync(services.check_redis)
    except Exception as exc:
        services.unavailable("Redis", exc)
    yield services.REDIS_URL
    services.run_sync(lambda: services.purge_redis_prefix(services.redis_prefix()))


@pytest.fixture(scope="session")
def redis_prefix() -> str:
    """Key prefix isolating this run from any other user of the same Redis."""
    return services.redis_prefix()
