"""EvolutionChannel and EvolutionSessions against the fake Evolution API server."""

from __future__ import annotations

import httpx
import pytest

from b2adapters.bridge import evolution, transport
from b2core.conversations import channel
from b2core.shared import errors, ids
from tests.adapters.bridge.conftest import API_KEY
from tests.support import fake_bridge
from tests.support.fake_bridge import FakeBridge

CHANNEL = ids.ChannelId("ch-evo")


def _bridge(http: httpx.AsyncClient, fake: FakeBridge) -> transport.BridgeHttp:
    return transport.BridgeHttp(http, evolution.PROVIDER, fake.base_url, "apikey", API_KEY)


def _channel(http: httpx.AsyncClient, fake: FakeBridge) -> evolution.EvolutionChannel:
    fake.add_session("shop", "connected")
    return evolution.EvolutionChannel(_bridge(http, fake), "shop")


async def test_send_typing_and_read_speak_evolutions_api(
    http: httpx.AsyncClient, evolution_fake: FakeBridge
) -> None:
    target = _channel(http, evolution_fake)
    provider_id = await target.send_text("+55 11 99999-0000", "Olá!")
    await target.show_typing("5511999990000")
    await target.mark_read("5511999990000", "3EB0ABC")
    sent, typing, seen = evolution_fake.requests
    assert provider_id.startswith("BAE5FAKE")
    assert (sent.path, sent.body) == (
        "/message/sendText/shop",
        {"number": "5511999990000", "text": "Olá!"},
    )
    assert sent.headers["apikey"] == API_KEY
    assert typing.body["presence"] == "composing"
    assert seen.body == {
        "readMessages": [
            {"remoteJid": "5511999990000@s.whatsapp.net", "fromMe": False, "id": "3EB0ABC"}
        ]
    }


async def test_an_unknown_number_is_an_invalid_recipient(
    http: httpx.AsyncClient, evolution_fake: FakeBridge
) -> None:
    target = _channel(http, evolution_fake)
    refusal = {
        "status": 400,
        "error": "Bad Request",
        "response": {"message": [{"exists": False, "jid": "1@s.whatsapp.net", "number": "1"}]},
    }
    evolution_fake.answer(400, refusal, path_contains="sendText")
    with pytest.raises(channel.InvalidRecipient):
        await target.send_text("1", "hi")


async def test_a_closed_instance_or_a_down_bridge_is_unavailable(
    http: httpx.AsyncClient, evolution_fake: FakeBridge
) -> None:
    target = evolution.EvolutionChannel(_bridge(http, evolution_fake), "missing")
    with pytest.raises(channel.ChannelUnavailable):
        await target.send_text("15550001111", "hi")
    evolution_fake.stop()
    with pytest.raises(channel.ChannelUnavailable):
        await target.send_text("15550001111", "hi")


async def test_audio_and_images_use_their_endpoints(
    http: httpx.AsyncClient, evolution_fake: FakeBridge
) -> None:
    target = _channel(http, evolution_fake)
    audio = channel.Media(channel.MediaType.AUDIO, "https://files.example/v.ogg")
    image = channel.Media(
        channel.MediaType.IMAGE, "https://files.example/a.jpg", mime_type="image/jpeg", caption="A"
    )
    await target.send_media("15550001111", audio)
    await target.send_media("15550001111", image)
    first, second = evolution_fake.requests
    assert first.path == "/message/sendWhatsAppAudio/shop"
    assert first.body == {"number": "15550001111", "audio": "https://files.example/v.ogg"}
    assert second.body["mediatype"] == "image"
    assert second.body["caption"] == "A"


async def test_an_instance_is_created_scanned_and_logged_out(
    http: httpx.AsyncClient, evolution_fake: FakeBridge
) -> None:
    sessions = evolution.EvolutionSessions(_bridge(http, evolution_fake), {CHANNEL: "shop"})
    assert (await sessions.start(CHANNEL)).state is channel.SessionState.SCAN_QR
    assert await sessions.qr_code(CHANNEL) == fake_bridge.QR_VALUE
    # The QR came with the creation and is kept: no connect call was needed for it.
    assert not any(r.path.startswith("/instance/connect/") for r in evolution_fake.requests)
    evolution_fake.scan("shop")
    assert (await sessions.status(CHANNEL)).state is channel.SessionState.CONNECTED
    assert await sessions.qr_code(CHANNEL) is None
    await sessions.stop(CHANNEL)
    assert (await sessions.status(CHANNEL)).state is channel.SessionState.STOPPED
    await sessions.stop(CHANNEL)
    logouts = [r for r in evolution_fake.requests if r.method == "DELETE"]
    assert len(logouts) == 1


async def test_a_closed_instance_is_connected_again_on_start(
    http: httpx.AsyncClient, evolution_fake: FakeBridge
) -> None:
    evolution_fake.add_session("shop", "stopped")
    sessions = evolution.EvolutionSessions(_bridge(http, evolution_fake), {CHANNEL: "shop"})
    assert (await sessions.start(CHANNEL)).state is channel.SessionState.SCAN_QR
    assert await sessions.qr_code(CHANNEL) == fake_bridge.QR_VALUE
    assert await sessions.pairing_code(CHANNEL, "+1 555") == fake_bridge.PAIRING_CODE
    assert evolution_fake.requests[-1].query == {"number": "1555"}


async def test_an_unknown_instance_is_not_found(
    http: httpx.AsyncClient, evolution_fake: FakeBridge
) -> None:
    sessions = evolution.EvolutionSessions(_bridge(http, evolution_fake), {CHANNEL: "ghost"})
    with pytest.raises(errors.NotFound):
        await sessions.status(CHANNEL)
    await sessions.stop(CHANNEL)  # nothing to stop
    assert all(r.method == "GET" for r in evolution_fake.requests)
