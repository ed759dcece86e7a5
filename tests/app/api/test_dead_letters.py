"""The platform operator lists, requeues and discards dead letters through ``/admin/dead-letters``.

The app's ``tasks.DeadLetters`` is the StubBroker adapter over a broker of the test's own, whose
dead-letter queues the test fills with jobs that failed all their attempts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import attrs
import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker

from b2adapters.dramatiq import dead_letters, failures
from b2app import settings
from b2core.shared import tasks
from tests.support import http_app
from tests.support.http_app import API, HttpApp, assert_error

FAILED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@attrs.frozen
class _Api:
    http: HttpApp
    broker: StubBroker


@pytest.fixture
async def api(api_config: settings.Settings) -> AsyncIterator[_Api]:
    broker = StubBroker(middleware=[])
    overrides = {tasks.DeadLetters: dead_letters.StubDeadLetters(broker)}
    async with http_app.running_app(api_config, overrides) as running:
        yield _Api(running, broker)


def _bury(broker: StubBroker, queue: str, actor: str, *args: str, minute: int = 0) -> str:
    """Put a job that failed its three attempts into ``broker``'s dead letters; its id."""
    failed_ms = int(FAILED_AT.replace(minute=minute).timestamp() * 1000)
    message = dramatiq.Message(
        queue_name=queue,
        actor_name=actor,
        args=args,
        kwargs={},
        options={
            failures.ATTEMPTS: 3,
            failures.LAST_ERROR: "ConnectionError: provider down",
            failures.FAILED_AT: failed_ms,
        },
    )
    broker.dead_letters_by_queue[queue].append(message)
    return f"{queue}:{message.message_id}"


async def test_the_operator_lists_dead_letters_newest_first(api: _Api) -> None:
    operator = await api.http.super_admin()
    older = _bury(api.broker, "outbound", "outbound.send", "m-1", minute=1)
    newer = _bury(api.broker, "outbound", "outbound.send", "m-2", minute=2)
    other = _bury(api.broker, "scheduling", "scheduling.send_due", "s-1", minute=3)

    response = await api.http.client.get(f"{API}/admin/dead-letters", headers=operator.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["id"] for item in body["items"]] == [other, newer, older]
    assert body["next_cursor"] is None
    assert body["items"][1] == {
        "id": newer,
        "queue": "outbound",
        "actor": "outbound.send",
        "args": ["m-2"],
        "attempts": 3,
        "last_error": "ConnectionError: provider down",
        "failed_at": "2026-03-01T12:02:00+00:00",
    }

    one_queue = await api.http.client.get(
        f"{API}/admin/dead-letters",
        params={"queue": "outbound", "limit": 1},
        headers=operator.headers,
    )
    assert [item["id"] for item in one_queue.json()["items"]] == [newer]
    cursor = one_queue.json()["next_cursor"]
    assert cursor
    rest = await api.http.client.get(
        f"{API}/admin/dead-letters",
        params={"queue": "outbound", "limit": 1, "cursor": cursor},
        headers=operator.headers,
    )
    assert [item["id"] for item in rest.json()["items"]] == [older]
    assert rest.json()["next_cursor"] is None


async def test_requeue_puts_the_job_back_on_its_queue_once(api: _Api) -> None:
    operator = await api.http.super_admin()
    letter = _bury(api.broker, "outbound", "outbound.send", "m-1")

    response = await api.http.client.post(
        f"{API}/admin/dead-letters/{letter}/requeue", headers=operator.headers
    )
    assert response.status_code == 204, response.text
    assert api.broker.queues["outbound"].qsize() == 1
    listed = await api.http.client.get(f"{API}/admin/dead-letters", headers=operator.headers)
    assert listed.json()["items"] == []

    again = await api.http.client.post(
        f"{API}/admin/dead-letters/{letter}/requeue", headers=operator.headers
    )
    assert_error(again, 404, "dead_letter.not_found")
    assert api.broker.queues["outbound"].qsize() == 1


async def test_discard_deletes_the_dead_letter_for_good(api: _Api) -> None:
    operator = await api.http.super_admin()
    letter = _bury(api.broker, "outbound", "outbound.send", "m-1")
    kept = _bury(api.broker, "outbound", "outbound.send", "m-2")

    response = await api.http.client.delete(
        f"{API}/admin/dead-letters/{letter}", headers=operator.headers
    )
    assert response.status_code == 204, response.text
    listed = await api.http.client.get(f"{API}/admin/dead-letters", headers=operator.headers)
    assert [item["id"] for item in listed.json()["items"]] == [kept]
    again = await api.http.client.delete(
        f"{API}/admin/dead-letters/{letter}", headers=operator.headers
    )
    assert_error(again, 404, "dead_letter.not_found")


@pytest.mark.parametrize("unknown", ["outbound:no-such-message", "no-colon", "bad queue:x"])
async def test_unknown_ids_are_404(api: _Api, unknown: str) -> None:
    operator = await api.http.super_admin()
    for method, path in (
        ("POST", f"{API}/admin/dead-letters/{unknown}/requeue"),
        ("DELETE", f"{API}/admin/dead-letters/{unknown}"),
    ):
        response = await api.http.client.request(method, path, headers=operator.headers)
        assert_error(response, 404, "dead_letter.not_found")


async def test_a_bad_queue_filter_is_a_422(api: _Api) -> None:
    operator = await api.http.super_admin()
    response = await api.http.client.get(
        f"{API}/admin/dead-letters", params={"queue": "no spaces"}, headers=operator.headers
    )
    assert_error(response, 422, "dead_letter.bad_queue")


async def test_only_super_admins_reach_dead_letters(api: _Api) -> None:
    admin = await api.http.tenant_admin()
    letter = _bury(api.broker, "outbound", "outbound.send", "m-1")
    for method, path in (
        ("GET", f"{API}/admin/dead-letters"),
        ("POST", f"{API}/admin/dead-letters/{letter}/requeue"),
        ("DELETE", f"{API}/admin/dead-letters/{letter}"),
    ):
        forbidden = await api.http.client.request(method, path, headers=admin.headers)
        assert_error(forbidden, 403, "auth.forbidden")
        anonymous = await api.http.client.request(method, path)
        assert_error(anonymous, 401, "auth.unauthenticated")
    # Nothing the tenant admin tried had an effect.
    assert [m.message_id for m in api.broker.dead_letters_by_queue["outbound"]] == [
        letter.split(":", 1)[1]
    ]
