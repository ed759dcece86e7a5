"""WahaChannel and WahaSessions against the fake WAHA server: calls, errors, sessions, QR."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import pytest

from b2adapters.bridge import expiring, transport, waha
from b2core.conversations import channel
from b2core.shared import errors, ids
from tests.adapters.bridge.conftest import API_KEY
from tests.support import fake_bridge
from tests.support.fake_bridge import FakeBridge

CHANNEL = ids.ChannelId("ch-waha")


def _bridge(http: httpx.AsyncClient, fake: FakeBridge, key: str = API_KEY) -> transport.BridgeHttp:
    return transport.BridgeHttp(http, waha.PROVIDER, fake.base_url, waha.KEY_HEADER, key)


def _channel(http: httpx.AsyncClient, fake: FakeBridge) -> waha.WahaChannel:
    fake.add_session("default", "connected")
    return waha.WahaChannel(_bridge(http, fake), "default")


async def test_send_typing_and_read_speak_wahas_api(
    http: httpx.AsyncClient, waha_fake: FakeBridge
) -> None:
    target = _channel(http, waha_fake)
    provider_id = await target.send_text("+1 555 000 1111", "Hello!")
    await target.show_typing("15550001111")
    await target.mark_read("15550001111", "false_15550001111@c.us_AAA")
    sent, typing, seen = waha_fake.requests
    assert provider_id.startswith("true_15550001111@c.us_FAKE")
    assert (sent.path, sent.body) == (
        "/api/sendText",
        {"session": "default", "chatId": "15550001111@c.us", "text": "Hello!"},
    )
    assert sent.headers["x-api-key"] == API_KEY
    assert typing.path == "/api/startTyping"
    assert seen.body["messageIds"] == ["false_15550001111@c.us_AAA"]


async def test_a_privacy_id_is_sent_to_as_it_is(
    http: httpx.AsyncClient, waha_fake: FakeBridge
) -> None:
    await _channel(http, waha_fake).send_text("12345678@lid", "hi")
    assert waha_fake.requests[-1].body["chatId"] == "12345678@lid"


def test_every_engines_answer_shape_gives_the_id() -> None:
    assert waha.message_id_of({"id": "true_1@c.us_X"}) == "true_1@c.us_X"
    assert waha.message_id_of({"id": {"_serialized": "true_1@c.us_Y"}}) == "true_1@c.us_Y"
    assert waha.message_id_of({"key": {"id": "3EB0Z"}}) == "3EB0Z"
    with pytest.raises(channel.ChannelUnavailable):
        waha.message_id_of({"ok": True})


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (429, {"error": "too many"}, channel.RateLimited),
        (500, {"error": "boom"}, channel.ChannelUnavailable),
        (503, None, channel.ChannelUnavailable),
        (422, {"error": "Session status is not as expected"}, channel.ChannelUnavailable),
        (401, {"message": "Unauthorized"}, channel.ChannelUnavailable),
        (400, {"error": "The number is not registered on WhatsApp"}, channel.InvalidRecipient),
    ],
)
async def test_refusals_become_the_ports_errors(
    http: httpx.AsyncClient,
    waha_fake: FakeBridge,
    status: int,
    body: object,
    expected: type[Exception],
) -> None:
    target = _channel(http, waha_fake)
    waha_fake.answer(status, body, headers={"Retry-After": "7"}, path_contains="sendText")
    with pytest.raises(expected) as raised:
        await target.send_text("15550001111", "hello")
    if isinstance(raised.value, channel.RateLimited):
        assert raised.value.retry_after == timedelta(seconds=7)


async def test_a_timeout_is_unavailable_and_the_key_never_shows(
    waha_fake: FakeBridge, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.001)) as slow:
        target = waha.WahaChannel(_bridge(slow, waha_fake), "default")
        waha_fake.answer(401, {"echo": API_KEY}, path_contains="sendText")
        refused = None
        try:
            await target.send_text("15550001111", "hi")
        except channel.ChannelUnavailable as exc:
            refused = exc
    assert refused is not None
    assert API_KEY not in str(refused)
    assert API_KEY not in repr(target)
    assert API_KEY not in caplog.text


async def test_templates_and_non_url_media_are_refused_for_good(
    http: httpx.AsyncClient, waha_fake: FakeBridge
) -> None:
    target = _channel(http, waha_fake)
    with pytest.raises(transport.UnsupportedMessage) as raised:
        await target.send_template("1555", channel.Template("welcome", "en"))
    assert raised.value.code == "channel.unsupported_message"
    assert isinstance(raised.value, channel.InvalidRecipient)  # the send job gives up at once
    with pytest.raises(transport.UnsupportedMessage):
        await target.send_media("1555", channel.Media(channel.MediaType.IMAGE, "meta-handle-1"))
    assert waha_fake.requests == []


async def test_media_goes_by_url_with_its_caption(
    http: httpx.AsyncClient, waha_fake: FakeBridge
) -> None:
    media = channel.Media(
        channel.MediaType.DOCUMENT,
        "https://files.example/menu.pdf",
        mime_type="application/pdf",
        caption="Our menu",
        filename="menu.pdf",
    )
    await _channel(http, waha_fake).send_media("15550001111", media, idempotency_key="m-1")
    sent = waha_fake.requests[-1]
    assert sent.path == "/api/sendFile"
    assert sent.body["file"] == {
        "url": "https://files.example/menu.pdf",
        "mimetype": "application/pdf",
        "filename": "menu.pdf",
    }
    assert sent.body["caption"] == "Our menu"


async def test_a_failed_send_is_not_remembered_under_its_key(
    http: httpx.AsyncClient, waha_fake: FakeBridge
) -> None:
    target = _channel(http, waha_fake)
    waha_fake.answer(500, {"error": "down"}, path_contains="sendText")
    with pytest.raises(channel.ChannelUnavailable):
        await target.send_text("15550001111", "hi", idempotency_key="k-1")
    first = await target.send_text("15550001111", "hi", idempotency_key="k-1")
    again = await target.send_text("15550001111", "hi", idempotency_key="k-1")
    assert first == again
    assert len(waha_fake.sends()) == 2  # the failure and one success


async def test_a_session_starts_shows_its_qr_connects_and_stops(
    http: httpx.AsyncClient, waha_fake: FakeBridge
) -> None:
    sessions = waha.WahaSessions(_bridge(http, waha_fake), {CHANNEL: "shop"})
    # Given no session on the bridge: start creates it, and it waits for a scan.
    started = await sessions.start(CHANNEL)
    assert started.state is channel.SessionState.SCAN_QR
    assert waha_fake.requests[1].body == {"name": "shop", "start": True}
    assert await sessions.qr_code(CHANNEL) == fake_bridge.QR_VALUE
    # When the phone scans it, the session is connected and has no QR any more.
    waha_fake.scan("shop")
    assert (await sessions.status(CHANNEL)).state is channel.SessionState.CONNECTED
    assert await sessions.qr_code(CHANNEL) is None
    await sessions.stop(CHANNEL)
    assert (await sessions.status(CHANNEL)).state is channel.SessionState.STOPPED
    await sessions.stop(CHANNEL)  # stopping a stopped session does nothing
    assert [r.path for r in waha_fake.requests].count("/api/sessions/shop/stop") == 1


async def test_a_stopped_session_is_started_and_the_qr_is_kept_a_minute(
    http: httpx.AsyncClient, waha_fake: FakeBridge
) -> None:
    clock = [100.0]
    kept = expiring.ExpiringMap[str](expiring.QR_TTL_S, now=lambda: clock[0])
    sessions = waha.WahaSessions(_bridge(http, waha_fake), {CHANNEL: "shop"}, kept)
    waha_fake.add_session("shop", "stopped")
    assert (await sessions.start(CHANNEL)).state is channel.SessionState.SCAN_QR
    await sessions.qr_code(CHANNEL)
    await sessions.qr_code(CHANNEL)
    clock[0] += 61
    await sessions.qr_code(CHANNEL)
    paths = [r.path for r in waha_fake.requests]
    assert "/api/sessions/shop/start" in paths
    assert paths.count("/api/shop/auth/qr") == 2  # once, then again after 60 s


async def test_unknown_channels_and_sessions_are_not_found(
    http: httpx.AsyncClient, waha_fake: FakeBridge
) -> None:
    sessions = waha.WahaSessions(_bridge(http, waha_fake), {CHANNEL: "ghost"})
    with pytest.raises(errors.NotFound) as raised:
        await sessions.status(CHANNEL)
    assert raised.value.code == "channel.not_found"
    with pytest.raises(errors.NotFound):
        await sessions.status(ids.ChannelId("other"))


async def test_a_pairing_code_replaces_the_qr(
    http: httpx.AsyncClient, waha_fake: FakeBridge
) -> None:
    sessions = waha.WahaSessions(_bridge(http, waha_fake), {CHANNEL: "shop"})
    waha_fake.add_session("shop", "qr")
    assert await sessions.pairing_code(CHANNEL, "+1 555 000 1111") == fake_bridge.PAIRING_CODE
    assert waha_fake.requests[-1].body == {"phoneNumber": "15550001111"}
