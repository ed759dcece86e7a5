"""LocalDirectoryStorage: media files under one root directory, written atomically."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from b2core.conversations import media
from b2core.shared import errors, ids, time

TEMP_PREFIX = ".part-"


class LocalDirectoryStorage:
    """Files at ``root/tenant/YYYY-MM/message/filename``; blocking I/O runs in a thread.

    A write goes to a temporary file in the target directory and is renamed into place, so a
    reader sees the old file or the new one, never half of one.
    """

    def __init__(self, root: Path | str, clock: time.Clock, secret: str) -> None:
        self._root = Path(root).resolve()
        self._clock = clock
        self._signer = media.LinkSigner(secret)

    def _path(self, ref: media.MediaRef) -> Path:
        # MediaRef already refuses unsafe keys; resolving again guards against symlinks.
        checked = media.MediaRef(ref.tenant_id, ref.key)
        path = self._root.joinpath(*checked.parts).resolve()
        if not path.is_relative_to(self._root / checked.tenant_id):
            raise errors.NotFound("no such media", code="media.not_found")
        return path

    async def put(
        self,
        tenant_id: ids.TenantId,
        message_id: ids.MessageId,
        filename: str,
        content: bytes,
        mime_type: str,
    ) -> media.MediaRef:
        media.check_media(mime_type, len(content))
        ref = media.make_ref(tenant_id, message_id, filename, self._clock.now())
        await asyncio.to_thread(self._write, self._path(ref), content)
        return ref

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    async def get(self, ref: media.MediaRef) -> bytes:
        path = self._path(ref)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as missing:
            raise errors.NotFound("no such media", code="media.not_found") from missing

    async def delete(self, ref: media.MediaRef) -> None:
        await asyncio.to_thread(self._path(ref).unlink, missing_ok=True)

    async def delete_tenant(self, tenant_id: ids.TenantId) -> int:
        folder = self._root / media.check_segment(tenant_id, "tenant id")
        return await asyncio.to_thread(self._remove_tree, folder)

    @staticmethod
    def _remove_tree(folder: Path) -> int:
        if not folder.is_dir():
            return 0
        count = sum(
            1 for p in folder.rglob("*") if p.is_file() and not p.name.startswith(TEMP_PREFIX)
        )
        shutil.rmtree(folder)
        return count

    def signed_url(self, ref: media.MediaRef, expires_in: timedelta) -> str:
        return self._signer.sign(ref, expires_in, self._clock.now())

    def verify_signed(self, url_or_token: str) -> media.MediaRef:
        return self._signer.verify(url_or_token, self._clock.now())


if TYPE_CHECKING:
    _: type[media.MediaStorage] = LocalDirectoryStorage
