"""The whole b2 API over HTTP for tests: one backend's app, an in-loop client, sign-in helpers.

The client is httpx's ``AsyncClient`` on an ``ASGITransport`` running the app on the test's own
event loop, after the app's lifespan has started. Litestar's ``AsyncTestClient`` runs the app in
a portal thread and serves one request at a time, which would make "20 concurrent logins" run
one after another and would put the app's database and Redis connections on another loop.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import attrs
import httpx
import punq
from litestar import Litestar

from b2adapters.email.console import ConsoleMailer
from b2app import bootstrap, operations, settings
from b2app.http import app as http_app
from b2core.iam import commands as iam_commands
from b2core.iam import model as iam_model
from b2core.messagebus import MessageBus
from b2core.platform import model as platform_model
from b2core.platform import ports as platform_ports
from b2core.shared import time
from tests.support import memory_app

API = "/api/v1"
JWT_SECRET = memory_app.JWT_SECRET
PASSWORD = "correct-horse-battery-9"
BACKENDS = ("memory", "sqlite", "postgres+redis")
_CODE = re.compile(r"code is:\s+(\S+)")


def api_settings(
    database_url: str, *, redis_url: str | None = None, redis_prefix: str = "b2:"
) -> settings.Settings:
    """Test settings: a known JWT secret, bcrypt cost 4, no embedded worker."""
    return settings.Settings(
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        jwt_secret=JWT_SECRET,
        bcrypt_cost=4,
        in_process_worker=False,
    )


async def migrate(database_url: str) -> None:
    """Bring a SQL database to the latest schema, as ``b2 migrate`` does."""
    await operations.migrate(api_settings(database_url))


def unique_email(label: str = "user") -> str:
    """An address no other test uses (the SQL backends share one database per run)."""
    return f"{label}-{secrets.token_hex(6)}@example.com"


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    """Check the error envelope and return its inner object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code, body
    inner: dict[str, str] = body["error"]
    return inner


def bearer(access_token: str) -> dict[str, str]:
    """The Authorization header for ``access_token``."""
    return {"Authorization": f"Bearer {access_token}"}


@attrs.frozen
class Session:
    """A signed-in user: who they are and the tokens of their login."""

    email: str
    password: str
    role: iam_model.Role
    user_id: str
    tenant_id: str | None
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        """The bearer header of this session's access token."""
        return bearer(self.access_token)


@attrs.define
class HttpApp:
    """A running app: its client, the app, its container and its console mailer's mailbox."""

    client: httpx.AsyncClient
    app: Litestar
    container: punq.Container
    mailer: ConsoleMailer

    @property
    def bus(self) -> MessageBus:
        """The app's message bus, for setting up what no route does (the first super admin)."""
        bus: MessageBus = self.container.resolve(MessageBus)
        return bus

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        """Log in through the API; fails the test unless it succeeds."""
        response = await self.client.post(
            f"{API}/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        pair: dict[str, Any] = response.json()
        return pair

    async def session(self, email: str, password: str = PASSWORD) -> Session:
        """Log in and describe the session through ``GET /me``."""
        pair = await self.login(email, password)
        me = await self.client.get(f"{API}/me", headers=bearer(pair["access_token"]))
        assert me.status_code == 200, me.text
        body = me.json()
        return Session(
            email,
            password,
            iam_model.Role(body["role"]),
            body["user_id"],
            body["tenant_id"],
            pair["access_token"],
            pair["refresh_token"],
        )

    async def tenant_admin(self, business_name: str | None = None) -> Session:
        """Register a new business through the API and sign its admin in."""
        email = unique_email("admin")
        response = await self.client.post(
            f"{API}/auth/register",
            json={
                "business_name": business_name or f"Shop {secrets.token_hex(4)}",
                "email": email,
                "password": PASSWORD,
            },
        )
        assert response.status_code == 201, response.text
        return await self.session(email)

    async def member(self, admin: Session, role: iam_model.Role = iam_model.Role.STAFF) -> Session:
        """Add a member to ``admin``'s team through the API and sign them in."""
        email = unique_email(role.value.lower())
        response = await self.client.post(
            f"{API}/team",
            headers=admin.headers,
            json={"email": email, "role": role.value, "password": PASSWORD},
        )
        assert response.status_code == 201, response.text
        return await self.session(email)

    async def super_admin(self) -> Session:
        """Create a platform administrator (as ``b2 bootstrap`` does) and sign them in."""
        email = unique_email("operator")
        assert await self.bus.handle(iam_commands.EnsureSuperAdmin(email, PASSWORD))
        return await self.session(email)

    @asynccontextmanager
    async def platform_settings(self, **changes: Any) -> AsyncIterator[None]:
        """Change system settings (the feature toggles) for a block, then put them back."""
        before = await self._save_system(**changes)
        try:
            yield
        finally:
            await self._save_system(**attrs.asdict(before, recurse=False))

    async def _save_system(self, **changes: Any) -> platform_model.SystemSettings:
        uow: platform_ports.PlatformUoW = self.container.resolve(platform_ports.PlatformUoW)
        clock: time.Clock = self.container.resolve(time.Clock)
        async with uow.platform() as tx:
            await tx.settings.ensure_system(platform_model.SystemSettings(updated_at=clock.now()))
            current = await tx.settings.system()
            assert current is not None
            await tx.settings.save_system(attrs.evolve(current, **changes))
            await tx.commit()
        return current

    def last_code_sent_to(self, email: str) -> str:
        """The single-use code of the newest email sent to ``email``."""
        for message in reversed(self.mailer.sent):
            if message.to == email and (found := _CODE.search(message.text)):
                return found.group(1)
        raise AssertionError(f"no email with a code was sent to {email}")


@asynccontextmanager
async def running_app(
    config: settings.Settings, overrides: Mapping[Any, Any] | None = None
) -> AsyncIterator[HttpApp]:
    """Build the app with ``create_app(build_container(config, overrides=...))`` and serve it."""
    mailer = ConsoleMailer()
    container = bootstrap.build_container(
        config, overrides={platform_ports.Mailer: mailer, **(overrides or {})}
    )
    app = http_app.create_app(container)
    async with app.lifespan():
        # Litestar's precise ASGI types are narrower than httpx's generic callable; it is one.
        asgi: Any = app
        transport = httpx.ASGITransport(app=asgi, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield HttpApp(client, app, container, mailer)
