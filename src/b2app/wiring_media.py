"""Composition of inbound media: the storage of ``B2_MEDIA_URL``, the downloader, the fetch job.

``B2_MEDIA_URL`` picks the ``MediaStorage``:

* ``file:///absolute/dir``: the local-directory adapter under that directory;
* ``s3://bucket?endpoint_url=https://...&region=eu-west-1&prefix=media/``: the S3 adapter
  (AWS, MinIO, R2; credentials come from the usual AWS environment variables or profile).

Unset, nothing is registered here and ``wiring_billing_http`` registers its fallback: the local
directory ``<B2_DATA_DIR>/media`` (a temporary directory for ``memory://``). This step runs
before it in ``bootstrap``, so a configured URL wins. Signed links use the same key either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from b2adapters.storage.local import LocalDirectoryStorage
from b2adapters.whatsapp import media as graph_media
from b2app import settings, wiring_billing_http, wiring_channels
from b2core.conversations import media, media_jobs
from b2core.conversations import ports as conversation_ports
from b2core.shared import errors, ids, time
from b2core.shared import outbox as shared_outbox

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring

_S3_OPTIONS = frozenset({"endpoint_url", "region", "prefix"})


def _bad(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(f"B2_MEDIA_URL: {message}", code="settings.invalid")


def parse_media_url(url: str) -> tuple[str, str, dict[str, str]]:
    """``(scheme, location, options)`` of a ``B2_MEDIA_URL``; ``settings.invalid`` if bad.

    ``file``: the location is an absolute directory. ``s3``: the location is the bucket and the
    options are ``endpoint_url``, ``region`` and ``prefix``.
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or parts.query:
            raise _bad("a file URL is file:///absolute/directory")
        path = unquote(parts.path)
        if not path.startswith("/") or path.rstrip("/") == "":
            raise _bad("a file URL names an absolute directory other than /")
        return "file", path, {}
    if parts.scheme == "s3":
        if not parts.netloc or parts.path not in ("", "/"):
            raise _bad("an S3 URL is s3://bucket?endpoint_url=...&region=...")
        query = parse_qs(parts.query, keep_blank_values=False, strict_parsing=False)
        unknown = set(query) - _S3_OPTIONS
        if unknown:
            raise _bad(f"unknown S3 options {sorted(unknown)}")
        return "s3", parts.netloc, {k: v[-1] for k, v in query.items()}
    raise _bad("the scheme is file:// or s3://")


def build_storage(config: settings.Settings, clock: time.Clock) -> media.MediaStorage:
    """The storage ``config.media_url`` names (it must be set)."""
    if config.media_url is None:
        raise _bad("not set")
    scheme, location, options = parse_media_url(config.media_url)
    secret = wiring_billing_http.link_secret(config.jwt_secret)
    if scheme == "file":
        return LocalDirectoryStorage(Path(location), clock, secret)
    import boto3

    from b2adapters.storage.s3 import S3Storage

    client = boto3.client(
        "s3", endpoint_url=options.get("endpoint_url"), region_name=options.get("region")
    )
    return S3Storage(client, location, clock, secret, prefix=options.get("prefix", ""))


def register(wiring: Wiring) -> None:
    """Register the configured storage (when set), the downloader, the fetch job and queue."""
    container, config = wiring.container, wiring.config

    def resolve(key: Any) -> Any:
        return container.resolve(key)

    if config.media_url is not None:
        parse_media_url(config.media_url)  # a bad URL fails at start-up, not at the first file
        wiring.singleton(media.MediaStorage, lambda: build_storage(config, resolve(time.Clock)))
    http = wiring_channels.SharedHttpClient()
    wiring.lifecycle.on_shutdown(http.aclose)
    wiring.singleton(
        media_jobs.MediaDownloader,
        lambda: graph_media.ChannelMediaDownloader(
            resolve(conversation_ports.ChannelDirectory), lambda: http.client
        ),
    )
    wiring.singleton(
        media_jobs.FetchInboundMedia,
        lambda: media_jobs.FetchInboundMedia(
            resolve(conversation_ports.ConversationsUoW),
            resolve(media_jobs.MediaDownloader),
            resolve(media.MediaStorage),
            resolve(time.Clock),
            resolve(ids.IdGenerator),
            max_bytes=config.media_max_mb * media.MB,
        ),
    )
    wiring.singleton(
        media_jobs.MediaFetchQueue,
        lambda: media_jobs.TaskMediaFetchQueue(resolve(shared_outbox.OutboxRelay)),
    )
    wiring.singleton(
        media_jobs.GetMediaLinkHandler,
        lambda: media_jobs.GetMediaLinkHandler(
            resolve(conversation_ports.ConversationsUoW),
            resolve(media.MediaStorage),
            resolve(time.Clock),
            resolve(ids.IdGenerator),
        ),
    )
