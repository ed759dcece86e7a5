"""The media storage the billing routes fall back on: where it writes, and that it yields."""

from __future__ import annotations

from pathlib import Path

import punq

from b2adapters.memory.clock import ManualClock
from b2adapters.storage.local import LocalDirectoryStorage
from b2app import bootstrap, settings, wiring_billing_http
from b2app.http.lifecycle import Lifecycle
from b2core.conversations import media
from b2core.shared import ids
from tests.support import http_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


async def test_the_in_memory_app_stores_media_in_a_temporary_folder_removed_at_shutdown() -> None:
    container = bootstrap.build_container(http_app.api_settings("memory://"))
    storage = container.resolve(media.MediaStorage)
    assert isinstance(storage, LocalDirectoryStorage)
    ref = await storage.put(
        ids.TenantId("t1"), ids.MessageId("payment-1"), "s.png", PNG, "image/png"
    )
    assert await storage.get(ref) == PNG
    root = storage._root  # the folder is private to the adapter; the test checks its removal
    assert root.name.startswith("b2-media-")
    assert root.exists()
    lifecycle: Lifecycle = container.resolve(Lifecycle)
    await lifecycle.shutdown()
    assert not root.exists()


def test_a_sql_app_stores_media_under_the_data_dir(tmp_path: Path) -> None:
    config = settings.Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'b2.db'}",
        data_dir=str(tmp_path / "data"),
        jwt_secret=http_app.JWT_SECRET,
        in_process_worker=False,
    )
    storage = bootstrap.build_container(config).resolve(media.MediaStorage)
    assert isinstance(storage, LocalDirectoryStorage)
    assert storage._root == (tmp_path / "data" / "media").resolve()


def test_a_storage_registered_before_is_kept_and_links_survive_restarts(tmp_path: Path) -> None:
    mine = LocalDirectoryStorage(tmp_path, ManualClock(), "a-secret-of-16-chars")
    wiring = bootstrap.Wiring(punq.Container(), http_app.api_settings("memory://"))
    wiring.container.register(media.MediaStorage, instance=mine)
    wiring_billing_http.register(wiring)
    assert wiring.container.resolve(media.MediaStorage) is mine
    assert wiring.lifecycle.shutdown_hooks == []
    key = wiring_billing_http.link_secret("jwt-secret-" * 4)
    assert key == wiring_billing_http.link_secret("jwt-secret-" * 4)
    assert key != wiring_billing_http.link_secret("other-secret-" * 4)
    assert "jwt-secret" not in key
    assert len(wiring_billing_http.link_secret(None)) >= media.MIN_SECRET
