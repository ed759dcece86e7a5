"""Use cases of the iam context."""

from __future__ import annotations

import attrs

from b2core.iam import commands, model, passwords, ports
from b2core.shared import ids, time


@attrs.frozen
class EnsureSuperAdminHandler:
    """Idempotent bootstrap of the first SUPER_ADMIN; racing callers create exactly one."""

    uow: ports.IamUoW
    hasher: ports.PasswordHasher
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.EnsureSuperAdmin) -> bool:
        email = model.normalize_email(cmd.email)
        passwords.check_policy(cmd.password)
        async with self.uow.platform() as tx:
            if await tx.users.by_email(email) is not None:
                return False
        user = model.User(
            id=ids.UserId(self.id_generator.new()),
            tenant_id=None,
            email=email,
            password_hash=await self.hasher.hash(cmd.password),
            role=model.Role.SUPER_ADMIN,
            created_at=self.clock.now(),
        )
        async with self.uow.platform() as tx:
            created = await tx.users.add(user)
            await tx.commit()
        return created
