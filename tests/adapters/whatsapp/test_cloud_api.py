"""The Cloud API channel against a local fake Graph API: request shapes and error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest

from b2adapters.whatsapp import cloud_api
from b2core.conversations import channel
from tests.support.fake_graph import FakeGraph

TOKEN = "EAAG-secret-token-123"
PHONE_ID = "1098765"


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


@pytest.fixture
async def wa(graph: FakeGraph) -> AsyncIterator[cloud_api.CloudApiChannel]:
    async with httpx.AsyncClient(timeout=1.0) as http:
        yield cloud_api.CloudApiChannel(http, graph.graph_url, PHONE_ID, TOKEN)


async def test_text_goes_to_the_messages_endpoint_with_the_bearer_token(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    wamid = await wa.send_text("15551234567", "Hello!", idempotency_key="k1")
    assert wamid.startswith("wamid.fake")
    (request,) = graph.requests
    assert request.path == f"/v21.0/{PHONE_ID}/messages"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "15551234567",
        "type": "text",
        "text": {"body": "Hello!", "preview_url": False},
    }


async def test_template_carries_its_language_and_body_parameters(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    template = channel.Template("order_ready", "en_US", ("Ali", "#42"))
    await wa.send_template("15551234567", template)
    body = graph.requests[0].body
    assert body["type"] == "template"
    assert body["template"] == {
        "name": "order_ready",
        "language": {"code": "en_US"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Ali"}, {"type": "text", "text": "#42"}],
            }
        ],
    }


async def test_media_is_sent_by_id_with_caption_and_filename(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    doc = channel.Media(channel.MediaType.DOCUMENT, "m-1", caption="Invoice", filename="inv.pdf")
    voice = channel.Media(channel.MediaType.AUDIO, "m-2", caption="ignored")
    await wa.send_media("1555", doc)
    await wa.send_media("1555", voice)
    first, second = (r.body for r in graph.requests)
    assert first["type"] == "document"
    assert first["document"] == {"id": "m-1", "caption": "Invoice", "filename": "inv.pdf"}
    assert second["type"] == "audio"
    assert second["audio"] == {"id": "m-2"}


async def test_read_receipt_and_typing_use_the_status_call(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    await wa.mark_read("1555", "wamid.in1")
    await wa.show_typing("1555", in_reply_to="wamid.in2")
    await wa.show_typing("1555")  # nothing to tie it to: no call
    read, typing = (r.body for r in graph.requests)
    assert read == {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.in1"}
    assert typing["message_id"] == "wamid.in2"
    assert typing["typing_indicator"] == {"type": "text"}


@pytest.mark.parametrize("code", [4, 80007, 130429, 131048, 131056])
async def test_rate_limit_codes_become_rate_limited(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel, code: int
) -> None:
    graph.error(400, code=code, title="Rate limit hit")
    with pytest.raises(channel.RateLimited) as caught:
        await wa.send_text("1555", "hi")
    assert caught.value.retry_after == cloud_api.DEFAULT_RETRY_AFTER


async def test_retry_after_comes_from_the_header(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    graph.error(429, code=130429, headers={"Retry-After": "17"})
    with pytest.raises(channel.RateLimited) as caught:
        await wa.send_text("1555", "hi")
    assert caught.value.retry_after == timedelta(seconds=17)


async def test_closed_window_becomes_window_closed(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    graph.error(400, code=131047, title="Re-engagement message")
    with pytest.raises(channel.WindowClosed) as caught:
        await wa.send_text("1555", "hi")
    assert caught.value.code == "channel.window_closed"


@pytest.mark.parametrize(
    ("code", "details"),
    [
        (131026, ""),
        (131021, ""),
        (100, "Invalid parameter: recipient phone number not in allowed list"),
    ],
)
async def test_bad_recipients_become_invalid_recipient(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel, code: int, details: str
) -> None:
    graph.error(400, code=code, title="Undeliverable", details=details)
    with pytest.raises(channel.InvalidRecipient):
        await wa.send_text("1555", "hi")


async def test_another_invalid_parameter_is_not_blamed_on_the_recipient(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    graph.error(400, code=100, title="Invalid parameter", details="template name unknown")
    with pytest.raises(channel.ChannelUnavailable):
        await wa.send_text("1555", "hi")


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_become_unavailable(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel, status: int
) -> None:
    graph.raw(status, b"<html>oops</html>")
    with pytest.raises(channel.ChannelUnavailable) as caught:
        await wa.send_text("1555", "hi")
    assert str(status) in caught.value.message


async def test_a_timeout_becomes_unavailable(graph: FakeGraph) -> None:
    graph.stall(0.5)
    async with httpx.AsyncClient(timeout=0.1) as http:
        wa = cloud_api.CloudApiChannel(http, graph.graph_url, PHONE_ID, TOKEN)
        with pytest.raises(channel.ChannelUnavailable):
            await wa.send_text("1555", "hi")


async def test_an_unreachable_graph_becomes_unavailable() -> None:
    async with httpx.AsyncClient(timeout=0.5) as http:
        wa = cloud_api.CloudApiChannel(http, "http://127.0.0.1:9/v21.0", PHONE_ID, TOKEN)
        with pytest.raises(channel.ChannelUnavailable):
            await wa.send_text("1555", "hi")


async def test_a_success_without_a_message_id_is_unavailable(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    graph.raw(200, b'{"messages": []}')
    with pytest.raises(channel.ChannelUnavailable):
        await wa.send_text("1555", "hi")


async def test_the_token_never_shows_in_errors_reprs_or_logs(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Given a provider error that echoes the token back
    graph.error(401, code=190, title=f"Invalid OAuth access token {TOKEN}")
    with pytest.raises(channel.ChannelUnavailable) as caught:
        await wa.send_text("1555", "hi")
    assert graph.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)
    assert TOKEN not in repr(wa)
    assert TOKEN not in caplog.text
