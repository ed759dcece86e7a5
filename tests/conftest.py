"""Suite-wide fixtures: the async backend, real services and their per-run isolation."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

from tests.support import services


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Mark every ``async def`` test (Hypothesis-wrapped ones too) for the anyio plugin.

    Marking the function before pytest builds its items (rather than the items afterwards)
    keeps ``parametrize`` and the anyio backend parametrization working together.
    """
    if not (callable(obj) and name.startswith("test")):
        return
    inner = getattr(getattr(obj, "hypothesis", None), "inner_test", None)
    if inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(inner):
        pytest.mark.anyio(obj)


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
