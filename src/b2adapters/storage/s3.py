"""S3Storage: media files in an S3-compatible bucket (AWS, MinIO, R2) through boto3."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from botocore import exceptions as boto_errors

from b2core.conversations import media
from b2core.shared import errors, ids, time

T = TypeVar("T")
MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
DELETE_BATCH = 1000  # the most keys one DeleteObjects call takes


class S3Storage:
    """Objects at ``prefix + tenant/YYYY-MM/message/filename`` in ``bucket``.

    ``client`` is a boto3 S3 client; boto3 blocks, so every call runs in a thread. Links are
    signed by b2 itself (the same scheme as every MediaStorage), not S3 presigned URLs, so the
    bucket can stay private behind the application.
    """

    def __init__(
        self, client: Any, bucket: str, clock: time.Clock, secret: str, *, prefix: str = ""
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix
        self._clock = clock
        self._signer = media.LinkSigner(secret)

    async def _call(self, action: Callable[..., T], **kwargs: Any) -> T:
        try:
            return await asyncio.to_thread(action, Bucket=self._bucket, **kwargs)
        except boto_errors.ClientError as failed:
            if failed.response.get("Error", {}).get("Code") in MISSING_CODES:
                raise errors.NotFound("no such media", code="media.not_found") from failed
            raise errors.Unavailable("media storage failed", code="media.unavailable") from failed
        except boto_errors.BotoCoreError as failed:
            raise errors.Unavailable("media storage failed", code="media.unavailable") from failed

    def _key(self, ref: media.MediaRef) -> str:
        checked = media.MediaRef(ref.tenant_id, ref.key)
        return self._prefix + checked.key

    async def put(
        self,
        tenant_id: ids.TenantId,
        message_id: ids.MessageId,
        filename: str,
        content: bytes,
        mime_type: str,
    ) -> media.MediaRef:
        bare = media.check_media(mime_type, len(content))
        ref = media.make_ref(tenant_id, message_id, filename, self._clock.now())
        await self._call(
            self._client.put_object, Key=self._key(ref), Body=content, ContentType=bare
        )
        return ref

    async def get(self, ref: media.MediaRef) -> bytes:
        response: dict[str, Any] = await self._call(self._client.get_object, Key=self._key(ref))
        body: bytes = await asyncio.to_thread(response["Body"].read)
        return body

    async def delete(self, ref: media.MediaRef) -> None:
        await self._call(self._client.delete_object, Key=self._key(ref))

    async def delete_tenant(self, tenant_id: ids.TenantId) -> int:
        folder = self._prefix + media.check_segment(tenant_id, "tenant id") + "/"
        removed = 0
        while True:
            listing: dict[str, Any] = await self._call(
                self._client.list_objects_v2, Prefix=folder, MaxKeys=DELETE_BATCH
            )
            keys = [{"Key": item["Key"]} for item in listing.get("Contents", [])]
            if not keys:
                return removed
            await self._call(self._client.delete_objects, Delete={"Objects": keys, "Quiet": True})
            removed += len(keys)

    def signed_url(self, ref: media.MediaRef, expires_in: timedelta) -> str:
        return self._signer.sign(ref, expires_in, self._clock.now())

    def verify_signed(self, url_or_token: str) -> media.MediaRef:
        return self._signer.verify(url_or_token, self._clock.now())


if TYPE_CHECKING:
    _: type[media.MediaStorage] = S3Storage
