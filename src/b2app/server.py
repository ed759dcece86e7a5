"""Run the HTTP API under uvicorn with the process's container."""

from __future__ import annotations

import uvicorn

from b2app import bootstrap, settings
from b2app.http.app import create_app
from b2app.logging import configure_logging


def serve(config: settings.Settings) -> None:
    """Serve until interrupted; Ctrl-C stops cleanly through the app's shutdown hooks."""
    configure_logging(config.log_level, json=config.log_json)
    if settings.secret_was_generated(config):
        import structlog

        structlog.get_logger("b2").warning(
            "jwt_secret_generated",
            detail="demo mode invented a JWT secret; tokens stop working when the process ends. "
            "Set B2_JWT_SECRET (32+ characters) to keep them.",
        )
    app = create_app(bootstrap.build_container(config))
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
