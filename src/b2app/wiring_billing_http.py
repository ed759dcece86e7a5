"""Composition of what the billing routes need beyond billing itself: media storage.

Manual payment screenshots go through the ``MediaStorage`` port. When no other wiring step has
registered one, this registers the local-directory adapter: under ``<B2_DATA_DIR>/media`` for a
persistent database, and under a private temporary directory (removed at shutdown) for the
all-in-memory application, which persists nothing either. Signed links use a key derived from
the JWT secret, so that they survive restarts without a setting of their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import punq

from b2adapters.storage.local import LocalDirectoryStorage
from b2core.conversations import media
from b2core.shared import time

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring

MEDIA_FOLDER = "media"
_LINK_KEY_LABEL = b"b2-media-links"


def _registered(container: punq.Container, key: Any) -> bool:
    context = container.registrations.build_context(key)
    return bool(context.all_registrations(key))


def link_secret(jwt_secret: str | None) -> str:
    """The media link signing key: derived from the JWT secret, or random for this process."""
    if not jwt_secret:
        return secrets.token_hex(32)
    return hmac.new(jwt_secret.encode(), _LINK_KEY_LABEL, hashlib.sha256).hexdigest()


def register(wiring: Wiring) -> None:
    """Register the local media storage unless another step registered a ``MediaStorage``."""
    container, config = wiring.container, wiring.config
    if _registered(container, media.MediaStorage):
        return
    from b2app.bootstrap import MEMORY_DATABASE

    in_memory = config.effective_database_url == MEMORY_DATABASE
    made: list[Path] = []

    def root() -> Path:
        if not in_memory:
            return Path(config.data_dir) / MEDIA_FOLDER
        made.append(Path(tempfile.mkdtemp(prefix="b2-media-")))
        return made[-1]

    async def remove() -> None:
        while made:
            shutil.rmtree(made.pop(), ignore_errors=True)

    def build() -> LocalDirectoryStorage:
        clock: time.Clock = container.resolve(time.Clock)
        return LocalDirectoryStorage(root(), clock, link_secret(config.jwt_secret))

    wiring.singleton(media.MediaStorage, build)
    wiring.lifecycle.on_shutdown(remove)
