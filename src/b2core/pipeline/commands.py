"""Commands of the inbound pipeline."""

from __future__ import annotations

import attrs

from b2core.conversations import channel


@attrs.frozen
class HandleInboundMessage:
    """One normalized customer message, as a channel adapter delivered it."""

    inbound: channel.InboundMessage
