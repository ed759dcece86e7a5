"""Delivery states of an outbound message and the rule that they never move backwards.

Channels report delivery asynchronously, more than once and out of order (a ``delivered``
webhook may arrive after ``read``). The rule below makes applying reports commutative for the
ordinary path: QUEUED < SENT < DELIVERED < READ, and the state is always the highest one reached.
FAILED ends a message that was never delivered (from QUEUED or SENT); it cannot undo a delivery
the channel already confirmed, and nothing moves a message out of FAILED.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class DeliveryState(enum.StrEnum):
    """Where an outbound message stands between our queue and the customer's eyes."""

    QUEUED = "QUEUED"  # recorded by us, not yet accepted by the channel
    SENT = "SENT"  # accepted by the channel
    DELIVERED = "DELIVERED"  # on the customer's device
    READ = "READ"  # seen by the customer
    FAILED = "FAILED"  # the channel gave up; never delivered


_RANK = {
    DeliveryState.QUEUED: 0,
    DeliveryState.SENT: 1,
    DeliveryState.DELIVERED: 2,
    DeliveryState.READ: 3,
}
# FAILED may only replace a state in which the message had not reached the customer yet.
_MAY_FAIL = frozenset({DeliveryState.QUEUED, DeliveryState.SENT})


def advance(current: DeliveryState, incoming: DeliveryState) -> DeliveryState:
    """The state after a report of ``incoming`` on a message in ``current``.

    Later reports of an earlier state are ignored (a late DELIVERED after READ keeps READ);
    FAILED wins only over QUEUED and SENT, and is terminal.
    """
    if current is DeliveryState.FAILED:
        return current
    if incoming is DeliveryState.FAILED:
        return incoming if current in _MAY_FAIL else current
    return incoming if _RANK[incoming] > _RANK[current] else current


def fold(start: DeliveryState, reports: Iterable[DeliveryState]) -> DeliveryState:
    """The state after applying ``reports`` one by one, in arrival order."""
    state = start
    for report in reports:
        state = advance(state, report)
    return state


def is_progress(current: DeliveryState, incoming: DeliveryState) -> bool:
    """Whether a report of ``incoming`` changes a message in ``current``."""
    return advance(current, incoming) is not current
