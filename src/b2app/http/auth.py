"""Who is calling and what they may do: the bearer principal, and the one guard per route.

Every protected route handler declares exactly one :class:`permissions.Action` with
``**auth.guarded(action)``: that adds the guard :func:`requires`, records the action in the
handler's ``opt`` (tests walk the routes and read it) and marks the route in OpenAPI as needing a
bearer token. The guard authenticates the caller once per request and caches the principal in
the request's scope; the ``principal`` dependency hands that same principal to the handler, and
it is the only place a tenant id may come from.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard

from b2app.http import deps, middleware, openapi
from b2core.iam import commands, permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import errors

# The route handler's ``opt`` key holding the action its guard requires.
ACTION_OPT = "action"
# Where the verified principal is cached in the request's scope state.
_PRINCIPAL_STATE = "b2.principal"
_SCHEME = "bearer"


def _unauthenticated(message: str) -> errors.Unauthenticated:
    return errors.Unauthenticated(message, code="auth.unauthenticated")


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header value.

    Raises ``errors.Unauthenticated`` (``auth.unauthenticated``) when it is missing or malformed.
    """
    if not authorization:
        raise _unauthenticated("a bearer token is required")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != _SCHEME or not token or any(c.isspace() for c in token):
        raise _unauthenticated("the Authorization header must be 'Bearer <token>'")
    return token


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> tokens.Principal:
    """The verified caller of this request, checked once and then reused.

    Runs ``Authenticate`` (signature, claims, revocation, tenant status) through the bus and binds
    the tenant id into the request's log context.
    """
    state = connection.scope["state"]
    cached = state.get(_PRINCIPAL_STATE)
    if isinstance(cached, tokens.Principal):
        return cached
    token = bearer_token(connection.headers.get("authorization"))
    bus: MessageBus = deps.container_of(connection.app.state).resolve(MessageBus)
    principal: tokens.Principal = await bus.handle(commands.Authenticate(token))
    if principal.tenant_id is not None:
        middleware.bind_tenant(principal.tenant_id)
    state[_PRINCIPAL_STATE] = principal
    return principal


def authorize(principal: tokens.Principal, action: permissions.Action) -> None:
    """Apply the RBAC table, then the tenant rules of tenant actions.

    Raises ``errors.Forbidden``: ``auth.forbidden`` when the role lacks ``action``,
    ``auth.tenant_required`` when a platform user attempts a tenant action, and
    ``tenant.suspended`` for any tenant action of a suspended tenant.
    """
    permissions.require(principal.role, action)
    if principal.tenant_id is None:
        if action in permissions.TENANT_ACTIONS:
            raise errors.Forbidden(
                "this action needs a tenant account", code="auth.tenant_required"
            )
        return
    if principal.tenant_suspended and action is not permissions.Action.ME:
        raise errors.Forbidden(
            "this business is suspended; contact the platform operator", code="tenant.suspended"
        )


def requires(action: permissions.Action) -> Guard:
    """A guard letting through only authenticated callers whose role may perform ``action``."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        authorize(await authenticate(connection), action)

    guard.__qualname__ = f"requires({action.value})"
    return guard


def guarded(action: permissions.Action) -> dict[str, Any]:
    """Route decorator keywords of a protected handler: the guard, its action, bearer security."""
    return {
        "guards": [requires(action)],
        "opt": {ACTION_OPT: action},
        "security": openapi.BEARER_SECURITY,
    }


async def provide_principal(request: Request[Any, Any, Any]) -> tokens.Principal:
    """Dependency: the verified caller (already checked by the route's guard)."""
    return await authenticate(request)


def client_ip(request: Request[Any, Any, Any]) -> str | None:
    """The peer address of the request, for audit entries and login records."""
    return request.client.host if request.client else None


# Controllers of protected routes take ``dependencies=auth.DEPENDENCIES``.
DEPENDENCIES: dict[str, Provide] = {
    "principal": Provide(provide_principal),
}
