"""PostgreSQL becomes unreachable under load, then comes back: clean 503s, then recovery.

The shared server is never stopped: the app talks to it through a loopback TCP proxy that
the test cuts (every open connection reset, new ones refused) and restores. Requests keep
coming from several clients through the cut and the restore.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.support import faults, http_app, services
from tests.support.http_app import HttpApp

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CLIENTS = 4


@pytest.fixture
def database_url() -> Iterator[str]:
    """A migrated database of this test's own on the shared server."""
    url = services.create_postgres_database(suffix="_fault")
    services.run_sync(lambda: http_app.migrate(url))
    yield url
    services.drop_postgres_database(url)


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}@127.0.0.1:{port}" if parts.username else f"127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _service(name: str) -> dict[str, object]:
    return {"name": name, "description": "Fresh.", "price_minor": 1000, "currency": "PKR"}


def _check(response: httpx.Response, ok: int) -> bool:
    """True for ``ok``; otherwise it must be the clean 503 envelope (never a 500 or a trace)."""
    if response.status_code == ok:
        return True
    assert "Traceback" not in response.text
    http_app.assert_error(response, 503, "database.unavailable")
    return False


class Load:
    """Clients that create and list services until stopped; they note what was created."""

    def __init__(self, api: HttpApp, headers: dict[str, str]) -> None:
        self.api, self.headers = api, headers
        self.created: set[str] = set()
        self.refused: set[str] = set()
        self.statuses: list[int] = []
        # (started, ended, statuses) of each round: a round that straddles the cut or the
        # restore may see either answer, so the checks look only at rounds wholly inside.
        self.rounds: list[tuple[float, float, tuple[int, int]]] = []
        self.running = True

    def statuses_between(self, start: float, end: float) -> list[int]:
        """The statuses of the rounds that began at ``start`` or later and ended by ``end``."""
        return [
            status
            for began, ended, pair in self.rounds
            if began >= start and ended <= end
            for status in pair
        ]

    async def client(self) -> None:
        loop = asyncio.get_running_loop()
        while self.running:
            began = loop.time()
            name = f"Cake {secrets.token_hex(4)}"
            made = await self.api.client.post(
                "/api/v1/services", json=_service(name), headers=self.headers
            )
            (self.created if _check(made, 201) else self.refused).add(name)
            listed = await self.api.client.get("/api/v1/services?limit=5", headers=self.headers)
            _check(listed, 200)
            self.statuses += [made.status_code, listed.status_code]
            self.rounds.append((began, loop.time(), (made.status_code, listed.status_code)))
            await asyncio.sleep(0.01)


async def _all_service_names(api: HttpApp, headers: dict[str, str]) -> set[str]:
    names: set[str] = set()
    cursor: str | None = None
    while True:
        query = "?limit=100" + (f"&cursor={cursor}" if cursor else "")
        page = await api.client.get(f"/api/v1/services{query}", headers=headers)
        assert page.status_code == 200, page.text
        names |= {item["name"] for item in page.json()["items"]}
        cursor = page.json().get("next_cursor")
        if not cursor:
            return names


async def test_database_outage_gives_clean_503s_and_recovers(database_url: str) -> None:
    parts = urlsplit(database_url)
    proxy = faults.TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    try:
        config = http_app.api_settings(_through(database_url, proxy.port))
        async with http_app.running_app(config) as api:
            admin = await api.tenant_admin()
            load = Load(api, admin.headers)
            clients = [asyncio.create_task(load.client()) for _ in range(CLIENTS)]
            try:
                await asyncio.sleep(0.5)
                healthy = len(load.statuses)
                assert healthy > 0
                assert set(load.statuses) <= {200, 201}

                clock = asyncio.get_running_loop().time
                proxy.cut()
                cut_at = clock()
                await asyncio.sleep(0.3)
                ready = await api.client.get("/ready")
                assert ready.status_code == 503, ready.text
                assert ready.json()["checks"]["database"] != "ok"
                await asyncio.sleep(0.7)
                during = load.statuses_between(cut_at, clock())
                assert during, "no request ran during the cut"
                assert set(during) == {503}, during
                health = await api.client.get("/health")
                assert health.status_code == 200  # liveness does not depend on the database

                proxy.restore()
                recovered = False
                for _ in range(100):
                    if (await api.client.get("/ready")).status_code == 200:
                        recovered = True
                        break
                    await asyncio.sleep(0.05)
                assert recovered, "/ready never came back"
                restored_at = clock()
                await asyncio.sleep(1.0)
            finally:
                load.running = False
                await asyncio.gather(*clients)
            after = load.statuses_between(restored_at, float("inf"))
            assert after, "no request ran after the restore"
            assert set(after) <= {200, 201}, after
            stored = await _all_service_names(api, admin.headers)
            assert load.created <= stored
            assert not load.refused & stored, "a refused create left a partial write"
            assert load.refused, "the cut refused nothing"
    finally:
        await proxy.close()
