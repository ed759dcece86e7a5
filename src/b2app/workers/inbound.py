"""Inbound messages as background jobs: the JSON payload and the job that carries it.

The webhook (or the simulator route) answers fast after enqueueing; the worker stores the
message and runs the pipeline. The payload is the normalized message, so any worker can run it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import cattrs

from b2core.conversations import channel
from b2core.shared import tasks

INBOUND_ACTOR = "pipeline.inbound"
INBOUND_QUEUE = "pipeline"

_converter = cattrs.Converter()
_converter.register_unstructure_hook(datetime, lambda moment: moment.isoformat())
_converter.register_structure_hook(datetime, lambda value, _: datetime.fromisoformat(value))


def to_payload(inbound: channel.InboundMessage) -> str:
    """The message as JSON text (the job's only argument)."""
    plain: dict[str, Any] = _converter.unstructure(inbound)
    return json.dumps(plain, separators=(",", ":"), sort_keys=True)


def from_payload(payload: str) -> channel.InboundMessage:
    """The message back from :func:`to_payload`'s JSON."""
    message: channel.InboundMessage = _converter.structure(
        json.loads(payload), channel.InboundMessage
    )
    return message


def inbound_job(inbound: channel.InboundMessage) -> tasks.Job:
    """The job that runs the pipeline for ``inbound``."""
    return tasks.Job(
        actor_name=INBOUND_ACTOR,
        queue_name=INBOUND_QUEUE,
        args=(to_payload(inbound),),
        idempotency_key=f"in:{inbound.channel_id}:{inbound.provider_message_id}",
    )
