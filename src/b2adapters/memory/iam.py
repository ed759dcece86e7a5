"""In-memory repositories of the iam context."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from b2core.iam import model
from b2core.shared import ids

if TYPE_CHECKING:
    from b2core.iam import ports


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


class InMemoryPlatformUserRepository:
    """Users keyed by id, with a unique index on email."""

    def __init__(self, tx: _Tx) -> None:
        self._users: dict[ids.UserId, model.User] = tx.table("users")

    async def by_email(self, email: str) -> model.User | None:
        return next((u for u in self._users.values() if u.email == email), None)

    async def get(self, user_id: ids.UserId) -> model.User | None:
        return self._users.get(user_id)

    async def add(self, user: model.User) -> bool:
        if user.id in self._users or await self.by_email(user.email) is not None:
            return False
        self._users[user.id] = user
        return True


if TYPE_CHECKING:
    _: type[ports.PlatformUserRepository] = InMemoryPlatformUserRepository
