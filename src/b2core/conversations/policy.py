"""Outbound rules, all pure: replies that feel human, pace per recipient, idempotency keys.

* Human-like: mark the customer's message read after 1 to 3 s, show the typing indicator, and
  send after a delay that grows with the reply's length (1.5 s + 40 ms per character, +/- a
  jitter, clamped to 1..8 s). Randomness comes from an injected jitter source, so tests (and
  replays) are deterministic.
* Pace: WhatsApp refuses more than about one message every 6 s to the same user (error
  131056); :func:`earliest_send` says when the next message to a recipient may go.
* Idempotency: :func:`outbound_key` derives the same key from the same cause, so a retried job
  recognises a message it already recorded or sent.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from b2core.shared import errors, ids

#: A source of randomness: each call returns a number in [0, 1] (``random.random`` will do).
Jitter = Callable[[], float]

#: The shortest gap between two messages to one recipient that WhatsApp accepts.
RECIPIENT_GAP = timedelta(seconds=6)


def _ms(delta: timedelta) -> int:
    return delta // timedelta(milliseconds=1)


def _unit(value: float) -> float:
    # A faulty source must not push a delay outside its bounds: clamp rather than trust it.
    return 0.5 if math.isnan(value) else min(1.0, max(0.0, value))


@attrs.frozen
class ReplyPlan:
    """When to do what, counted from the moment the customer's message arrived."""

    read_after: timedelta  # send the read receipt then
    typing_after: timedelta  # switch the typing indicator on then (right after reading)
    send_after: timedelta  # send the reply then


def _check_policy(instance: HumanLike, _: object, __: object) -> None:
    valid = (
        timedelta(0) <= instance.min_delay <= instance.max_delay
        and timedelta(0) <= instance.read_min <= instance.read_max
        and instance.base >= timedelta(0)
        and instance.per_char >= timedelta(0)
        and 0.0 <= instance.spread < 1.0
    )
    if not valid:
        raise errors.InvalidInput("the human-like delays are inconsistent", code="policy.bad_delay")


@attrs.frozen
class HumanLike:
    """How long a person would take: to read the message, then to type ``length`` characters.

    The typing delay is ``(base + per_char * length) * (1 + spread * (2j - 1))`` for a jitter
    ``j`` in [0, 1], clamped to ``[min_delay, max_delay]``. For a fixed ``j`` it never decreases
    as the reply gets longer.
    """

    base: timedelta = timedelta(milliseconds=1500)
    per_char: timedelta = timedelta(milliseconds=40)
    min_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = attrs.field(default=timedelta(seconds=8), validator=_check_policy)
    spread: float = 0.2
    read_min: timedelta = timedelta(seconds=1)
    read_max: timedelta = timedelta(seconds=3)

    def typing_delay(self, length: int, jitter: float = 0.5) -> timedelta:
        """How long to show 'typing' before sending a reply of ``length`` characters."""
        raw = (_ms(self.base) + _ms(self.per_char) * max(0, length)) * (
            1.0 + self.spread * (2.0 * _unit(jitter) - 1.0)
        )
        clamped = min(_ms(self.max_delay), max(_ms(self.min_delay), round(raw)))
        return timedelta(milliseconds=clamped)

    def read_delay(self, jitter: float = 0.5) -> timedelta:
        """How long to wait before marking the customer's message read."""
        span = _ms(self.read_max) - _ms(self.read_min)
        return timedelta(milliseconds=_ms(self.read_min) + round(span * _unit(jitter)))

    def plan(self, reply: str, jitter: Jitter) -> ReplyPlan:
        """Read receipt, typing indicator and send time for ``reply`` (two jitter draws)."""
        read = self.read_delay(jitter())
        return ReplyPlan(read, read, read + self.typing_delay(len(reply), jitter()))


def earliest_send(
    now: datetime, last_sent_at: datetime | None, gap: timedelta = RECIPIENT_GAP
) -> datetime:
    """The first moment a message may go to a recipient last messaged at ``last_sent_at``."""
    if last_sent_at is None:
        return now
    return max(now, last_sent_at + gap)


def outbound_key(
    tenant_id: ids.TenantId,
    conversation_id: ids.ConversationId,
    cause_id: str,
    sequence: int = 0,
) -> str:
    """A stable idempotency key for the ``sequence``-th message sent because of ``cause_id``.

    The cause is what the message answers: the inbound message an AI reply answers, a human
    reply's own message id, a scheduled message's id. The same inputs give the same key in any
    process; distinct inputs give distinct keys (an unambiguous encoding, then SHA-256).
    """
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise errors.InvalidInput("sequence must be a non-negative integer", code="policy.bad_key")
    if not all(isinstance(part, str) and part for part in (tenant_id, conversation_id, cause_id)):
        raise errors.InvalidInput("key parts must be non-empty strings", code="policy.bad_key")
    encoded = json.dumps([tenant_id, conversation_id, cause_id, sequence], separators=(",", ":"))
    return "out_" + hashlib.sha256(encoded.encode()).hexdigest()[:40]
