"""Ports of the iam context: password hashing and user persistence."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from b2core.iam import model
from b2core.shared import ids, uow


class PasswordHasher(Protocol):
    """One-way password hashing. ``verify`` runs in constant time for any input."""

    async def hash(self, password: str) -> str:
        """Return a salted hash of ``password``."""
        ...

    async def verify(self, password: str, hashed: str) -> bool:
        """Tell whether ``password`` matches ``hashed``; never raises on a malformed hash."""
        ...


class PlatformUserRepository(Protocol):
    """Users across tenants: for login by email and platform administration."""

    async def by_email(self, email: str) -> model.User | None:
        """The user with this normalized email, whatever the tenant."""
        ...

    async def get(self, user_id: ids.UserId) -> model.User | None:
        """The user with this id, or None."""
        ...

    async def add(self, user: model.User) -> bool:
        """Store a new user; False (and nothing stored) when the email is already taken."""
        ...


class IamPlatformTx(uow.Transaction, Protocol):
    """A platform-wide transaction of the iam context."""

    @property
    def users(self) -> PlatformUserRepository: ...


class IamUoW(Protocol):
    """Opens iam transactions."""

    def platform(self) -> AbstractAsyncContextManager[IamPlatformTx]: ...
