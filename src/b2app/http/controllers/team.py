"""A tenant's team, managed by its admins: ``/team``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from b2app.http import auth, codec, pagination
from b2app.http.controllers import bodies
from b2core.iam import commands, model, permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import ids
from b2core.shared import pagination as core_pagination


@attrs.frozen
class Member:
    """A person of the team (never the password hash)."""

    user_id: str
    email: str
    role: model.Role
    active: bool
    email_verified: bool
    created_at: datetime

    @classmethod
    def of(cls, user: model.User) -> Member:
        """The public view of ``user``."""
        return cls(
            user.id, user.email, user.role, user.active, user.email_verified, user.created_at
        )


@attrs.frozen
class MemberPage:
    """One page of the team."""

    items: list[Member]
    next_cursor: str | None


@attrs.frozen
class MemberCreate:
    """A new member: TENANT_ADMIN or STAFF, with an initial password."""

    email: str
    role: model.Role
    password: str = attrs.field(repr=False)


@attrs.frozen
class MemberUpdate:
    """A member's new role."""

    role: model.Role


def _shown(user: model.User) -> dict[str, Any]:
    return bodies.dump(Member.of(user))


class TeamController(Controller):
    """The caller's own tenant only: another tenant's members are simply not found."""

    path = "/team"
    tags = ["team"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(permissions.Action.TEAM_READ),
        **bodies.answers(200, MemberPage, "the team", (401, 403, 422)),
    )
    async def list_members(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
    ) -> dict[str, Any]:
        """The members of your tenant, oldest first."""
        found = await bus.handle(commands.ListMembers(principal, page))
        return pagination.render(found, item=_shown)

    @post(
        "/",
        **auth.guarded(permissions.Action.TEAM_MANAGE),
        **bodies.answers(201, Member, "added", (400, 401, 403, 409, 422)),
    )
    async def add_member(
        self,
        data: bodies.Json[MemberCreate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Add a TENANT_ADMIN or STAFF member to your tenant with an initial password."""
        form = codec.structure(data, MemberCreate)
        command = commands.InviteMember(principal, form.email, form.role, form.password)
        return _shown(await bus.handle(command))

    @patch(
        "/{user_id:str}",
        **auth.guarded(permissions.Action.TEAM_MANAGE),
        **bodies.answers(200, Member, "changed", (400, 401, 403, 404, 409, 422)),
    )
    async def change_role(
        self,
        user_id: FromPath[str],
        data: bodies.Json[MemberUpdate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Change a member's role; their sessions end so the new role applies at once."""
        form = codec.structure(data, MemberUpdate)
        command = commands.ChangeMemberRole(principal, ids.UserId(user_id), form.role)
        return _shown(await bus.handle(command))

    @post(
        "/{user_id:str}/deactivate",
        **auth.guarded(permissions.Action.TEAM_MANAGE),
        **bodies.answers(200, Member, "deactivated", (401, 403, 404, 409)),
    )
    async def deactivate(
        self,
        user_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Stop a member from signing in and end all their sessions."""
        command = commands.DeactivateMember(principal, ids.UserId(user_id))
        return _shown(await bus.handle(command))
