"""The media files port over a real MediaStorage: a customer's files go, nobody else's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import punq

from b2adapters.memory.clock import ManualClock
from b2adapters.storage.local import LocalDirectoryStorage
from b2app.wiring_privacy import StorageMediaFiles
from b2core.conversations import media
from b2core.privacy import model
from b2core.shared import errors, ids

TENANT, OTHER = ids.TenantId("tenant-a"), ids.TenantId("tenant-b")
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64


async def test_files_of_the_erased_messages_are_removed(tmp_path: Path) -> None:
    # A file stored on 31 January for a message recorded then, and one stored in February
    # for a message recorded late on 31 January.
    clock = ManualClock(datetime(2026, 1, 31, 12, tzinfo=UTC))
    storage = LocalDirectoryStorage(tmp_path, clock, "secret-" * 6)
    container = punq.Container()
    files = StorageMediaFiles(container)
    late = datetime(2026, 1, 31, 23, 59, tzinfo=UTC)
    wanted = [
        model.MediaFile(ids.MessageId("m1"), "a.jpg", clock.now()),
        model.MediaFile(ids.MessageId("m2"), "b.jpg", late),
        model.MediaFile(ids.MessageId("m3"), None, clock.now()),
    ]
    # No storage configured: nothing stored, nothing removed.
    assert await files.delete_for_messages(TENANT, wanted) == 0
    container.register(media.MediaStorage, instance=storage)

    first = await storage.put(TENANT, ids.MessageId("m1"), "a.jpg", JPEG, "image/jpeg")
    clock.set(datetime(2026, 2, 1, 0, 1, tzinfo=UTC))
    second = await storage.put(TENANT, ids.MessageId("m2"), "b.jpg", JPEG, "image/jpeg")
    kept = await storage.put(TENANT, ids.MessageId("m9"), "a.jpg", JPEG, "image/jpeg")
    elsewhere = await storage.put(OTHER, ids.MessageId("m1"), "a.jpg", JPEG, "image/jpeg")

    assert await files.delete_for_messages(TENANT, wanted) == 2
    for ref in (first, second):
        try:
            await storage.get(ref)
        except errors.NotFound:
            continue
        raise AssertionError(f"{ref.key} is still stored")
    assert await storage.get(kept) == JPEG
    assert await storage.get(elsewhere) == JPEG
    assert await files.delete_for_messages(TENANT, wanted) == 0
    assert await files.delete_tenant(OTHER) == 1
