"""Use cases of a tenant's team: who am I, invite, list, change role, deactivate."""

from __future__ import annotations

import attrs

from b2core.iam import commands, model, passwords, permissions, ports, tokens
from b2core.shared import audit, errors, ids, pagination, time


def tenant_of(principal: tokens.Principal) -> ids.TenantId:
    """The caller's tenant; platform users have none and cannot use tenant routes."""
    if principal.tenant_id is None:
        raise errors.Forbidden("this action needs a tenant account", code="auth.tenant_required")
    return principal.tenant_id


def actor_of(principal: tokens.Principal) -> audit.Actor:
    """The audit actor for a verified caller."""
    return audit.Actor.user(principal.user_id, principal.role.value)


@attrs.frozen
class GetMeHandler:
    """The caller's own account."""

    uow: ports.AccountsUoW

    async def __call__(self, cmd: commands.GetMe) -> model.User:
        async with self.uow.platform() as tx:
            user = await tx.users.get(cmd.principal.user_id)
        if user is None:
            raise errors.Unauthenticated("the account no longer exists", code="auth.invalid_token")
        return user


@attrs.frozen
class InviteMemberHandler:
    """A tenant admin adds a TENANT_ADMIN or STAFF member to their own tenant."""

    uow: ports.AccountsUoW
    hasher: ports.PasswordHasher
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.InviteMember) -> model.User:
        permissions.require(cmd.principal.role, permissions.Action.TEAM_MANAGE)
        tenant_id = tenant_of(cmd.principal)
        if cmd.role is model.Role.SUPER_ADMIN:
            raise errors.Forbidden("platform roles cannot be granted here", code="user.bad_role")
        passwords.check_policy(cmd.password)
        user = model.User(
            id=ids.UserId(self.id_generator.new()),
            tenant_id=tenant_id,
            email=model.normalize_email(cmd.email),
            password_hash=await self.hasher.hash(cmd.password),
            role=cmd.role,
            created_at=self.clock.now(),
        )
        async with self.uow.platform() as tx:
            if not await tx.users.add(user):
                raise errors.Conflict("this email is already registered", code="user.email_taken")
            await tx.audit.append(
                audit.record(
                    self.id_generator,
                    self.clock,
                    actor_of(cmd.principal),
                    "team.member_invited",
                    tenant_id=tenant_id,
                    target=("user", user.id),
                    metadata={"role": user.role.value},
                )
            )
            await tx.commit()
        return user


@attrs.frozen
class ListMembersHandler:
    """The team of the caller's tenant."""

    uow: ports.AccountsUoW

    async def __call__(self, cmd: commands.ListMembers) -> pagination.Page[model.User]:
        permissions.require(cmd.principal.role, permissions.Action.TEAM_READ)
        async with self.uow.tenant(tenant_of(cmd.principal)) as tx:
            return await tx.team.list(cmd.page)


async def _load_member(tx: ports.TeamTx, user_id: ids.UserId) -> model.User:
    user = await tx.team.get(user_id)
    if user is None:
        raise errors.NotFound("no such team member", code="user.not_found")
    return user


async def _keep_an_admin(tx: ports.TeamTx, user: model.User) -> None:
    if user.role is model.Role.TENANT_ADMIN and user.active and await tx.team.count_admins() <= 1:
        raise errors.Conflict(
            "a tenant must keep at least one active admin", code="team.last_admin"
        )


@attrs.frozen
class ChangeMemberRoleHandler:
    """Promote or demote a member; the last active admin stays an admin."""

    uow: ports.AccountsUoW
    revocations: ports.TokenRevocations
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.ChangeMemberRole) -> model.User:
        permissions.require(cmd.principal.role, permissions.Action.TEAM_MANAGE)
        now = self.clock.now()
        async with self.uow.tenant(tenant_of(cmd.principal)) as tx:
            user = await _load_member(tx, cmd.user_id)
            if cmd.role is not model.Role.TENANT_ADMIN:
                await _keep_an_admin(tx, user)
            changed = user.change_role(cmd.role, now)
            await tx.team.save(changed)
            await tx.audit.append(
                audit.record(
                    self.id_generator,
                    self.clock,
                    actor_of(cmd.principal),
                    "team.role_changed",
                    tenant_id=user.tenant_id,
                    target=("user", user.id),
                    metadata={"from": user.role.value, "to": cmd.role.value},
                )
            )
            await tx.commit()
        # Tokens carry the role: end the member's sessions so the new role applies at once.
        await self.revocations.end_sessions(user.tenant_id, user.id, now, tokens.REFRESH_TTL)
        return changed


@attrs.frozen
class DeactivateMemberHandler:
    """Stop a member from logging in and end all their sessions."""

    uow: ports.AccountsUoW
    revocations: ports.TokenRevocations
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.DeactivateMember) -> model.User:
        permissions.require(cmd.principal.role, permissions.Action.TEAM_MANAGE)
        if cmd.user_id == cmd.principal.user_id:
            raise errors.Conflict("you cannot deactivate yourself", code="team.self_deactivation")
        now = self.clock.now()
        async with self.uow.tenant(tenant_of(cmd.principal)) as tx:
            user = await _load_member(tx, cmd.user_id)
            await _keep_an_admin(tx, user)
            changed = user.deactivate(now)
            await tx.team.save(changed)
            await tx.audit.append(
                audit.record(
                    self.id_generator,
                    self.clock,
                    actor_of(cmd.principal),
                    "team.member_deactivated",
                    tenant_id=user.tenant_id,
                    target=("user", user.id),
                )
            )
            await tx.commit()
        await self.revocations.end_sessions(user.tenant_id, user.id, now, tokens.REFRESH_TTL)
        return changed
