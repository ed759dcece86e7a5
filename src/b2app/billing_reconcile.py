"""``b2 billing reconcile``: apply the Stripe events of a recent period that webhooks missed.

Each event goes through ``ApplyBillingEvent`` like a webhook delivery, so one already applied
is a no-op (``duplicate``) and an out-of-date one changes nothing (``stale``). Stripe keeps
events for 30 days, hence the bound on ``--since``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from collections import Counter
from datetime import timedelta
from typing import Any

import punq

from b2app import settings
from b2core.billing import commands, ports
from b2core.messagebus import MessageBus
from b2core.shared import errors, pagination, time

DEFAULT_SINCE = "3d"
MAX_SINCE = timedelta(days=30)
_SINCE = re.compile(r"^([1-9][0-9]{0,4})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PAGE = 100


def parse_since(value: str) -> timedelta:
    """``30m``, ``12h``, ``3d`` or ``1w`` as a period of at most 30 days.

    Raises ``errors.InvalidInput`` (``billing.bad_since``) for anything else.
    """
    found = _SINCE.match(value.strip())
    period = timedelta(**{_UNITS[found.group(2)]: int(found.group(1))}) if found else None
    if period is None or period > MAX_SINCE:
        raise errors.InvalidInput(
            "--since is a number and a unit (m, h, d, w), at most 30 days",
            code="billing.bad_since",
        )
    return period


async def _apply(bus: MessageBus, command: commands.ApplyBillingEvent) -> str:
    try:
        applied = await bus.handle(command)
    except errors.ConcurrencyConflict:
        applied = await bus.handle(command)  # a webhook raced us: now it is a duplicate
    outcome: str = applied.outcome.value
    return outcome


async def reconcile(container: punq.Container, since: timedelta) -> dict[str, Any]:
    """Apply every handled event of the last ``since``, oldest first; counts by outcome."""
    gateway: ports.BillingGateway = container.resolve(ports.BillingGateway)
    bus: MessageBus = container.resolve(MessageBus)
    clock: time.Clock = container.resolve(time.Clock)
    start = clock.now() - since
    outcomes: Counter[str] = Counter()
    page = pagination.PageRequest(limit=_PAGE)
    while True:
        found = await gateway.recent_events(start, page)
        for event in found.items:
            outcomes[await _apply(bus, commands.ApplyBillingEvent(event))] += 1
        if found.next_cursor is None:
            break
        page = pagination.PageRequest(limit=_PAGE, cursor=found.next_cursor)
    return {"since": start.isoformat(), "events": sum(outcomes.values()), **dict(outcomes)}


async def _run(config: settings.Settings, since: timedelta) -> dict[str, Any]:
    from b2app import bootstrap, operations

    container = bootstrap.build_container(config)
    try:
        return await reconcile(container, since)
    finally:
        await operations.shutdown(container)


def arguments(command: argparse.ArgumentParser) -> None:
    """The ``b2 billing`` sub-commands."""
    actions = command.add_subparsers(dest="action", required=True)
    run = actions.add_parser("reconcile", help="apply recent Stripe events webhooks missed")
    run.add_argument(
        "--since", default=DEFAULT_SINCE, help="how far back: 30m, 12h, 3d, 1w (max 30d)"
    )


def run(config: settings.Settings, args: argparse.Namespace) -> int:
    """Run ``b2 billing <action>``; prints a JSON report."""
    report = asyncio.run(_run(config, parse_since(args.since)))
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0
