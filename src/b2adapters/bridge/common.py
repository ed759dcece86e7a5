"""What both bridges share: session names, media by URL, no templates."""

from __future__ import annotations

from collections.abc import Mapping

from b2adapters.bridge import transport
from b2core.conversations import channel
from b2core.shared import errors, ids


def media_url(media: channel.Media) -> str:
    """A bridge fetches media by URL: ``media_id`` must be one (inbound media ids are)."""
    if not media.media_id.startswith(("http://", "https://")):
        raise transport.UnsupportedMessage("a bridge sends media by URL only")
    return media.media_id


def templates_unsupported(provider: str) -> transport.UnsupportedMessage:
    """Bridges have no template messages (and no service window that would need them)."""
    return transport.UnsupportedMessage(
        f"{provider} cannot send WhatsApp templates; send the rendered text instead"
    )


def session_name(names: Mapping[str, str], channel_id: ids.ChannelId) -> str:
    """The bridge's session name of ``channel_id`` (``channel.not_found`` if it has none)."""
    name = names.get(channel_id)
    if name is None:
        raise errors.NotFound("this bridge serves no such channel", code="channel.not_found")
    return name


def unknown_session() -> errors.NotFound:
    """The bridge does not know the session."""
    return errors.NotFound("the bridge does not know this session", code="channel.not_found")
