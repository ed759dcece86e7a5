"""Bootstrap under concurrency: racing tasks and processes create each singleton exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate
from b2adapters.sql.schema import iam, platform
from b2core.iam import model
from b2core.testing import contracts
from tests.integration import bootstrap_worker
from tests.support import services

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
_suffixes = iter(range(1_000_000))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it yet: a SQLite file, or a fresh database on the real server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'b2.db'}"
        return
    request.getfixturevalue("postgres_url")  # skips or fails like every PostgreSQL test
    url = services.create_postgres_database(suffix=f"_boot{next(_suffixes)}")
    yield url
    services.drop_postgres_database(url)


async def _stored(url: str, email: str) -> dict[str, int | None]:
    engine = sql_engine.make_engine(url)
    admins = (
        select(func.count())
        .select_from(iam.users)
        .where(iam.users.c.email == email, iam.users.c.role == model.Role.SUPER_ADMIN.value)
    )
    try:
        async with engine.connect() as connection:
            return {
                "system": await connection.scalar(
                    select(func.count()).select_from(platform.system_settings)
                ),
                "growth": await connection.scalar(
                    select(func.count()).select_from(platform.growth_settings)
                ),
                "admin": await connection.scalar(admins),
            }
    finally:
        await engine.dispose()


def _created(reports: list[dict[str, Any]]) -> dict[str, int]:
    return {
        key: sum(bool(report[key]) for report in reports) for key in ("system", "growth", "admin")
    }


async def test_ten_tasks_in_one_process_create_each_thing_once(empty_url: str) -> None:
    email = contracts.unique_email("admin@example.com")
    await migrate.upgrade(empty_url)
    reports = await bootstrap_worker.race(empty_url, email, tasks=10)
    assert len(reports) == 10
    assert _created(reports) == {"system": 1, "growth": 1, "admin": 1}
    assert await _stored(empty_url, email) == {"system": 1, "growth": 1, "admin": 1}


async def test_two_processes_create_each_thing_once(empty_url: str) -> None:
    # Both processes also migrate the empty database at the same moment.
    email = contracts.unique_email("admin@example.com")
    workers = [_start_worker(empty_url, email, tasks=5) for _ in range(2)]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=60) for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    for worker, (_, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr
    reports = [report for stdout, _ in outputs for report in json.loads(stdout)]
    assert len(reports) == 10
    assert _created(reports) == {"system": 1, "growth": 1, "admin": 1}
    assert await _stored(empty_url, email) == {"system": 1, "growth": 1, "admin": 1}
    assert await migrate.current(empty_url) == migrate.heads()


def _start_worker(url: str, email: str, tasks: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.bootstrap_worker", url, email, str(tasks)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
