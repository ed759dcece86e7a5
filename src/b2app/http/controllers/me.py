"""The caller's own account: ``GET /me``."""

from __future__ import annotations

from typing import Any

import attrs
from litestar import Controller, get
from litestar.di import NamedDependency

from b2app.http import auth
from b2app.http.controllers import bodies
from b2core.iam import commands, model, permissions, tokens
from b2core.messagebus import MessageBus


@attrs.frozen
class Me:
    """Who the bearer token stands for."""

    user_id: str
    email: str
    role: model.Role
    tenant_id: str | None

    @classmethod
    def of(cls, user: model.User) -> Me:
        """The public view of ``user``."""
        return cls(user.id, user.email, user.role, user.tenant_id)


class MeController(Controller):
    """Any signed-in user, suspended tenants included."""

    path = "/me"
    tags = ["auth"]
    dependencies = auth.DEPENDENCIES

    @get("/", **auth.guarded(permissions.Action.ME), **bodies.answers(200, Me, "you", (401,)))
    async def me(
        self, bus: NamedDependency[MessageBus], principal: NamedDependency[tokens.Principal]
    ) -> dict[str, Any]:
        """The signed-in user: id, email, role and tenant (null for platform admins)."""
        user = await bus.handle(commands.GetMe(principal))
        return bodies.dump(Me.of(user))
