"""``B2_MEDIA_URL``: which media storage it picks, what it refuses, and what is wired with it."""

from __future__ import annotations

from pathlib import Path

import attrs
import boto3
import pytest
from moto import mock_aws

from b2adapters.memory.clock import ManualClock
from b2adapters.storage.local import LocalDirectoryStorage
from b2adapters.storage.s3 import S3Storage
from b2adapters.whatsapp import media as graph_media
from b2app import bootstrap, settings, wiring_media
from b2core.conversations import media, media_jobs
from b2core.shared import errors, ids
from tests.support import http_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def test_file_and_s3_urls_are_read_and_bad_ones_refused() -> None:
    assert wiring_media.parse_media_url("file:///srv/b2/media") == ("file", "/srv/b2/media", {})
    s3 = "s3://bucket-1?endpoint_url=http://127.0.0.1:9000&region=eu-west-1&prefix=m/"
    assert wiring_media.parse_media_url(s3) == (
        "s3",
        "bucket-1",
        {"endpoint_url": "http://127.0.0.1:9000", "region": "eu-west-1", "prefix": "m/"},
    )
    for bad in (
        "file://relative/dir",
        "file:///",
        "file:///srv?x=1",
        "ftp://host/dir",
        "s3://",
        "s3://bucket/path",
        "s3://bucket?acl=public",
    ):
        with pytest.raises(errors.InvalidInput) as refused:
            wiring_media.parse_media_url(bad)
        assert refused.value.code == "settings.invalid", bad


def test_the_settings_read_the_media_url_and_cap() -> None:
    config = settings.from_env({"B2_MEDIA_URL": "file:///srv/media", "B2_MEDIA_MAX_MB": "32"})
    assert (config.media_url, config.media_max_mb) == ("file:///srv/media", 32)
    assert settings.from_env({}).media_url is None
    for bad in ({"B2_MEDIA_URL": "not-a-url"}, {"B2_MEDIA_MAX_MB": "0"}):
        with pytest.raises(errors.InvalidInput) as refused:
            settings.from_env(bad)
        assert refused.value.code == "settings.invalid"


async def test_a_file_url_wins_over_the_billing_fallback(tmp_path: Path) -> None:
    config = attrs.evolve(
        http_app.api_settings("memory://"), media_url=f"file://{tmp_path}/files", media_max_mb=3
    )
    container = bootstrap.build_container(config)
    storage = container.resolve(media.MediaStorage)
    assert isinstance(storage, LocalDirectoryStorage)
    ref = await storage.put(ids.TenantId("t1"), ids.MessageId("m1"), "a.png", PNG, "image/png")
    assert (tmp_path / "files" / ref.key).read_bytes() == PNG
    job = container.resolve(media_jobs.FetchInboundMedia)
    assert job.max_bytes == 3 * media.MB
    assert job.storage is storage
    assert isinstance(job.downloader, graph_media.ChannelMediaDownloader)
    assert isinstance(container.resolve(media_jobs.MediaFetchQueue), media_jobs.TaskMediaFetchQueue)


def test_a_bad_media_url_stops_the_start(tmp_path: Path) -> None:
    config = attrs.evolve(http_app.api_settings("memory://"), media_url="ftp://example/dir")
    with pytest.raises(errors.InvalidInput) as refused:
        bootstrap.build_container(config)
    assert refused.value.code == "settings.invalid"


async def test_an_s3_url_picks_the_s3_adapter_on_that_bucket() -> None:
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="b2-media")
        config = attrs.evolve(
            http_app.api_settings("memory://"),
            media_url="s3://b2-media?region=us-east-1&prefix=files/",
        )
        storage = wiring_media.build_storage(config, ManualClock())
        assert isinstance(storage, S3Storage)
        ref = await storage.put(ids.TenantId("t1"), ids.MessageId("m1"), "a.png", PNG, "image/png")
        assert await storage.get(ref) == PNG
        listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket="b2-media")
        assert [o["Key"] for o in listed["Contents"]] == [f"files/{ref.key}"]
