"""The SecretsProvider contract on env, Vault, AWS (moto), GCP and the cache, over local fakes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from b2adapters.secrets import env, gcp
from b2adapters.secrets.aws import AwsSecrets
from b2adapters.secrets.cached import CachedSecrets
from b2adapters.secrets.gcp import GcpSecrets
from b2adapters.secrets.vault import VaultSecrets
from b2adapters.system import SystemClock
from b2core.testing.contracts.secrets_provider import *  # noqa: F403
from b2core.testing.contracts.secrets_provider import SecretsUnderTest
from tests.support.fake_gcp_secrets import FakeGcpSecrets
from tests.support.fake_vault import FakeVault


def _env() -> Iterator[Any]:
    async def make() -> SecretsUnderTest:
        environ: dict[str, str] = {}

        async def put(name: str, value: str) -> None:
            environ[env.variable_names(name)[0]] = value

        async def delete(name: str) -> None:
            environ.pop(env.variable_names(name)[0], None)

        return SecretsUnderTest(env.EnvSecrets(environ), put, delete)

    yield make


def _vault(cached: bool) -> Iterator[Any]:
    with FakeVault(token="contract-token") as vault:

        async def make() -> SecretsUnderTest:
            provider: Any = VaultSecrets(vault.url, "contract-token", prefix="b2")
            if cached:  # a zero TTL: every read goes through, the wrapper must stay faithful
                provider = CachedSecrets(provider, SystemClock(), ttl=timedelta(0))

            async def put(name: str, value: str) -> None:
                vault.put(f"b2/{name}", {"value": value})

            async def delete(name: str) -> None:
                vault.delete(f"b2/{name}")

            return SecretsUnderTest(provider, put, delete)

        yield make


def _aws() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client(
            "secretsmanager",
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

        async def make() -> SecretsUnderTest:
            async def put(name: str, value: str) -> None:
                try:
                    client.put_secret_value(SecretId=f"b2/{name}", SecretString=value)
                except client.exceptions.ResourceNotFoundException:
                    client.create_secret(Name=f"b2/{name}", SecretString=value)

            async def delete(name: str) -> None:
                client.delete_secret(SecretId=f"b2/{name}", ForceDeleteWithoutRecovery=True)

            return SecretsUnderTest(AwsSecrets(client, prefix="b2/"), put, delete)

        yield make


def _gcp() -> Iterator[Any]:
    with FakeGcpSecrets(project="contract", static_token="contract-token") as fake:

        async def make() -> SecretsUnderTest:
            provider = GcpSecrets("contract", gcp.static_token("contract-token"), api=fake.url)

            async def put(name: str, value: str) -> None:
                fake.add_version(name, value)

            async def delete(name: str) -> None:
                fake.disable_latest(name)

            return SecretsUnderTest(provider, put, delete)

        yield make


@pytest.fixture(scope="module", params=["env", "vault", "aws", "gcp", "cached"])
def secrets_setup(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Providers over an empty back-end (a fresh name per test keeps examples apart)."""
    factories: dict[str, Callable[[], Iterator[Any]]] = {
        "env": _env,
        "vault": functools.partial(_vault, cached=False),
        "aws": _aws,
        "gcp": _gcp,
        "cached": functools.partial(_vault, cached=True),
    }
    yield from factories[request.param]()
