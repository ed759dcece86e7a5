"""``b2 privacy export|erase``: GDPR requests from the operator's shell, through the bus.

``--customer`` names one end customer of ``--tenant``; without it, ``export`` covers the whole
tenant and ``erase`` needs ``--whole-tenant`` (erasing a tenant's data by omission would be
too easy a mistake). Each request is audited as the system acting.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from b2app import privacy_export, settings
from b2core.messagebus import MessageBus
from b2core.privacy import commands, model
from b2core.shared import audit, errors, ids


def arguments(command: argparse.ArgumentParser) -> None:
    """The ``privacy`` subcommands and their options."""
    actions = command.add_subparsers(dest="action", required=True)
    for action, help_text in (
        ("export", "print everything held about a customer (or a whole tenant) as JSON"),
        ("erase", "erase a customer's (or a whole tenant's) personal data"),
    ):
        sub = actions.add_parser(action, help=help_text)
        sub.add_argument("--tenant", required=True, help="tenant id")
        sub.add_argument("--customer", default=None, help="the customer's channel id")
        if action == "export":
            sub.add_argument("--out", default=None, help="write the JSON here instead of stdout")
        else:
            sub.add_argument(
                "--whole-tenant", action="store_true", help="erase every customer of the tenant"
            )


def _command(args: argparse.Namespace) -> object:
    tenant, actor = ids.TenantId(args.tenant), audit.Actor.system()
    if args.action == "export":
        if args.customer is None:
            return commands.ExportTenantData(tenant, actor)
        return commands.ExportCustomerData(tenant, args.customer, actor)
    if args.customer is not None:
        return commands.EraseCustomerData(tenant, args.customer, actor)
    if not args.whole_tenant:
        raise errors.InvalidInput(
            "name a --customer, or pass --whole-tenant to erase every customer's data",
            code="privacy.scope_required",
        )
    return commands.EraseTenantData(tenant, actor)


async def _run(config: settings.Settings, command: object) -> Any:
    from b2app import bootstrap, operations

    container = bootstrap.build_container(config)
    try:
        bus: MessageBus = container.resolve(MessageBus)
        return await bus.handle(command)
    finally:
        await operations.shutdown(container)


def _document(result: Any) -> dict[str, Any]:
    if isinstance(result, model.CustomerData):
        return privacy_export.customer_document(result)
    if isinstance(result, model.TenantData):
        return privacy_export.tenant_document(result)
    return privacy_export.report_document(result)


def run(config: settings.Settings, args: argparse.Namespace) -> int:
    """Run one privacy request; the export or the erasure report goes to stdout (or --out)."""
    result = asyncio.run(_run(config, _command(args)))
    document = _document(result)
    if args.action == "export":
        content = privacy_export.dumps(document)
        if args.out:
            Path(args.out).write_bytes(content)
            print(json.dumps({"written": args.out, "bytes": len(content)}))
        else:
            sys.stdout.buffer.write(content + b"\n")
            sys.stdout.flush()
        return 0
    print(json.dumps(document, sort_keys=True))
    return 0
