"""Test-only commands, handlers, DTOs and routes, and a small container that serves them."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
import punq
import structlog
from litestar import Litestar, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody

from b2app import logging as b2logging
from b2app import readiness, settings
from b2app.http import app as http_app
from b2app.http import codec, lifecycle, middleware, pagination
from b2core.messagebus import MessageBus
from b2core.shared import errors, money
from b2core.shared import pagination as core_pagination

SOME_UUID = "0190f5a2-6c1e-7b3d-9a4f-2c8e1d7b6a55"


# --- commands and handlers -------------------------------------------------------------------


@attrs.frozen
class Shout:
    """Test command: the handler answers with the text in capitals."""

    text: str


@attrs.frozen
class Refuse:
    """Test command: the handler raises the given error."""

    error: Exception


class ShoutHandler:
    async def __call__(self, command: Shout) -> str:
        return command.text.upper()


class RefuseHandler:
    async def __call__(self, command: Refuse) -> None:
        raise command.error


class RateLimited(errors.LimitExceeded):
    """A limit error that knows when to come back, as real limiters will."""

    code = "limit.rate"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


DOMAIN_ERRORS: dict[str, tuple[errors.DomainError, int]] = {
    "invalid": (errors.InvalidInput("name is too long", code="thing.bad_name"), 422),
    "not_found": (errors.NotFound(f"thing {SOME_UUID} does not exist"), 404),
    "conflict": (errors.Conflict("already done", code="thing.invalid_transition"), 409),
    "concurrency": (errors.ConcurrencyConflict("changed meanwhile"), 409),
    "unauthenticated": (errors.Unauthenticated("token expired", code="auth.token_expired"), 401),
    "forbidden": (errors.Forbidden("admins only"), 403),
    "limit": (RateLimited("slow down", retry_after=29.2), 429),
    "not_configured": (errors.NotConfigured("billing is off", code="billing.not_configured"), 501),
    "unavailable": (errors.Unavailable("redis is down"), 503),
    "malformed": (errors.InvalidInput("bad framing", code="request.malformed"), 400),
    "bare": (errors.DomainError("refused"), 400),
}


# --- DTOs ------------------------------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@attrs.frozen
class ThingCreate:
    name: str
    price: money.Money
    color: Color
    available_from: datetime
    note: str | None = None


@attrs.frozen
class Thing:
    id: str
    name: str
    price: money.Money
    color: Color
    available_from: datetime
    note: str | None = None


# --- routes (mounted under /api/v1) ----------------------------------------------------------


@post("/shout")
async def shout(data: JSONBody[dict[str, Any]], bus: NamedDependency[MessageBus]) -> dict[str, str]:
    command = codec.structure(data, Shout)
    return {"text": await bus.handle(command)}


@get("/errors/{kind:str}")
async def raise_domain_error(kind: FromPath[str], bus: NamedDependency[MessageBus]) -> None:
    await bus.handle(Refuse(DOMAIN_ERRORS[kind][0]))


@get("/boom")
async def boom(bus: NamedDependency[MessageBus]) -> None:
    await bus.handle(Refuse(RuntimeError(f"row {SOME_UUID} broke in psycopg internals")))


@get("/typed/{number:int}", sync_to_thread=False)
def typed(number: FromPath[int], count: FromQuery[int]) -> dict[str, int]:
    return {"number": number, "count": count}


@post("/things", sync_to_thread=False)
def create_thing(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    created = codec.structure(data, ThingCreate)
    thing = Thing(id=SOME_UUID, **attrs.asdict(created, recurse=False))
    body: dict[str, Any] = codec.unstructure(thing)
    return body


@get("/items", dependencies=pagination.DEPENDENCIES, sync_to_thread=False)
def list_items(page: NamedDependency[core_pagination.PageRequest]) -> dict[str, Any]:
    # Items are 1..7; a cursor holds the last item seen, which is also the next start index.
    start = int(core_pagination.decode_cursor(page.cursor, 1)[0]) if page.cursor else 0
    rows = list(range(1, 8))[start : start + page.limit + 1]
    result = core_pagination.page_from_rows(rows, page.limit, key=lambda n: (n,))
    return pagination.render(result, item=lambda n: {"n": n})


@get("/mode", sync_to_thread=False)
def mode(settings: NamedDependency[settings.Settings]) -> dict[str, str]:
    return {"mode": settings.mode.value}


@get("/tenant-log", sync_to_thread=False)
def tenant_log() -> dict[str, str]:
    middleware.bind_tenant("tenant-42")
    structlog.get_logger("tests").info("tenant_work_done")
    return {"ok": "yes"}


def _deny_anonymous(_: ASGIConnection[Any, Any, Any, Any], __: BaseRouteHandler) -> None:
    raise NotAuthorizedException("a bearer token is required")


def _deny_everyone(_: ASGIConnection[Any, Any, Any, Any], __: BaseRouteHandler) -> None:
    raise PermissionDeniedException()


@get("/guarded/anonymous", guards=[_deny_anonymous], sync_to_thread=False)
def guarded_anonymous() -> None:
    return None


@get("/guarded/forbidden", guards=[_deny_everyone], sync_to_thread=False)
def guarded_forbidden() -> None:
    return None


ROUTES = [
    shout,
    raise_domain_error,
    boom,
    typed,
    create_thing,
    list_items,
    mode,
    tenant_log,
    guarded_anonymous,
    guarded_forbidden,
]


# --- readiness and lifecycle -----------------------------------------------------------------


@attrs.define
class Switch:
    """A dependency the test can break (raise) or hang."""

    failing: bool = False
    hanging: bool = False

    async def probe(self) -> None:
        if self.hanging:
            await asyncio.Event().wait()
        if self.failing:
            raise ConnectionError("refused by 10.0.0.3:6379")


@attrs.define
class Counters:
    startups: int = 0
    shutdowns: int = 0

    async def started(self) -> None:
        self.startups += 1

    async def stopped(self) -> None:
        self.shutdowns += 1


def b2_handlers() -> list[logging.Handler]:
    """The handlers that configure_logging put on the root logger."""
    return [h for h in logging.getLogger().handlers if h.get_name() == b2logging.HANDLER_NAME]


def make_container(
    checks: Sequence[readiness.Check] = (), hooks: lifecycle.Lifecycle | None = None
) -> punq.Container:
    """A container with what the HTTP edge needs; ``hooks`` is registered when given."""
    container = punq.Container()
    container.register(settings.Settings, instance=settings.from_env({}))
    container.register(ShoutHandler, instance=ShoutHandler())
    container.register(RefuseHandler, instance=RefuseHandler())
    bus = MessageBus({Shout: ShoutHandler, Refuse: RefuseHandler}, resolve=container.resolve)
    container.register(MessageBus, instance=bus)
    container.register(readiness.Readiness, instance=readiness.Readiness(tuple(checks)))
    if hooks is not None:
        container.register(lifecycle.Lifecycle, instance=hooks)
    return container


def make_app(
    checks: Sequence[readiness.Check] = (), hooks: lifecycle.Lifecycle | None = None
) -> Litestar:
    """The real app factory on the test container, with the test routes under /api/v1."""
    return http_app.create_app(make_container(checks, hooks), api_handlers=ROUTES)
