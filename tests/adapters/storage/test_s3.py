"""S3Storage beyond the contract: batched erasure and translated back-end errors (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from b2adapters.memory.clock import ManualClock
from b2adapters.storage import s3
from b2core.shared import errors, ids

SECRET = "s3-secret-0123456789"
TENANT = ids.TenantId("tenant-a")


@pytest.fixture(name="client")
def fx_client() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client(
            "s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
        )
        client.create_bucket(Bucket="media")
        yield client


def _store(client: Any, bucket: str = "media") -> s3.S3Storage:
    return s3.S3Storage(client, bucket, ManualClock(datetime(2026, 5, 1, tzinfo=UTC)), SECRET)


async def test_objects_carry_the_key_and_content_type(client: Any) -> None:
    ref = await _store(client).put(TENANT, ids.MessageId("m1"), "v.mp4", b"mp4", "VIDEO/MP4")
    head = client.head_object(Bucket="media", Key=ref.key)
    assert ref.key == "tenant-a/2026-05/m1/v.mp4"
    assert head["ContentType"] == "video/mp4"


async def test_erasure_deletes_in_batches(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3, "DELETE_BATCH", 2)
    store = _store(client)
    for n in range(5):
        await store.put(TENANT, ids.MessageId(f"m{n}"), "a.png", b"x", "image/png")
    await store.put(ids.TenantId("tenant-b"), ids.MessageId("m0"), "a.png", b"x", "image/png")
    assert await store.delete_tenant(TENANT) == 5
    keys = [o["Key"] for o in client.list_objects_v2(Bucket="media")["Contents"]]
    assert keys == ["tenant-b/2026-05/m0/a.png"]


async def test_a_missing_bucket_is_unavailable_not_a_crash(client: Any) -> None:
    store = _store(client, bucket="no-such-bucket")
    with pytest.raises(errors.Unavailable) as caught:
        await store.put(TENANT, ids.MessageId("m1"), "a.png", b"x", "image/png")
    assert caught.value.code == "media.unavailable"
