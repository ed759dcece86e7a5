"""LocalDirectoryStorage beyond the contract: atomic writes and no escape from the root."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from b2adapters.memory.clock import ManualClock
from b2adapters.storage import local
from b2core.conversations import media
from b2core.shared import errors, ids

SECRET = "local-secret-0123456789"
TENANT = ids.TenantId("tenant-a")


def _store(root: Path) -> local.LocalDirectoryStorage:
    return local.LocalDirectoryStorage(root, ManualClock(datetime(2026, 5, 1, tzinfo=UTC)), SECRET)


async def test_files_land_under_the_root_with_no_temporary_left(tmp_path: Path) -> None:
    store = _store(tmp_path)
    ref = await store.put(TENANT, ids.MessageId("m1"), "menu.pdf", b"%PDF", "application/pdf")
    assert (tmp_path / "tenant-a" / "2026-05" / "m1" / "menu.pdf").read_bytes() == b"%PDF"
    assert [p.name for p in (tmp_path / "tenant-a" / "2026-05" / "m1").iterdir()] == ["menu.pdf"]
    assert ref.key == "tenant-a/2026-05/m1/menu.pdf"


async def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path)
    ref = await store.put(TENANT, ids.MessageId("m1"), "a.png", b"old", "image/png")

    def broken_replace(src: str, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        await store.put(TENANT, ids.MessageId("m1"), "a.png", b"new", "image/png")
    monkeypatch.undo()
    assert await store.get(ref) == b"old"
    assert [p.name for p in (tmp_path / "tenant-a" / "2026-05" / "m1").iterdir()] == ["a.png"]


async def test_a_symlink_out_of_the_tenant_folder_is_not_followed(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (outside / "m1").mkdir(parents=True)
    (outside / "m1" / "x.png").write_bytes(b"other tenant")
    (root / "tenant-a").mkdir(parents=True)
    (root / "tenant-a" / "2026-05").symlink_to(outside)
    store = _store(root)
    ref = media.MediaRef(TENANT, "tenant-a/2026-05/m1/x.png")
    with pytest.raises(errors.NotFound):
        await store.get(ref)


async def test_erasing_an_unknown_tenant_removes_nothing(tmp_path: Path) -> None:
    store = _store(tmp_path)
    await store.put(TENANT, ids.MessageId("m1"), "a.png", b"x", "image/png")
    assert await store.delete_tenant(ids.TenantId("tenant-b")) == 0
    with pytest.raises(errors.InvalidInput):
        await store.delete_tenant(ids.TenantId(".."))
    assert (tmp_path / "tenant-a").is_dir()
