"""The billing routes under test: an app with a hand-moved clock and a media folder of its own.

``billing`` runs on memory and on PostgreSQL with Redis. The SQL backend shares one database
with every API test of the run, so plans, coupons and references made here carry random parts.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from b2adapters.memory.clock import ManualClock
from b2adapters.storage.local import LocalDirectoryStorage
from b2core.conversations import media
from b2core.shared import time
from tests.support import http_app
from tests.support.http_app import API, HttpApp, Session

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
MISSING = "00000000-0000-7000-8000-000000000000"


def token(label: str) -> str:
    """A short random name part, so that runs sharing a database do not collide."""
    return f"{label}{secrets.token_hex(4).upper()}"


@attrs.define
class BillingApi:
    """The running app, its clock, and the folder its screenshots land in."""

    api: HttpApp
    clock: ManualClock
    media_root: Path

    @property
    def client(self) -> httpx.AsyncClient:
        """The app's HTTP client."""
        return self.api.client

    def stored_files(self, tenant_id: str | None) -> list[Path]:
        """Screenshots stored for ``tenant_id``."""
        folder = self.media_root / str(tenant_id)
        return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []

    async def relogin(self, who: Session) -> Session:
        """A fresh session for ``who`` (after the clock moved past the token's life)."""
        return await self.api.session(who.email)

    async def create_plan(self, operator: Session, **fields: Any) -> dict[str, Any]:
        """POST a plan as the super admin; fails the test unless it is created."""
        body = {
            "name": token("Plan "),
            "ai_plan": "PAID_PRO",
            "daily_limit": 100,
            "monthly_limit": 2000,
            "price_minor": 500_000,
            "currency": "PKR",
            "interval": "month",
            **fields,
        }
        response = await self.client.post(f"{API}/admin/plans", headers=operator.headers, json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def create_coupon(self, operator: Session, **fields: Any) -> dict[str, Any]:
        """POST a 10% coupon unless ``fields`` say otherwise (None drops a field); fails unless
        it is created."""
        given = {"code": token("SAVE"), "kind": "PERCENTAGE", "percent": 10, **fields}
        body = {name: value for name, value in given.items() if value is not None}
        response = await self.client.post(
            f"{API}/admin/coupons", headers=operator.headers, json=body
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def submit(
        self,
        who: Session,
        plan_id: str,
        *,
        reference: str | None = None,
        screenshot: tuple[str, bytes, str] | None = ("proof.png", PNG, "image/png"),
        **fields: str,
    ) -> httpx.Response:
        """POST a manual payment form with a screenshot as ``who``."""
        data = {
            "method": "EASYPAISA",
            "sender_name": "Ali Khan",
            "sender_number": "+92 300 1234567",
            "reference": reference or token("TX"),
            "plan_id": plan_id,
            **fields,
        }
        files = {"screenshot": screenshot} if screenshot is not None else None
        if files is None:
            # httpx sends form fields alone url-encoded; force multipart with an empty part.
            files = {"unused": ("", b"", "text/plain")}
        return await self.client.post(
            f"{API}/billing/manual-payments", headers=who.headers, data=data, files=files
        )


def config_for(request: pytest.FixtureRequest) -> Any:
    """Settings of the memory or PostgreSQL+Redis backend of ``request.param``."""
    if request.param == "memory":
        return http_app.api_settings("memory://")
    return http_app.api_settings(
        request.getfixturevalue("api_postgres_url"),
        redis_url=request.getfixturevalue("redis_url"),
        redis_prefix=request.getfixturevalue("redis_prefix"),
    )


@pytest.fixture(
    params=[
        pytest.param("memory"),
        pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
    ]
)
async def billing(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BillingApi]:
    """The app on one backend, with a ``ManualClock`` starting now and a private media folder."""
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    root = tmp_path / "media"
    storage = LocalDirectoryStorage(root, clock, "media-link-secret-for-tests")
    overrides = {time.Clock: clock, media.MediaStorage: storage}
    async with http_app.running_app(config_for(request), overrides) as running:
        yield BillingApi(running, clock, root)


def later(api: BillingApi, **delta: float) -> None:
    """Move the app's clock forward."""
    api.clock.advance(timedelta(**delta))
