"""Contract suites: the behaviour every adapter of a port must show, as plain pytest tests.

Each module of this package is a suite for one port. To hold your own adapter to it, star-import
the module into one of your test modules and define a fixture named ``uow_factory``, of module
or session scope, that returns an async zero-argument callable giving a fresh unit of work::

    # tests/test_my_adapter_contracts.py
    import pytest
    from b2core.testing.contracts.users import *  # noqa: F403

    @pytest.fixture(scope="module")
    def uow_factory():
        async def make():
            return MyUnitOfWork(...)   # over an empty store
        return make

The suites are ``async def`` tests marked for the anyio pytest plugin (installed with anyio).
The fixture must not be function-scoped: Hypothesis refuses those in ``@given`` tests.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from b2core.iam import model
from b2core.shared import ids
from b2core.tenants import model as tenant_model

UowFactory = Callable[[], Awaitable[Any]]
"""What the ``uow_factory`` fixture returns: ``await uow_factory()`` gives a fresh UoW."""

MOMENT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def unique_token() -> str:
    """A random token that keeps one example's rows apart from every other's."""
    return secrets.token_hex(6)


def unique_email(base: str = "someone@example.com") -> str:
    """``base`` with a random tag in its local part: an address no other example uses."""
    local, _, domain = base.partition("@")
    return f"{unique_token()}.{local}@{domain}"


def unique_id() -> str:
    """A fresh 36-character id, unlike any other example's."""
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def super_admin(email: str | None = None, user_id: str | None = None) -> model.User:
    """A platform administrator with unique id and email unless given."""
    return model.User(
        id=ids.UserId(user_id or unique_id()),
        tenant_id=None,
        email=email or unique_email(),
        password_hash="hash-of-a-password",
        role=model.Role.SUPER_ADMIN,
        created_at=MOMENT,
    )


def tenant(name: str = "Sunny Bakery", created_at: datetime = MOMENT) -> tenant_model.Tenant:
    """A newly registered, active tenant with a unique id."""
    return tenant_model.Tenant.register(ids.TenantId(unique_id()), name, created_at)


def member(
    tenant_id: ids.TenantId,
    role: model.Role = model.Role.STAFF,
    *,
    created_at: datetime = MOMENT,
    active: bool = True,
) -> model.User:
    """A user of ``tenant_id`` with unique id and email."""
    return model.User(
        id=ids.UserId(unique_id()),
        tenant_id=tenant_id,
        email=unique_email(),
        password_hash="hash-of-a-password",
        role=role,
        created_at=created_at,
        active=active,
    )
