"""Composition of the privacy context: its unit of work and the media files erasure removes.

Part of the composition root (``b2app.bootstrap`` calls it). The unit of work chosen by the
database wiring serves the privacy protocol too.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import punq

from b2core.conversations import media
from b2core.platform import ports as platform_ports
from b2core.privacy import model, ports
from b2core.shared import errors, ids

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring


class StorageMediaFiles:
    """The media files of the configured ``MediaStorage``; with none configured, nothing is
    stored, so there is nothing to remove.

    Storage keys are ``tenant/YYYY-MM/message/filename`` and the port deletes by full key, so
    a message's file is looked for under the month the message was recorded and the next one
    (a file stored just after midnight at the end of a month). Attachments without a file name
    cannot be keyed and are not looked for.
    """

    def __init__(self, container: punq.Container) -> None:
        self._container = container

    def _storage(self) -> media.MediaStorage | None:
        try:
            storage: media.MediaStorage = self._container.resolve(media.MediaStorage)
        except punq.MissingDependencyError:
            return None
        return storage

    @staticmethod
    def _candidates(tenant_id: ids.TenantId, file: model.MediaFile) -> list[media.MediaRef]:
        if not file.filename:
            return []
        next_month = (file.at.replace(day=1) + timedelta(days=32)).replace(day=1)
        try:
            return [
                media.make_ref(tenant_id, file.message_id, file.filename, at)
                for at in (file.at, next_month)
            ]
        except errors.DomainError:
            return []  # a name storage would have refused was never stored

    async def delete_for_messages(
        self, tenant_id: ids.TenantId, files: Collection[model.MediaFile]
    ) -> int:
        storage = self._storage()
        if storage is None:
            return 0
        removed = 0
        for file in files:
            for ref in self._candidates(tenant_id, file):
                try:
                    await storage.get(ref)
                except errors.NotFound:
                    continue
                await storage.delete(ref)
                removed += 1
        return removed

    async def delete_tenant(self, tenant_id: ids.TenantId) -> int:
        storage = self._storage()
        return 0 if storage is None else await storage.delete_tenant(tenant_id)


def register(wiring: Wiring) -> None:
    """Register the privacy unit of work (the database's) and the media files port."""
    container = wiring.container

    def uow() -> Any:
        # The database wiring's unit of work serves every context's protocol.
        return container.resolve(platform_ports.PlatformUoW)

    container.register(ports.PrivacyUoW, factory=uow)
    container.register(ports.MediaFiles, instance=StorageMediaFiles(container))


if TYPE_CHECKING:
    _media: type[ports.MediaFiles] = StorageMediaFiles
