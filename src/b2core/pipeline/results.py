"""What became of one inbound message."""

from __future__ import annotations

import enum

import attrs

from b2core.ai import model as ai_model
from b2core.shared import ids


class Outcome(enum.StrEnum):
    """The four ends of the pipeline."""

    DUPLICATE = "DUPLICATE"  # already answered (a repeated delivery or a retried job)
    HUMAN = "HUMAN"  # a person holds the conversation, or the AI already handed it over
    REPLIED = "REPLIED"
    BLOCKED = "BLOCKED"  # a fallback went out (nothing, for silent reasons), and a handoff


@attrs.frozen
class Result:
    """The outcome, why it was blocked (if it was) and the reply's message id (if any)."""

    outcome: Outcome
    reason: ai_model.BlockReason | None = None
    reply_id: ids.MessageId | None = None
