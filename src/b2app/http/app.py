"""The Litestar application: API router, operations routes, errors, request context, lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import punq
from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.types import ControllerRouterHandler

from b2app.http import deps, errors, health, lifecycle, middleware, openapi, routes

API_PREFIX = "/api/v1"
# Bodies above this are refused with 413 before they are read in full.
MAX_BODY_BYTES = 1_048_576


def create_app(
    container: punq.Container,
    *,
    api_handlers: Sequence[ControllerRouterHandler] | None = None,
) -> Litestar:
    """Build the app around ``container``; ``api_handlers`` replaces the feature routes (tests)."""
    api = Router(
        path=API_PREFIX,
        route_handlers=list(routes.API_HANDLERS if api_handlers is None else api_handlers),
    )
    app = Litestar(
        route_handlers=[api, *health.HANDLERS],
        dependencies=deps.DEPENDENCIES,
        exception_handlers=errors.EXCEPTION_HANDLERS,
        openapi_config=openapi.openapi_config(),
        lifespan=[_lifespan],
        state=State({deps.CONTAINER_KEY: container}),
        request_max_body_size=MAX_BODY_BYTES,
        # Our structlog setup logs errors once, with the request id; Litestar's would duplicate.
        logging_config=None,
        debug=False,
    )
    # Litestar middleware runs per route, after routing; wrapping the app's outermost handler
    # lets request ids, access logs and metrics cover 404s and 405s as well.
    app.asgi_handler = middleware.RequestContextMiddleware(app.asgi_handler)
    return app


@asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    """Run the container's startup hooks before serving and its shutdown hooks after."""
    found = deps.resolve_optional(deps.container_of(app.state), lifecycle.Lifecycle)
    if found is None:
        yield
        return
    hooks: lifecycle.Lifecycle = found
    await hooks.startup()
    try:
        yield
    finally:
        await hooks.shutdown()
