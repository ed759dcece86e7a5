"""``b2 audit archive``: move old audit rows to gzip-compressed JSON Lines files, safely.

For each batch (the oldest rows by id): write the file under a temporary name, fsync it,
rename it to its final name (derived from the batch's first and last id, so a re-run makes
the same name), fsync the directory, read it back and check every id, and only then delete
exactly those ids in one transaction. Before any new batch, files left by a run that stopped
between writing and deleting are reconciled: the rows they hold that are still in the table
are deleted (the file was complete, or it would not carry its final name). So a crash at any
point loses no row and archives none twice.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from b2adapters.sql.audit_archive import SqlAuditArchive
from b2adapters.sql.engine import make_engine
from b2adapters.sql.uow import SqlUnitOfWork
from b2adapters.system import SystemClock
from b2app import bootstrap, settings
from b2core.shared import errors

PREFIX = "audit-"
SUFFIX = ".jsonl.gz"
TEMP_PREFIX = ".partial-"
ARCHIVE_FOLDER = "audit-archive"
_AGE = re.compile(r"^\s*(\d{1,5})\s*([dhw])\s*$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")
MAX_BATCH = 100_000

# Test seam: called with ("written" | "deleted", batch number) after each step.
Checkpoint = Callable[[str, int], None]


def parse_age(text: str) -> timedelta:
    """``90d``, ``12h`` or ``2w`` as a duration; ``audit.bad_age`` for anything else."""
    match = _AGE.match(text or "")
    if match is None or int(match.group(1)) == 0:
        raise errors.InvalidInput(
            "--older-than takes a positive number of hours, days or weeks, e.g. 90d",
            code="audit.bad_age",
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def check_batch(size: int) -> int:
    """The batch size, refused (``audit.bad_batch``) outside 1..MAX_BATCH."""
    if not 1 <= size <= MAX_BATCH:
        raise errors.InvalidInput(f"--batch takes 1 to {MAX_BATCH} rows", code="audit.bad_batch")
    return size


def file_name(first_id: str, last_id: str) -> str:
    """The final name of a batch file: the same batch always gets the same name."""
    return f"{PREFIX}{_UNSAFE.sub('_', first_id)}_{_UNSAFE.sub('_', last_id)}{SUFFIX}"


def encode(rows: list[dict[str, Any]]) -> bytes:
    """The file's bytes: one JSON object per line, gzip with no name or time in the header,
    so the same rows always give the same bytes."""
    lines = "".join(json.dumps(row, sort_keys=True, separators=(",", ":")) + "\n" for row in rows)
    return gzip.compress(lines.encode("utf-8"), compresslevel=6, mtime=0)


def read_ids(path: Path) -> list[str]:
    """The ids of a batch file's rows, in file order; ``audit.archive_unreadable`` if it is
    not a complete gzip JSON Lines file."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return [json.loads(line)["id"] for line in handle if line.strip()]
    except (OSError, EOFError, ValueError, KeyError, TypeError) as bad:
        raise errors.Conflict(
            f"archive file {path.name} cannot be read", code="audit.archive_unreadable"
        ) from bad


def read_first_id(path: Path) -> str:
    """The id of a batch file's first row (reads one line)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            first: str = json.loads(handle.readline())["id"]
            return first
    except (OSError, EOFError, ValueError, KeyError, TypeError) as bad:
        raise errors.Conflict(
            f"archive file {path.name} cannot be read", code="audit.archive_unreadable"
        ) from bad


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _differs(path: Path, content: bytes) -> bool:
    return path.exists() and path.read_bytes() != content


def write_durably(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that after a crash it is either whole or absent."""
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}")
    with open(temp, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    _fsync_directory(path.parent)


@attrs.define
class Summary:
    """What one run did; printed as JSON for cron and monitoring."""

    cutoff: str
    directory: str
    batches: int = 0
    archived: int = 0
    reconciled_files: int = 0
    reconciled_rows: int = 0
    files: list[str] = attrs.field(factory=list)

    def as_json(self) -> dict[str, Any]:
        """The summary as a JSON object."""
        return attrs.asdict(self)


@attrs.define
class AuditArchiver:
    """Runs one archival pass over ``archive`` into ``directory``."""

    archive: SqlAuditArchive
    directory: Path
    batch: int = 5000
    checkpoint: Checkpoint = attrs.field(default=lambda step, number: None)

    async def run(self, cutoff: datetime) -> Summary:
        """Reconcile leftovers, then archive every row older than ``cutoff``."""
        self.directory.mkdir(parents=True, exist_ok=True)
        summary = Summary(cutoff.isoformat(), str(self.directory))
        for stale in self.directory.glob(f"{TEMP_PREFIX}*"):
            stale.unlink()  # an interrupted write: its rows are still in the table
        await self._reconcile(summary)
        number = 0
        while rows := await self.archive.oldest(cutoff, self.batch):
            number += 1
            path = await self._write_batch(rows, number)
            ids = [row["id"] for row in rows]
            await self.archive.delete(ids)
            self.checkpoint("deleted", number)
            summary.batches += 1
            summary.archived += len(ids)
            summary.files.append(path.name)
        return summary

    async def _write_batch(self, rows: list[dict[str, Any]], number: int) -> Path:
        ids = [row["id"] for row in rows]
        path = self.directory / file_name(ids[0], ids[-1])
        content = encode(rows)
        if await asyncio.to_thread(_differs, path, content):
            # Reconciliation removed every row of existing files, so this is not a re-run
            # of the same batch: refuse rather than overwrite an archive.
            raise errors.Conflict(
                f"archive file {path.name} exists with other rows",
                code="audit.archive_mismatch",
            )
        await asyncio.to_thread(write_durably, path, content)
        self.checkpoint("written", number)
        if await asyncio.to_thread(read_ids, path) != ids:
            raise errors.Conflict(
                f"archive file {path.name} does not hold its batch", code="audit.archive_mismatch"
            )
        return path

    async def _reconcile(self, summary: Summary) -> None:
        for path in sorted(self.directory.glob(f"{PREFIX}*{SUFFIX}")):
            # A batch is deleted in one transaction, and nothing else deletes audit rows:
            # when its first row is gone, all of it is, and the file need not be read.
            if not await self.archive.existing([read_first_id(path)]):
                continue
            ids = await asyncio.to_thread(read_ids, path)
            left = await self.archive.existing(ids)
            if not left:
                continue
            # Deletion is one transaction per batch, so normally all or none are left.
            await self.archive.delete([i for i in ids if i in left])
            summary.reconciled_files += 1
            summary.reconciled_rows += len(left)


def arguments(command: argparse.ArgumentParser) -> None:
    """The ``audit`` subcommands and their options."""
    actions = command.add_subparsers(dest="action", required=True)
    sub = actions.add_parser("archive", help="move old audit rows to gzip JSON Lines files")
    sub.add_argument("--older-than", required=True, help="age of the rows to move, e.g. 90d")
    sub.add_argument("--batch", type=int, default=5000, help="rows per file (default 5000)")
    sub.add_argument("--dir", default=None, help="target folder (default DATA_DIR/audit-archive)")


async def _archive(config: settings.Settings, args: argparse.Namespace) -> Summary:
    url = config.effective_database_url
    if url == bootstrap.MEMORY_DATABASE:
        raise errors.NotConfigured(
            "the in-memory database keeps no audit trail to archive", code="audit.no_database"
        )
    cutoff = SystemClock().now() - parse_age(args.older_than)
    batch = check_batch(args.batch)
    directory = Path(args.dir) if args.dir else Path(config.data_dir) / ARCHIVE_FOLDER
    engine = make_engine(url)
    try:
        return await AuditArchiver(SqlAuditArchive(SqlUnitOfWork(engine)), directory, batch).run(
            cutoff
        )
    finally:
        await engine.dispose()


def run(config: settings.Settings, args: argparse.Namespace) -> int:
    """Cron entry point: JSON summary on stdout; 0 done, 1 archive failure (nothing lost:
    the rows stay until a later run verifies their file), 2 bad arguments or settings."""
    try:
        summary = asyncio.run(_archive(config, args))
    except (errors.Conflict, OSError) as failed:
        code = failed.code if isinstance(failed, errors.DomainError) else "audit.archive_io"
        print(json.dumps({"error": {"code": code, "message": str(failed)}}, sort_keys=True))
        return 1
    print(json.dumps(summary.as_json(), sort_keys=True))
    return 0
