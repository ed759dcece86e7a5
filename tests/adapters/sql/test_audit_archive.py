"""Audit archival: batches to gzip JSON Lines, verified before deletion, safe across crashes.

The acceptance test runs on PostgreSQL with 100,000 rows; the smaller cases run on SQLite.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate
from b2adapters.sql import uow as sql_uow
from b2adapters.sql.audit_archive import SqlAuditArchive
from b2adapters.sql.schema import platform as tables
from b2app import audit_archive
from b2core.shared import errors
from tests.support import services

CUTOFF = datetime(2026, 1, 1, tzinfo=UTC)
# Rows 1..n, one second apart from 2025-01-01: all before CUTOFF. Ids sort like the numbers.
_BULK = text(
    """
    INSERT INTO audit_logs (id, at, actor_kind, action, tenant_id, metadata)
    SELECT '00000000-0000-7000-8000-' || lpad(i::text, 12, '0'),
           timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second',
           'system', 'test.bulk',
           CASE WHEN i % 2 = 0 THEN 'tenant-even' END,
           CAST('{"n": ' || i || '}' AS json)
    FROM generate_series(1, :n) AS i
    """
)


class Crash(Exception):
    """The simulated crash."""


def crash_at(step: str, batch: int) -> audit_archive.Checkpoint:
    def checkpoint(done: str, number: int) -> None:
        if (done, number) == (step, batch):
            raise Crash(f"crash after {step} of batch {number}")

    return checkpoint


def archived_ids(directory: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(directory.glob("audit-*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            found += [json.loads(line)["id"] for line in handle]
    return found


def partial_files(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(audit_archive.TEMP_PREFIX)]


async def old_rows(uow: sql_uow.SqlUnitOfWork) -> int:
    return await SqlAuditArchive(uow).count_before(CUTOFF)


@pytest.fixture
async def pg_uow(postgres_url: str) -> AsyncIterator[sql_uow.SqlUnitOfWork]:
    url = services.create_postgres_database(suffix="_archive")
    await migrate.upgrade(url)
    engine = sql_engine.make_engine(url)
    yield sql_uow.SqlUnitOfWork(engine)
    await engine.dispose()
    services.drop_postgres_database(url)


@pytest.mark.postgres
async def test_100k_rows_survive_two_crashes_without_loss_or_duplicates(
    pg_uow: sql_uow.SqlUnitOfWork, tmp_path: Path
) -> None:
    # Given 100,000 old rows and a few recent ones that must stay
    async with pg_uow.engine.begin() as connection:
        await connection.execute(_BULK, {"n": 100_000})
        await connection.execute(
            text(
                "INSERT INTO audit_logs (id, at, actor_kind, action, metadata) "
                "SELECT 'recent-' || i, now(), 'system', 'test.recent', CAST('{}' AS json) "
                "FROM generate_series(1, 10) AS i"
            )
        )
    archive = SqlAuditArchive(pg_uow)

    # When a run crashes after writing batch 3 (before its delete)
    first = audit_archive.AuditArchiver(archive, tmp_path, 5000, crash_at("written", 3))
    with pytest.raises(Crash):
        await first.run(CUTOFF)
    assert await old_rows(pg_uow) == 100_000 - 2 * 5000
    # and the next run, with another batch size, crashes after deleting its batch 4
    second = audit_archive.AuditArchiver(archive, tmp_path, 7000, crash_at("deleted", 4))
    with pytest.raises(Crash):
        await second.run(CUTOFF)
    # and a third run finishes
    summary = await audit_archive.AuditArchiver(archive, tmp_path, 7000).run(CUTOFF)

    # Then every old row is in exactly one file and none is left in the table
    ids = archived_ids(tmp_path)
    assert len(ids) == 100_000
    assert len(set(ids)) == 100_000
    assert await old_rows(pg_uow) == 0
    assert summary.reconciled_files == 0
    assert summary.archived == 100_000 - 2 * 5000 - 5000 - 4 * 7000
    async with pg_uow.engine.connect() as connection:
        left = await connection.execute(select(func.count()).select_from(tables.audit_logs))
        assert left.scalar_one() == 10
    assert partial_files(tmp_path) == []
    # A run with nothing to do changes nothing.
    idle = await audit_archive.AuditArchiver(archive, tmp_path, 7000).run(CUTOFF)
    assert (idle.batches, idle.archived, idle.reconciled_rows) == (0, 0, 0)


@pytest.fixture
async def sqlite_uow(tmp_path: Path) -> AsyncIterator[sql_uow.SqlUnitOfWork]:
    url = f"sqlite:///{tmp_path / 'b2.db'}"
    await migrate.upgrade(url)
    engine = sql_engine.make_engine(url)
    async with engine.begin() as connection:
        for i in range(1, 31):
            await connection.execute(
                tables.audit_logs.insert().values(
                    id=f"id-{i:03d}",
                    at=CUTOFF - timedelta(days=40 - i),
                    actor_kind="system",
                    action="test.small",
                    metadata={"i": i},
                )
            )
    yield sql_uow.SqlUnitOfWork(engine)
    await engine.dispose()


async def test_a_rerun_after_a_crash_before_delete_reuses_the_identical_file(
    sqlite_uow: sql_uow.SqlUnitOfWork, tmp_path: Path
) -> None:
    archive, folder = SqlAuditArchive(sqlite_uow), tmp_path / "archive"
    cutoff = CUTOFF - timedelta(days=20)  # rows 1..19 are older
    with pytest.raises(Crash):
        await audit_archive.AuditArchiver(archive, folder, 10, crash_at("written", 1)).run(cutoff)
    (written,) = folder.glob("audit-*")
    assert written.name == "audit-id-001_id-010.jsonl.gz"
    content = written.read_bytes()
    summary = await audit_archive.AuditArchiver(archive, folder, 10).run(cutoff)
    assert (summary.reconciled_files, summary.reconciled_rows) == (1, 10)
    assert summary.files == ["audit-id-011_id-019.jsonl.gz"]
    assert written.read_bytes() == content
    assert archived_ids(folder) == [f"id-{i:03d}" for i in range(1, 20)]
    assert await archive.count_before(CUTOFF) == 11


async def test_a_foreign_file_under_a_batch_name_is_not_overwritten(
    sqlite_uow: sql_uow.SqlUnitOfWork, tmp_path: Path
) -> None:
    archive = SqlAuditArchive(sqlite_uow)
    name = audit_archive.file_name("id-001", "id-005")
    other = audit_archive.encode([{"id": "elsewhere"}])
    (tmp_path / name).write_bytes(other)
    with pytest.raises(errors.Conflict) as refused:
        await audit_archive.AuditArchiver(archive, tmp_path, 5).run(CUTOFF)
    assert refused.value.code == "audit.archive_mismatch"
    assert (tmp_path / name).read_bytes() == other
    assert await archive.count_before(CUTOFF) == 30


@pytest.mark.parametrize(
    ("age", "expected"),
    [("90d", timedelta(days=90)), ("12h", timedelta(hours=12)), (" 2w", timedelta(weeks=2))],
)
def test_ages_are_parsed(age: str, expected: timedelta) -> None:
    assert audit_archive.parse_age(age) == expected


@pytest.mark.parametrize("age", ["", "0d", "90", "90m", "-1d", "d", "999999d"])
def test_bad_ages_are_refused(age: str) -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        audit_archive.parse_age(age)
    assert refused.value.code == "audit.bad_age"
