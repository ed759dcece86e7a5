"""The API under test on every backend, and the tally of the token attack suite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from b2app import settings
from tests.support import http_app, services
from tests.support.attack_tally import TALLY, AttackTally


@pytest.fixture(scope="session")
def api_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file shared by the run's API tests (they use unique emails)."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('api') / 'b2.db'}"
    services.run_sync(lambda: http_app.migrate(url))
    return url


@pytest.fixture(scope="session")
def api_postgres_url(postgres_url: str) -> Iterator[str]:
    """A migrated database of the API tests' own, on the server of ``postgres_url``.

    The API tests flip platform toggles (password reset, email verification); a database of
    their own keeps those from leaking into suites that share ``postgres_url``.
    """
    url = services.create_postgres_database(suffix="_api")
    services.run_sync(lambda: http_app.migrate(url))
    yield url
    services.drop_postgres_database(url)


@pytest.fixture(
    params=[
        pytest.param("memory"),
        pytest.param("sqlite"),
        pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
    ]
)
def api_config(request: pytest.FixtureRequest) -> settings.Settings:
    """The settings of one backend: all in memory, a SQLite file, or PostgreSQL with Redis."""
    if request.param == "memory":
        return http_app.api_settings("memory://")
    if request.param == "sqlite":
        return http_app.api_settings(request.getfixturevalue("api_sqlite_url"))
    return http_app.api_settings(
        request.getfixturevalue("api_postgres_url"),
        redis_url=request.getfixturevalue("redis_url"),
        redis_prefix=request.getfixturevalue("redis_prefix"),
    )


@pytest.fixture
async def api(api_config: settings.Settings) -> AsyncIterator[http_app.HttpApp]:
    """A running app on the backend of this parametrization, with its client."""
    async with http_app.running_app(api_config) as running:
        yield running


@pytest.fixture(scope="session")
def attack_tally(request: pytest.FixtureRequest) -> AttackTally:
    """The run's tally of token attacks, printed in the terminal summary."""
    return request.config.stash.setdefault(TALLY, AttackTally())
