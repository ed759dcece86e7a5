"""The tenant's scheduling settings over HTTP: quiet hours read by its people, set by its admins."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import http_app
from tests.support.http_app import API, HttpApp, Session, assert_error

PATH = f"{API}/scheduling/settings"
NIGHT = {"start": "22:00", "end": "08:00"}


async def put(api: HttpApp, who: Session, body: Any) -> Any:
    return await api.client.put(PATH, headers=who.headers, json=body)


async def read(api: HttpApp, who: Session) -> dict[str, Any]:
    response = await api.client.get(PATH, headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_quiet_hours_are_set_read_and_cleared(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    assert await read(api, staff) == {"quiet_hours": None, "updated_at": None}
    saved = await put(api, admin, {"quiet_hours": NIGHT})
    assert saved.status_code == 200, saved.text
    assert saved.json()["quiet_hours"] == NIGHT
    assert saved.json()["updated_at"] is not None
    assert await read(api, staff) == saved.json()
    daytime = await put(api, admin, {"quiet_hours": {"start": "12:00", "end": "13:30"}})
    assert daytime.json()["quiet_hours"] == {"start": "12:00", "end": "13:30"}
    cleared = await put(api, admin, {"quiet_hours": None})
    assert cleared.status_code == 200, cleared.text
    assert (await read(api, admin))["quiet_hours"] is None
    neighbour = await api.tenant_admin()
    assert (await put(api, neighbour, {"quiet_hours": NIGHT})).status_code == 200
    assert (await read(api, staff))["quiet_hours"] is None  # each tenant has its own
    audit = await api.client.get(f"{API}/audit-logs", headers=admin.headers)
    actions = [e["action"] for e in audit.json()["items"] if e["action"].startswith("schedule.")]
    assert actions == [
        "schedule.quiet_hours_cleared",
        "schedule.quiet_hours_set",
        "schedule.quiet_hours_set",
    ]


BAD_SETTINGS: list[tuple[Any, str]] = [
    ({"quiet_hours": {"start": "24:00", "end": "08:00"}}, "schedule.bad_quiet_hours"),
    ({"quiet_hours": {"start": "22:00", "end": "8:00"}}, "schedule.bad_quiet_hours"),
    ({"quiet_hours": {"start": "09:15", "end": "09:15"}}, "schedule.bad_quiet_hours"),
    ({"quiet_hours": {"start": "22:00"}}, "request.invalid"),
    ({"quiet_hours": {"start": 22, "end": 8}}, "request.invalid"),
    ({"quiet_hours": "22:00-08:00"}, "request.invalid"),
    ({"quiet_hours": NIGHT, "timezone": "UTC"}, "request.invalid"),
    ({}, "request.invalid"),
    ([NIGHT], "request.invalid"),
]


async def test_bad_settings_are_refused_and_change_nothing(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    assert (await put(api, admin, {"quiet_hours": NIGHT})).status_code == 200
    before = await read(api, admin)
    for body, code in BAD_SETTINGS:
        response = await put(api, admin, body)
        assert response.status_code == 422, f"{body}: {response.text}"
        assert_error(response, 422, code)
        assert await read(api, admin) == before
    refused = await put(api, staff, {"quiet_hours": {"start": "01:00", "end": "02:00"}})
    assert_error(refused, 403, "auth.forbidden")
    assert await read(api, staff) == before


@pytest.fixture
async def memory_api() -> AsyncIterator[HttpApp]:
    """The app on the memory backend: for guard checks, which no backend changes."""
    async with http_app.running_app(http_app.api_settings("memory://")) as running:
        yield running


async def test_platform_people_and_strangers_neither_read_nor_write(memory_api: HttpApp) -> None:
    api = memory_api
    admin = await api.tenant_admin()
    operator = await api.super_admin()
    assert_error(await api.client.get(PATH, headers=operator.headers), 403, "auth.forbidden")
    assert_error(await put(api, operator, {"quiet_hours": None}), 403, "auth.forbidden")
    assert_error(await api.client.get(PATH), 401, "auth.unauthenticated")
    assert_error(
        await api.client.put(PATH, json={"quiet_hours": None}), 401, "auth.unauthenticated"
    )
    broken = await api.client.put(
        PATH, headers={**admin.headers, "content-type": "application/json"}, content=b"{"
    )
    assert broken.status_code == 400, broken.text


_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_CLOCKISH = st.one_of(
    st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 30), st.integers(0, 70)),
    st.text(alphabet="0123456789: ", max_size=6),
)


@pytest.fixture
async def memory_admin(memory_api: HttpApp) -> tuple[HttpApp, Session]:
    """One in-memory app and tenant admin for every example of a property test."""
    return memory_api, await memory_api.tenant_admin()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=_CLOCKISH, end=_CLOCKISH)
async def test_any_pair_of_times_is_saved_exactly_or_refused_without_a_write(
    memory_admin: tuple[HttpApp, Session], start: str, end: str
) -> None:
    api, admin = memory_admin
    before = await read(api, admin)
    response = await put(api, admin, {"quiet_hours": {"start": start, "end": end}})
    valid = bool(_HHMM.fullmatch(start) and _HHMM.fullmatch(end)) and start != end
    if valid:
        assert response.status_code == 200, response.text
        assert (await read(api, admin))["quiet_hours"] == {"start": start, "end": end}
    else:
        assert_error(response, 422, "schedule.bad_quiet_hours")
        assert await read(api, admin) == before
