"""Request context: a request id on every response and log line, an access log and metrics."""

from __future__ import annotations

import re
import secrets
import time

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from b2app.http import metrics

HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Probes and scrapers hit these every few seconds; their access lines are debug-level noise.
_QUIET_PATHS = frozenset({"/health", "/ready", "/metrics"})

log = structlog.get_logger("b2.http.access")


def request_id_from(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is a sane token, else a fresh random one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SANE_ID.match(candidate):
                return candidate
            break
    return secrets.token_hex(16)


def bind_tenant(tenant_id: str) -> None:
    """Add the tenant id to every later log line of the current request."""
    structlog.contextvars.bind_contextvars(tenant_id=tenant_id)


class RequestContextMiddleware:
    """Pure ASGI middleware wrapped around the whole app, routing errors included.

    Litestar's own middleware runs per route, after routing, so it never sees a 404 or 405;
    this one wraps the app's exception handling and therefore sees every final status.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Bind the request context, tag the response, then log and count the request."""
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        scope["state"]["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, method=scope["method"], path=scope["path"]
        )
        status = 500  # what the client gets if the response never starts

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[HEADER] = request_id
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    @staticmethod
    def _record(scope: HTTPScope, status: int, seconds: float) -> None:
        # The route template, not the raw path, keeps the metric's label set bounded.
        route = scope.get("path_template") or metrics.UNMATCHED_ROUTE
        metrics.observe(scope["method"], route, status, seconds)
        emit = log.debug if scope["path"] in _QUIET_PATHS else log.info
        emit("request", status=status, route=route, duration_ms=round(seconds * 1000, 2))
