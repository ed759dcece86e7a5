"""Cloud API media against the fake Graph API: download by id with a size cap, upload, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
import httpx
import pytest

from b2adapters.whatsapp import cloud_api
from b2adapters.whatsapp import media as graph_media
from b2core.conversations import channel
from b2core.shared import errors, ids
from tests.support.fake_graph import FakeGraph

TOKEN = "EAAG-secret-token-123"
PHONE_ID = "1098765"
JPEG = b"\xff\xd8\xff\xe0" + b"x" * 5000


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


@pytest.fixture
async def wa(graph: FakeGraph) -> AsyncIterator[cloud_api.CloudApiChannel]:
    async with httpx.AsyncClient(timeout=2.0) as http:
        yield cloud_api.CloudApiChannel(http, graph.graph_url, PHONE_ID, TOKEN)


async def test_a_download_resolves_the_url_then_fetches_the_bytes_with_the_token(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    graph.add_media("media-img-1", JPEG, "image/jpeg")
    content, mime_type, size = await wa.download_media("media-img-1")
    assert (content, mime_type, size) == (JPEG, "image/jpeg", len(JPEG))
    info, file = graph.requests
    assert (info.method, info.path) == ("GET", "/v21.0/media-img-1")
    assert file.method == "GET"
    assert file.path.startswith("/files/")
    assert {info.headers["authorization"], file.headers["authorization"]} == {f"Bearer {TOKEN}"}


async def test_a_file_declared_over_the_cap_is_refused_before_it_is_fetched(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    graph.add_media("big", JPEG, "image/jpeg")
    with pytest.raises(errors.InvalidInput) as refused:
        await wa.download_media("big", max_bytes=1000)
    assert refused.value.code == "media.too_large"
    assert [r.path for r in graph.requests] == ["/v21.0/big"]


@pytest.mark.parametrize("send_length", [True, False])
async def test_a_body_longer_than_declared_is_cut_off_at_the_cap(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel, send_length: bool
) -> None:
    # The metadata lies (says 10 bytes); with or without Content-Length the stream stops.
    graph.add_media("liar", b"y" * 400_000, "image/png", file_size=10, send_length=send_length)
    with pytest.raises(errors.InvalidInput) as refused:
        await wa.download_media("liar", max_bytes=100_000)
    assert refused.value.code == "media.too_large"


async def test_an_unknown_media_id_is_not_found(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    with pytest.raises(errors.NotFound) as missing:
        await wa.download_media("no-such-media")
    assert missing.value.code == "media.not_found"


async def test_graph_errors_on_media_map_like_the_send_path(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    graph.add_media("m1", JPEG, "image/jpeg")
    graph.media_error(429, code=4, title="Too many calls", headers={"Retry-After": "7"})
    with pytest.raises(channel.RateLimited) as limited:
        await wa.download_media("m1")
    assert limited.value.retry_after.total_seconds() == 7
    graph.media_error(500, code=1, title=f"oops {TOKEN}")
    with pytest.raises(channel.ChannelUnavailable) as down:
        await wa.download_media("m1")
    assert TOKEN not in str(down.value)
    content, _, _ = await wa.download_media("m1")
    assert content == JPEG


async def test_a_wrong_token_cannot_fetch_the_file(graph: FakeGraph) -> None:
    graph.add_media("m1", JPEG, "image/jpeg")
    graph.expected_token = TOKEN
    async with httpx.AsyncClient(timeout=2.0) as http:
        wrong = cloud_api.CloudApiChannel(http, graph.graph_url, PHONE_ID, "not-the-token")
        with pytest.raises(channel.ChannelUnavailable):
            await wrong.download_media("m1")


async def test_an_unreachable_graph_is_unavailable() -> None:
    async with httpx.AsyncClient(timeout=0.5) as http:
        gone = cloud_api.CloudApiChannel(http, "http://127.0.0.1:9/v21.0", PHONE_ID, TOKEN)
        with pytest.raises(channel.ChannelUnavailable):
            await gone.download_media("m1")


async def test_an_upload_posts_multipart_and_returns_the_media_id(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    media_id = await wa.upload_media(JPEG, "image/jpeg", "photo.jpg")
    assert media_id.startswith("media-up-")
    (request,) = graph.requests
    assert (request.method, request.path) == ("POST", f"/v21.0/{PHONE_ID}/media")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"].startswith("multipart/form-data")
    (upload,) = graph.uploads
    assert upload.fields == {"messaging_product": "whatsapp", "type": "image/jpeg"}
    assert (upload.filename, upload.content, upload.mime_type) == ("photo.jpg", JPEG, "image/jpeg")
    # The uploaded file can be downloaded again by its new id, as WhatsApp allows.
    content, _, _ = await wa.download_media(media_id)
    assert content == JPEG


@pytest.mark.parametrize(
    ("data", "mime_type", "filename", "code"),
    [
        (JPEG, "application/x-msdownload", "a.exe", "media.bad_type"),
        (b"", "image/jpeg", "a.jpg", "media.empty"),
        (b"x" * (5 * 1024 * 1024 + 1), "image/jpeg", "a.jpg", "media.too_large"),
        (JPEG, "image/jpeg", "../etc/passwd", "media.bad_name"),
    ],
)
async def test_bad_uploads_are_refused_before_anything_is_sent(
    graph: FakeGraph,
    wa: cloud_api.CloudApiChannel,
    data: bytes,
    mime_type: str,
    filename: str,
    code: str,
) -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        await wa.upload_media(data, mime_type, filename)
    assert refused.value.code == code
    assert graph.requests == []


async def test_a_refused_upload_maps_the_graph_error(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    graph.error(400, code=131053, title="Media upload error")
    with pytest.raises(channel.ChannelUnavailable):
        await wa.upload_media(JPEG, "image/jpeg", "photo.jpg")


@attrs.frozen
class _Directory:
    found: Any

    async def channel_for(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> Any:
        return self.found


async def test_the_downloader_uses_the_cloud_channel_or_a_bridge_url(
    graph: FakeGraph, wa: cloud_api.CloudApiChannel
) -> None:
    graph.add_media("m1", JPEG, "image/jpeg")
    tenant, chan = ids.TenantId("t1"), ids.ChannelId("c1")
    cloud = graph_media.ChannelMediaDownloader(_Directory(wa), lambda: wa.http)
    photo = channel.Media(channel.MediaType.IMAGE, "m1", "image/jpeg")
    assert (await cloud.download(tenant, chan, photo, max_bytes=10_000)).content == JPEG
    # A bridge gave a URL: fetched as it is (no token), the declared type kept.
    bridge = graph_media.ChannelMediaDownloader(_Directory(object()), lambda: wa.http)
    url = graph.file_url("m1")
    by_url = channel.Media(channel.MediaType.IMAGE, url, "image/jpeg")
    graph.open_files = True
    got = await bridge.download(tenant, chan, by_url, max_bytes=10_000)
    assert (got.content, got.mime_type) == (JPEG, "image/jpeg")
    # Only a message id (the simulator, a bridge with downloads off): nothing to fetch.
    with pytest.raises(errors.InvalidInput) as refused:
        await bridge.download(tenant, chan, photo, max_bytes=10_000)
    assert refused.value.code == "media.not_downloadable"
