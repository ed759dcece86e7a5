"""Media over the Graph API (download by media id, upload for sending) and the MediaDownloader.

Downloading is two steps: ``GET {graph}/{media_id}`` gives a short-lived URL with the type and
size, and ``GET <url>`` (with the same bearer token) gives the bytes. A file over the cap is
refused from its declared size before the second step, and the body is streamed and abandoned
as soon as it passes the cap, whatever the server declared. Errors become the channel errors of
the send path (:func:`b2adapters.whatsapp.cloud_api.error_for`); a media id the Graph API does
not know is ``media.not_found``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import httpx

from b2core.conversations import channel, media, media_jobs
from b2core.conversations import ports as conversation_ports
from b2core.shared import errors, ids

if TYPE_CHECKING:
    from b2adapters.whatsapp.cloud_api import CloudApiChannel

CHUNK = 64 * 1024
_URL_SCHEMES = ("https://", "http://")


def too_large(max_bytes: int) -> errors.InvalidInput:
    """The refusal of a file over ``max_bytes``."""
    return errors.InvalidInput(f"the file is over {max_bytes} bytes", code="media.too_large")


def _reached(exc: httpx.HTTPError) -> channel.ChannelUnavailable:
    if isinstance(exc, httpx.TimeoutException):
        return channel.ChannelUnavailable("WhatsApp did not answer in time")
    # The exception's text names no header, so a token cannot leak through it.
    return channel.ChannelUnavailable(f"WhatsApp could not be reached ({type(exc).__name__})")


def _failure(response: httpx.Response, body: object, owner: CloudApiChannel) -> Exception:
    from b2adapters.whatsapp import cloud_api

    if response.status_code == 404:
        return errors.NotFound("WhatsApp has no such media", code="media.not_found")
    error = cloud_api.GraphError.from_response(response.status_code, body)
    return owner._scrub(cloud_api.error_for(error, response.headers))


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


async def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The body of a streamed ``response``, refused as soon as it passes ``max_bytes``."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    received = bytearray()
    async for chunk in response.aiter_bytes(CHUNK):
        received += chunk
        if len(received) > max_bytes:
            raise too_large(max_bytes)
    return bytes(received)


async def download(
    owner: CloudApiChannel, media_id: str, max_bytes: int
) -> media_jobs.DownloadedMedia:
    """The bytes, type and size of ``media_id`` (see the module's notes)."""
    channel.check_id(media_id, "media id")
    headers = {"Authorization": f"Bearer {owner.access_token}"}
    info_url = f"{owner.graph_url.rstrip('/')}/{media_id}"
    try:
        answer = await owner.http.get(info_url, headers=headers)
    except httpx.HTTPError as exc:
        raise _reached(exc) from exc
    body = _json(answer)
    if not answer.is_success:
        raise _failure(answer, body, owner)
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        raise channel.ChannelUnavailable("WhatsApp answered without a media URL")
    declared = body.get("file_size")
    if isinstance(declared, int) and declared > max_bytes:
        raise too_large(max_bytes)
    mime_type = str(body.get("mime_type") or "application/octet-stream")
    content = await _fetch(owner.http, body["url"], headers, max_bytes, owner)
    return media_jobs.DownloadedMedia(content, mime_type, len(content))


async def _fetch(
    http: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    max_bytes: int,
    owner: CloudApiChannel | None,
) -> bytes:
    if not url.startswith(_URL_SCHEMES):
        raise errors.InvalidInput("the media URL is not http(s)", code="media.not_downloadable")
    try:
        async with http.stream("GET", url, headers=headers) as response:
            if not response.is_success:
                await response.aread()
                if owner is not None:
                    raise _failure(response, _json(response), owner)
                if response.status_code in (404, 410):
                    raise errors.NotFound("the media is gone", code="media.not_found")
                raise channel.ChannelUnavailable(
                    f"the media could not be fetched (HTTP {response.status_code})"
                )
            return await read_capped(response, max_bytes)
    except httpx.HTTPError as exc:
        raise _reached(exc) from exc


async def upload(owner: CloudApiChannel, data: bytes, mime_type: str, filename: str) -> str:
    """Upload a file for sending (``POST {graph}/{phone_number_id}/media``); its media id."""
    bare = media.check_media(mime_type, len(data))
    name = media.safe_filename(filename)
    url = f"{owner.graph_url.rstrip('/')}/{owner.phone_number_id}/media"
    headers = {"Authorization": f"Bearer {owner.access_token}"}
    form = {"messaging_product": "whatsapp", "type": bare}
    try:
        answer = await owner.http.post(
            url, data=form, files={"file": (name, data, bare)}, headers=headers
        )
    except httpx.HTTPError as exc:
        raise _reached(exc) from exc
    body = _json(answer)
    if not answer.is_success:
        raise _failure(answer, body, owner)
    media_id = body.get("id") if isinstance(body, dict) else None
    if not isinstance(media_id, str) or not media_id:
        raise channel.ChannelUnavailable("WhatsApp accepted the upload but returned no id")
    return media_id


@attrs.frozen
class ChannelMediaDownloader:
    """The MediaDownloader over the tenant's channels.

    A Cloud API channel downloads by media id. A bridge that gave a file URL is fetched over
    ``http`` (plain GET, the same cap). Anything else (the simulator, a bridge with downloads
    off, which only gives a message id) is ``media.not_downloadable``.
    """

    channels: conversation_ports.ChannelDirectory
    http: Any  # a callable returning the shared httpx.AsyncClient

    async def download(
        self,
        tenant_id: ids.TenantId,
        channel_id: ids.ChannelId,
        attachment: channel.Media,
        *,
        max_bytes: int,
    ) -> media_jobs.DownloadedMedia:
        found = await self.channels.channel_for(tenant_id, channel_id)
        downloader = getattr(found, "download_media", None)
        if downloader is not None:
            got: media_jobs.DownloadedMedia = await downloader(
                attachment.media_id, max_bytes=max_bytes
            )
            return got
        if attachment.media_id.startswith(_URL_SCHEMES):
            content = await _fetch(self.http(), attachment.media_id, {}, max_bytes, None)
            mime_type = attachment.mime_type or "application/octet-stream"
            return media_jobs.DownloadedMedia(content, mime_type, len(content))
        raise errors.InvalidInput(
            "this channel gives no way to download its media", code="media.not_downloadable"
        )


if TYPE_CHECKING:
    _: type[media_jobs.MediaDownloader] = ChannelMediaDownloader
