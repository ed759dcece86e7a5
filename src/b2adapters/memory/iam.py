"""In-memory repositories of the iam context."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from b2core.iam import model
from b2core.shared import errors, ids, pagination

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

    async def save(self, user: model.User) -> None:
        _replace(self._users, user)


def _replace(users: dict[ids.UserId, model.User], user: model.User) -> None:
    """Store ``user`` over its stored self: user.not_found, user.email_taken."""
    if any(u.email == user.email and u.id != user.id for u in users.values()):
        raise errors.Conflict("this email is already registered", code="user.email_taken")
    if user.id not in users:
        raise errors.NotFound(f"no user {user.id}", code="user.not_found")
    users[user.id] = user


def _oldest_first(user: model.User) -> tuple[str, str]:
    # UTC to the microsecond: the text then sorts as the instants do (whatever their offset).
    return (user.created_at.astimezone(UTC).isoformat(timespec="microseconds"), user.id)


class InMemoryTeamRepository:
    """The users of one tenant; others are invisible through it."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._users: dict[ids.UserId, model.User] = tx.table("users")
        self._tenant_id = tenant_id

    async def get(self, user_id: ids.UserId) -> model.User | None:
        user = self._users.get(user_id)
        return user if user is not None and user.tenant_id == self._tenant_id else None

    async def save(self, user: model.User) -> None:
        if user.tenant_id != self._tenant_id:
            raise errors.Forbidden("the user belongs to another tenant", code="user.wrong_tenant")
        if await self.get(user.id) is None:
            raise errors.NotFound(f"no user {user.id}", code="user.not_found")
        _replace(self._users, user)

    async def list(self, page: pagination.PageRequest) -> pagination.Page[model.User]:
        rows = sorted(
            (u for u in self._users.values() if u.tenant_id == self._tenant_id), key=_oldest_first
        )
        if page.cursor is not None:
            after = tuple(pagination.decode_cursor(page.cursor, 2))
            rows = [u for u in rows if _oldest_first(u) > after]
        return pagination.page_from_rows(rows[: page.limit + 1], page.limit, _oldest_first)

    async def count_admins(self) -> int:
        return sum(
            1
            for u in self._users.values()
            if u.tenant_id == self._tenant_id and u.active and u.role is model.Role.TENANT_ADMIN
        )


@attrs.frozen
class _OneTimeToken:
    kind: str
    user_id: ids.UserId
    expires_at: datetime
    used: bool = False


class InMemoryOneTimeTokens:
    """Hashed single-use tokens."""

    def __init__(self, tx: _Tx) -> None:
        self._tokens: dict[str, _OneTimeToken] = tx.table("one_time_tokens")

    async def add(
        self, kind: str, token_hash: str, user_id: ids.UserId, expires_at: datetime
    ) -> None:
        if token_hash in self._tokens:
            raise errors.Conflict("this token is already stored", code="token.conflict")
        self._tokens[token_hash] = _OneTimeToken(kind, user_id, expires_at)

    async def consume(self, kind: str, token_hash: str, now: datetime) -> ids.UserId | None:
        token = self._tokens.get(token_hash)
        if token is None or token.kind != kind or token.used or token.expires_at <= now:
            return None
        self._tokens[token_hash] = attrs.evolve(token, used=True)
        return token.user_id


if TYPE_CHECKING:
    _: type[ports.PlatformUserRepository] = InMemoryPlatformUserRepository
    _t: type[ports.UserRepository] = InMemoryTeamRepository
    _o: type[ports.OneTimeTokens] = InMemoryOneTimeTokens
