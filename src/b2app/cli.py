"""The ``b2`` command line: serve, worker, migrate, bootstrap, demo, config, dead-letters."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from b2app import settings, wiring_secrets
from b2core.shared import errors, pagination, tasks

DEMO_ADMIN_EMAIL = "admin@b2.local"
DEMO_ADMIN_PASSWORD = "b2-demo-admin-password"


def _cmd_config(config: settings.Settings, _: argparse.Namespace) -> int:
    print(json.dumps(config.redacted(), indent=2, sort_keys=True, default=str))
    return 0


def _cmd_migrate(config: settings.Settings, _: argparse.Namespace) -> int:
    from b2app import operations

    asyncio.run(operations.migrate(config))
    print(f"database is up to date: {config.redacted()['effective_database_url']}")
    return 0


def _cmd_bootstrap(config: settings.Settings, _: argparse.Namespace) -> int:
    from b2app import operations

    report = asyncio.run(operations.run_bootstrap(config))
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0


def _cmd_serve(config: settings.Settings, _: argparse.Namespace) -> int:
    from b2app import server

    server.serve(config)
    return 0


def _cmd_worker(config: settings.Settings, args: argparse.Namespace) -> int:
    from b2app.logging import configure_logging
    from b2app.workers import run

    configure_logging(config.log_level, json=config.log_json)
    run.run_worker(config, threads=args.threads)
    return 0


def _cmd_demo(config: settings.Settings, _: argparse.Namespace) -> int:
    import attrs

    from b2app import operations, server

    config = attrs.evolve(
        config,
        bootstrap_admin_email=config.bootstrap_admin_email or DEMO_ADMIN_EMAIL,
        bootstrap_admin_password=config.bootstrap_admin_password or DEMO_ADMIN_PASSWORD,
    )
    asyncio.run(operations.migrate(config))
    asyncio.run(operations.run_bootstrap(config))
    asyncio.run(operations.seed_demo(config))
    base = f"http://{config.host}:{config.port}"
    print(
        "\n".join(
            [
                "b2 demo is starting on embedded defaults.",
                f"  API:       {base}/api/v1",
                f"  API docs:  {base}/schema",
                f"  health:    {base}/health  ready: {base}/ready",
                f"  login:     {operations.DEMO_TENANT_EMAIL} / {operations.DEMO_TENANT_PASSWORD}"
                "  (Demo Bakery's admin)",
                f"  operator:  {config.bootstrap_admin_email} / {config.bootstrap_admin_password}"
                "  (super admin)",
                "  try:      POST /api/v1/channels/simulator/inbound"
                ' {"customer_id": "c1", "text": "hello"}',
                "  stop with Ctrl-C",
            ]
        ),
        flush=True,
    )
    server.serve(config)
    return 0


def _cmd_dead_letters(config: settings.Settings, args: argparse.Namespace) -> int:
    report = asyncio.run(_dead_letters(config, args))
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0


async def _dead_letters(config: settings.Settings, args: argparse.Namespace) -> dict[str, Any]:
    """List, requeue or discard dead letters through the configured broker's adapter."""
    from b2app import bootstrap, operations

    container = bootstrap.build_container(config)
    try:
        letters: tasks.DeadLetters = container.resolve(tasks.DeadLetters)
        if args.action == "list":
            request = pagination.PageRequest(limit=args.limit, cursor=args.cursor)
            page = await letters.list(args.queue, request)
            return {
                "items": [_dead_letter_json(letter) for letter in page.items],
                "next_cursor": page.next_cursor,
            }
        if args.action == "requeue":
            await letters.requeue(args.id)
            return {"requeued": args.id}
        await letters.discard(args.id)
        return {"discarded": args.id}
    finally:
        await operations.shutdown(container)


def _dead_letter_json(letter: tasks.DeadLetter) -> dict[str, Any]:
    """The same fields ``GET /admin/dead-letters`` shows."""
    return {
        "id": letter.id,
        "queue": letter.queue_name,
        "actor": letter.actor_name,
        "args": list(letter.args),
        "attempts": letter.attempts,
        "last_error": letter.last_error,
        "failed_at": letter.failed_at.isoformat() if letter.failed_at else None,
    }


def _dead_letter_arguments(command: argparse.ArgumentParser) -> None:
    actions = command.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="dead letters, most recent failure first")
    listing.add_argument("--queue", default=None, help="only this queue's dead letters")
    listing.add_argument("--limit", type=int, default=50, help="items per page")
    listing.add_argument("--cursor", default=None, help="next_cursor of the previous page")
    for action, help_text in (
        ("requeue", "put the job back on its queue with fresh attempts"),
        ("discard", "delete the dead letter for good"),
    ):
        actions.add_parser(action, help=help_text).add_argument("id", help="dead letter id")


def _cmd_audit(config: settings.Settings, args: argparse.Namespace) -> int:
    from b2app import audit_archive

    return audit_archive.run(config, args)


def _cmd_privacy(config: settings.Settings, args: argparse.Namespace) -> int:
    from b2app import privacy_cli

    return privacy_cli.run(config, args)


def _cmd_billing(config: settings.Settings, args: argparse.Namespace) -> int:
    from b2app import billing_reconcile

    return billing_reconcile.run(config, args)


Command = Callable[[settings.Settings, argparse.Namespace], int]
_COMMANDS: dict[str, tuple[Command, str]] = {
    "serve": (_cmd_serve, "run the HTTP API (and, on embedded defaults, the workers)"),
    "worker": (_cmd_worker, "run background workers until stopped"),
    "migrate": (_cmd_migrate, "bring the database schema up to date"),
    "bootstrap": (_cmd_bootstrap, "create settings and the first super admin (idempotent)"),
    "demo": (_cmd_demo, "migrate, bootstrap demo data and serve on embedded defaults"),
    "config": (_cmd_config, "print the effective settings, secrets redacted"),
    "dead-letters": (_cmd_dead_letters, "list, requeue or discard jobs that gave up"),
    "audit": (_cmd_audit, "archive old audit rows to gzip JSON Lines files"),
    "privacy": (_cmd_privacy, "export or erase a customer's or a tenant's personal data"),
    "billing": (_cmd_billing, "reconcile card billing with Stripe's recent events"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="b2", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in _COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        if name == "worker":
            command.add_argument("--threads", type=int, default=4, help="worker threads")
        if name == "dead-letters":
            _dead_letter_arguments(command)
        if name == "audit":
            from b2app import audit_archive

            audit_archive.arguments(command)
        if name == "privacy":
            from b2app import privacy_cli

            privacy_cli.arguments(command)
        if name == "billing":
            from b2app import billing_reconcile

            billing_reconcile.arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``b2`` script."""
    args = _parser().parse_args(argv)
    try:
        config = wiring_secrets.load_settings()  # B2_* plus secrets from B2_SECRETS_URL
        handler, _ = _COMMANDS[args.command]
        return handler(config, args)
    except errors.DomainError as exc:
        print(f"b2: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
