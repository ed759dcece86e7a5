"""Use cases of onboarding and tenant administration by the platform operator."""

from __future__ import annotations

from datetime import datetime

import attrs

from b2core.iam import commands, model, passwords, permissions, ports, recovery, team, tokens
from b2core.platform import email_notifier, email_templates
from b2core.shared import audit, errors, ids, pagination, time
from b2core.tenants import model as tenant_model


@attrs.frozen
class Registered:
    """The result of onboarding; ``verification`` is what became of the verification email.

    ``verification`` is None when no verification is required.
    """

    tenant_id: ids.TenantId
    user_id: ids.UserId
    verification: email_notifier.Outcome | None = None


@attrs.frozen
class RegisterTenantHandler:
    """A tenant and its first TENANT_ADMIN, together or not at all, within the platform cap."""

    uow: ports.AccountsUoW
    hasher: ports.PasswordHasher
    notifier: email_notifier.EmailNotifier
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.RegisterTenant) -> Registered:
        email = model.normalize_email(cmd.email)
        passwords.check_policy(cmd.password)
        now = self.clock.now()
        tenant = tenant_model.Tenant.register(
            ids.TenantId(self.id_generator.new()), cmd.business_name, now
        )
        user = model.User(
            id=ids.UserId(self.id_generator.new()),
            tenant_id=tenant.id,
            email=email,
            password_hash=await self.hasher.hash(cmd.password),
            role=model.Role.TENANT_ADMIN,
            created_at=now,
        )
        async with self.uow.platform() as tx:
            system = await tx.settings.system()
            if system is not None and await tx.tenants.count() >= system.max_tenants:
                raise errors.Conflict(
                    "the platform accepts no new businesses right now", code="tenant.limit_reached"
                )
            if system is not None and system.email_verification_required:
                user = attrs.evolve(user, email_verified=False)
            await tx.tenants.add(tenant)
            if not await tx.users.add(user):
                raise errors.Conflict("this email is already registered", code="user.email_taken")
            entry = audit.record(
                self.id_generator,
                self.clock,
                audit.Actor.user(user.id, user.role.value),
                "tenant.registered",
                tenant_id=tenant.id,
                target=("tenant", tenant.id),
                ip=cmd.ip,
            )
            await tx.audit.append(entry)
            kind = email_templates.EmailKind.EMAIL_VERIFICATION
            toggle = None if system is None else email_notifier.blocking_toggle(system, kind)
            welcome = (
                None
                if user.email_verified or toggle is not None
                else await recovery.issue_verification(tx, user, self.clock)
            )
            await tx.commit()
        if user.email_verified:
            return Registered(tenant.id, user.id)
        if welcome is None:
            # Verification is required but its email is switched off: nothing is sent.
            disabled = email_notifier.Outcome(email_notifier.Delivery.DISABLED, kind, toggle)
            return Registered(tenant.id, user.id, disabled)
        return Registered(
            tenant.id, user.id, await self.notifier.send(kind, welcome, settings=system)
        )


@attrs.frozen
class ListTenantsHandler:
    """Super admin search over tenants."""

    uow: ports.AccountsUoW

    async def __call__(self, cmd: commands.ListTenants) -> pagination.Page[tenant_model.Tenant]:
        permissions.require(cmd.principal.role, permissions.Action.ADMIN_TENANTS)
        async with self.uow.platform() as tx:
            return await tx.tenants.search(cmd.page, text=cmd.text, status=cmd.status)


@attrs.frozen
class GetTenantHandler:
    """Super admin view of one tenant."""

    uow: ports.AccountsUoW

    async def __call__(self, cmd: commands.GetTenant) -> tenant_model.Tenant:
        permissions.require(cmd.principal.role, permissions.Action.ADMIN_TENANTS)
        async with self.uow.platform() as tx:
            tenant = await tx.tenants.get(cmd.tenant_id)
        if tenant is None:
            raise errors.NotFound("no such tenant", code="tenant.not_found")
        return tenant


_TRANSITIONS = {"suspend": "suspended", "reactivate": "reactivated", "archive": "archived"}


def _transition(tenant: tenant_model.Tenant, action: str, at: datetime) -> tenant_model.Tenant:
    if action == "suspend":
        return tenant.suspend(at)
    if action == "reactivate":
        return tenant.reactivate(at)
    return tenant.archive(at)


@attrs.frozen
class ChangeTenantStatusHandler:
    """Suspend, reactivate or archive; archiving ends every session of the tenant. Audited."""

    uow: ports.AccountsUoW
    revocations: ports.TokenRevocations
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.ChangeTenantStatus) -> tenant_model.Tenant:
        permissions.require(cmd.principal.role, permissions.Action.ADMIN_TENANTS)
        if cmd.action not in _TRANSITIONS:
            raise errors.InvalidInput("unknown tenant action", code="tenant.bad_action")
        now = self.clock.now()
        async with self.uow.platform() as tx:
            tenant = await tx.tenants.get(cmd.tenant_id)
            if tenant is None:
                raise errors.NotFound("no such tenant", code="tenant.not_found")
            changed = _transition(tenant, cmd.action, now)
            await tx.tenants.save(changed)
            await tx.audit.append(
                audit.record(
                    self.id_generator,
                    self.clock,
                    team.actor_of(cmd.principal),
                    f"tenant.{_TRANSITIONS[cmd.action]}",
                    tenant_id=tenant.id,
                    target=("tenant", tenant.id),
                    ip=cmd.ip,
                    metadata={"from": tenant.status.value, "to": changed.status.value},
                )
            )
            await tx.commit()
        if changed.status is tenant_model.TenantStatus.ARCHIVED:
            await self.revocations.end_sessions(tenant.id, None, now, tokens.REFRESH_TTL)
        return changed
