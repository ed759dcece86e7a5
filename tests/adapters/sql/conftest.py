"""Empty databases for the SQL adapter tests: a SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.support import services

_numbers = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The URL of a database with no tables, on SQLite and on the real PostgreSQL."""
    if request.param == "sqlite":
        # A directory that does not exist yet: make_engine must create it.
        yield f"sqlite:///{tmp_path_factory.mktemp('sql') / 'nested' / 'b2.db'}"
        return
    request.getfixturevalue("postgres_url")  # skips or fails like every PostgreSQL test
    url = services.create_postgres_database(suffix=f"_sql{next(_numbers)}")
    yield url
    services.drop_postgres_database(url)
