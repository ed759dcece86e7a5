"""The ``b2`` command line: serve, worker, migrate, bootstrap, demo, config."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence

from b2app import settings
from b2core.shared import errors

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


Command = Callable[[settings.Settings, argparse.Namespace], int]
_COMMANDS: dict[str, tuple[Command, str]] = {
    "serve": (_cmd_serve, "run the HTTP API (and, on embedded defaults, the workers)"),
    "worker": (_cmd_worker, "run background workers until stopped"),
    "migrate": (_cmd_migrate, "bring the database schema up to date"),
    "bootstrap": (_cmd_bootstrap, "create settings and the first super admin (idempotent)"),
    "demo": (_cmd_demo, "migrate, bootstrap demo data and serve on embedded defaults"),
    "config": (_cmd_config, "print the effective settings, secrets redacted"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="b2", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in _COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        if name == "worker":
            command.add_argument("--threads", type=int, default=4, help="worker threads")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``b2`` script."""
    args = _parser().parse_args(argv)
    try:
        config = settings.from_env()
        handler, _ = _COMMANDS[args.command]
        return handler(config, args)
    except errors.DomainError as exc:
        print(f"b2: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
