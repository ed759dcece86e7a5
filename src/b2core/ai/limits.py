"""Rate rules and the sliding-window-log decision that every RateLimiter adapter mirrors.

A limiter keeps, per key, the instants of the hits it ALLOWED. A hit at ``now`` is allowed when
fewer than ``limit`` of them fall in ``(now - window, now]``. Refused hits are not recorded, so
hammering a limiter never extends its own lockout, and every entry is useless after ``window``,
so an adapter can always expire the whole key ``window`` after its last write.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import attrs

from b2core.shared import errors, ids
from b2core.shared import time as shared_time

_RULE_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")


def _check_name(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not _RULE_NAME.match(value):
        raise errors.InvalidInput(
            "rule name must be 1-40 of a-z, 0-9, '_' and '-'", code="limits.bad_rule"
        )


def _check_limit(_: object, __: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise errors.InvalidInput("rule limit must be a positive integer", code="limits.bad_rule")


def _check_window(_: object, __: attrs.Attribute[timedelta], value: timedelta) -> None:
    if value <= timedelta(0):
        raise errors.InvalidInput("rule window must be positive", code="limits.bad_rule")


@attrs.frozen
class RateRule:
    """At most ``limit`` hits in any sliding interval of length ``window``."""

    name: str = attrs.field(validator=_check_name)
    limit: int = attrs.field(validator=_check_limit)
    window: timedelta = attrs.field(validator=_check_window)


TENANT_PER_MINUTE = RateRule("tenant-minute", 20, timedelta(minutes=1))
TENANT_PER_HOUR = RateRule("tenant-hour", 100, timedelta(hours=1))
DEFAULT_BURST: tuple[RateRule, ...] = (TENANT_PER_MINUTE, TENANT_PER_HOUR)
PER_CUSTOMER = RateRule("customer", 10, timedelta(seconds=60))


@attrs.frozen
class RateVerdict:
    """What one limiter said about one hit: allowed, or refused until ``retry_after`` passes."""

    rule: str
    allowed: bool
    retry_after: timedelta = timedelta(0)


def _in_window(timestamps: Iterable[datetime], now: datetime, rule: RateRule) -> list[datetime]:
    # Entries from the future (clock skew between processes) still count: erring on the side
    # of refusing keeps the limit a hard upper bound.
    floor = now - rule.window
    return sorted(moment for moment in timestamps if moment > floor)


def sliding_window_allows(
    timestamps: Iterable[datetime], now: datetime, rule: RateRule
) -> tuple[bool, timedelta]:
    """Whether a hit at ``now`` is allowed, and if not, how long to wait.

    ``timestamps`` are the instants of earlier allowed hits (any order, older ones ignored).
    When refused, ``retry_after`` is the time until enough entries leave the window for one
    more hit; it is always positive, and a hit exactly ``retry_after`` later is allowed
    (provided nothing else was allowed meanwhile).
    """
    now = shared_time.ensure_utc(now)
    recent = _in_window(timestamps, now, rule)
    if len(recent) < rule.limit:
        return True, timedelta(0)
    # Once the (len - limit + 1)-th oldest entry leaves, only limit - 1 remain.
    blocking = recent[len(recent) - rule.limit]
    return False, blocking + rule.window - now


def hit(
    timestamps: Sequence[datetime], now: datetime, rule: RateRule
) -> tuple[tuple[datetime, ...], RateVerdict]:
    """Apply one hit to a log: the pruned log (plus ``now`` if allowed) and the verdict."""
    now = shared_time.ensure_utc(now)
    allowed, retry_after = sliding_window_allows(timestamps, now, rule)
    kept = tuple(_in_window(timestamps, now, rule))
    if allowed:
        kept = (*kept, now)
    return kept, RateVerdict(rule=rule.name, allowed=allowed, retry_after=retry_after)


def longest_wait(verdicts: Iterable[RateVerdict]) -> timedelta:
    """How long until every refusing limiter would allow again (0 when none refuses)."""
    return max((v.retry_after for v in verdicts if not v.allowed), default=timedelta(0))


def tenant_key(tenant_id: ids.TenantId, rule: RateRule) -> str:
    """The limiter key of a tenant-wide rule; adapters add their own prefix."""
    return f"rate:{rule.name}:t:{tenant_id}"


def customer_key(tenant_id: ids.TenantId, customer: str, rule: RateRule) -> str:
    """The limiter key of one customer (a phone number or channel id) of one tenant."""
    return f"rate:{rule.name}:t:{tenant_id}:c:{customer}"
