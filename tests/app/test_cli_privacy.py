"""``b2 privacy export|erase`` and ``b2 audit archive`` on a SQLite database: JSON on stdout,
cron-ready exit codes."""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate
from b2adapters.sql import uow as sql_uow
from b2adapters.sql.schema import platform as tables
from b2app import cli
from tests.core.privacy import data

ANA = data.CustomerSpec(
    data.TENANTS[0],
    "+923001111111",
    "Ana",
    None,
    "ana@mail.example",
    (data.MessageSpec("hello", True, None),),
    1,
)
OLD = datetime(2020, 1, 1, tzinfo=UTC)


async def _prepare(url: str) -> None:
    await migrate.upgrade(url)
    engine = sql_engine.make_engine(url)
    try:
        await data.load(sql_uow.SqlUnitOfWork(engine), [ANA])
        async with engine.begin() as connection:
            for i in range(12):
                await connection.execute(
                    tables.audit_logs.insert().values(
                        id=f"old-{i:02d}",
                        at=OLD + timedelta(hours=i),
                        actor_kind="system",
                        action="test.old",
                        metadata={},
                    )
                )
    finally:
        await engine.dispose()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite+aiosqlite:///{tmp_path / 'b2.db'}"
    asyncio.run(_prepare(url))
    monkeypatch.setenv("B2_DATABASE_URL", url)
    monkeypatch.setenv("B2_DATA_DIR", str(tmp_path))
    for name in ("B2_BROKER_URL", "B2_REDIS_URL", "B2_REDIS_PREFIX", "B2_MODE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = cli.main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_privacy_export_then_erase(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    who = ("--tenant", ANA.tenant_id, "--customer", ANA.customer_id)
    code, exported = _run(capsys, "privacy", "export", *who)
    assert code == 0
    assert exported["orders"][0]["customer_email"] == ANA.email
    code, report = _run(capsys, "privacy", "erase", *who)
    assert (code, report["messages_deleted"], report["nothing_left"]) == (0, 1, False)
    code, report = _run(capsys, "privacy", "erase", *who)
    assert report["nothing_left"] is True
    out = database / "tenant.json"
    code, written = _run(capsys, "privacy", "export", "--tenant", ANA.tenant_id, "--out", str(out))
    assert code == 0
    assert written["written"] == str(out)
    assert "ana@mail.example" not in out.read_text()
    # Erasing a whole tenant needs saying so.
    assert cli.main(["privacy", "erase", "--tenant", ANA.tenant_id]) == 2
    assert "privacy.scope_required" in capsys.readouterr().err


def test_audit_archive_moves_old_rows(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = database / "archive"
    # Old enough for the 2020 rows only, whatever today is.
    age = f"{(datetime.now(UTC) - (OLD + timedelta(days=30))).days}d"
    argv = ("audit", "archive", "--older-than", age, "--batch", "5", "--dir", str(target))
    code, summary = _run(capsys, *argv)
    assert code == 0
    assert (summary["archived"], summary["batches"]) == (12, 3)
    lines = [
        json.loads(line)["id"]
        for name in summary["files"]
        for line in gzip.decompress((target / name).read_bytes()).decode().splitlines()
    ]
    assert lines == [f"old-{i:02d}" for i in range(12)]
    code, again = _run(capsys, *argv)
    assert (code, again["archived"]) == (0, 0)
    assert cli.main(["audit", "archive", "--older-than", "soon"]) == 2
    assert "audit.bad_age" in capsys.readouterr().err
    # A damaged archive file is reported with exit code 1, and nothing is deleted.
    (target / "audit-zzz_zzz.jsonl.gz").write_bytes(b"not gzip")
    code, failed = _run(capsys, *argv)
    assert (code, failed["error"]["code"]) == (1, "audit.archive_unreadable")


def test_audit_archive_needs_a_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("B2_DATABASE_URL", "memory://")
    assert cli.main(["audit", "archive", "--older-than", "90d"]) == 2
    assert "audit.no_database" in capsys.readouterr().err
