"""The MediaStorage contract on a local directory and on S3 (moto's in-process mock)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from b2adapters.storage.local import LocalDirectoryStorage
from b2adapters.storage.s3 import S3Storage
from b2core.testing.contracts.media import *  # noqa: F403

BUCKET = "b2-media-contract"


@pytest.fixture(scope="module", params=["local", "s3"])
def media_storage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A factory of empty stores: a fresh directory, or a fresh prefix of one mock bucket."""
    runs = itertools.count()
    if request.param == "local":

        async def make_local(clock: Any, secret: str) -> LocalDirectoryStorage:
            return LocalDirectoryStorage(tmp_path_factory.mktemp("media"), clock, secret)

        yield make_local
        return
    with mock_aws():
        client = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_bucket(Bucket=BUCKET)

        async def make_s3(clock: Any, secret: str) -> S3Storage:
            return S3Storage(client, BUCKET, clock, secret, prefix=f"run{next(runs)}/")

        yield make_s3
