"""Composition of the bridge webhooks: where a WAHA or Evolution delivery finds its channel.

Part of the composition root (``b2app.bootstrap`` calls it). Lazy, so that test overrides of
the unit of work, the cipher or the directory win.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2adapters.bridge import directory
from b2core.conversations import connections

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring


def register(wiring: Wiring) -> None:
    """Register the stored bridge channel directory."""
    container = wiring.container
    wiring.singleton(
        directory.BridgeChannelDirectory,
        lambda: directory.StoredBridgeChannelDirectory(
            container.resolve(connections.ChannelsUoW),
            container.resolve(connections.FieldCipher),
        ),
    )
