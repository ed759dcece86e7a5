"""Secrets adapters beyond their contract: errors mapped to codes, options, token reuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from b2adapters.secrets import env, gcp
from b2adapters.secrets.aws import AwsSecrets
from b2adapters.secrets.gcp import GcpSecrets
from b2adapters.secrets.vault import VaultSecrets
from b2core.shared import errors
from tests.support.fake_gcp_secrets import TOKEN_PATH, FakeGcpSecrets
from tests.support.fake_vault import FakeVault
from tests.support.smtp_server import free_port

pytestmark = pytest.mark.anyio


@attrs.define
class ManualClock:
    moment: datetime = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


async def _code(awaitable: object) -> str:
    with pytest.raises(errors.DomainError) as caught:
        await awaitable  # type: ignore[misc]
    return caught.value.code


async def test_env_prefers_the_prefixed_variable_and_can_ignore_plain_ones() -> None:
    environ = {"B2_SECRET_STRIPE_KEY": "prefixed", "STRIPE_KEY": "plain", "JWT_SECRET": "p2"}
    assert await env.EnvSecrets(environ).get("stripe-key") == "prefixed"
    assert await env.EnvSecrets(environ).get("jwt_secret") == "p2"
    assert await env.EnvSecrets(environ, plain=False).get("jwt_secret") is None
    assert await env.EnvSecrets({"B2_SECRET_X": ""}).get("x") is None


async def test_vault_sends_token_and_namespace_and_reads_the_chosen_field() -> None:
    with FakeVault(token="t0k", mount="kv") as vault:
        vault.put("apps/b2/jwt_secret", {"value": "v", "other": "o"})
        provider = VaultSecrets(
            vault.url, "t0k", mount="kv", prefix="apps/b2", field="other", namespace="team"
        )
        assert await provider.get("jwt_secret") == "o"
        method, path, headers = vault.server.requests[-1]
        assert (method, path) == ("GET", "/v1/kv/data/apps/b2/jwt_secret")
        assert headers["x-vault-namespace"] == "team"


async def test_vault_errors_have_stable_codes() -> None:
    with FakeVault(token="right") as vault:
        vault.put("b2/number", {"value": 42})
        assert await _code(VaultSecrets(vault.url, "wrong").get("x")) == "secrets.access_denied"
        assert await _code(VaultSecrets(vault.url, "right").get("number")) == "secrets.unavailable"
        vault.fail_with = 503
        assert await _code(VaultSecrets(vault.url, "right").get("x")) == "secrets.unavailable"
    down = VaultSecrets(f"http://127.0.0.1:{free_port()}", "right")
    assert await _code(down.get("x")) == "secrets.unavailable"


async def test_gcp_reuses_the_metadata_token_until_it_nearly_expires() -> None:
    clock = ManualClock()
    with FakeGcpSecrets(project="p") as fake:
        fake.add_version("jwt_secret", "v1")
        tokens = gcp.MetadataToken(clock, url=fake.url + TOKEN_PATH)
        provider = GcpSecrets("p", tokens, api=fake.url)
        assert await provider.get("jwt_secret") == "v1"
        assert await provider.get("jwt_secret") == "v1"
        assert fake.tokens_issued == 1
        clock.moment += timedelta(seconds=3599 - 59)
        assert await provider.get("jwt_secret") == "v1"
        assert fake.tokens_issued == 2


async def test_gcp_errors_have_stable_codes() -> None:
    with FakeGcpSecrets(project="p", static_token="good") as fake:
        bad = GcpSecrets("p", gcp.static_token("bad"), api=fake.url)
        assert await _code(bad.get("x")) == "secrets.access_denied"
        fake.fail_with = 500
        good = GcpSecrets("p", gcp.static_token("good"), api=fake.url)
        assert await _code(good.get("x")) == "secrets.unavailable"
        fake.fail_with = None
        fake.add_version("binary", b"\xff\xfe")
        assert await _code(good.get("binary")) == "secrets.unavailable"
        no_metadata = gcp.MetadataToken(ManualClock(), url=fake.url + "/nothing")
        assert await _code(GcpSecrets("p", no_metadata, api=fake.url).get("x")) == (
            "secrets.unavailable"
        )


async def test_gcp_payload_is_base64_of_utf8() -> None:
    with FakeGcpSecrets(project="p") as fake:
        fake.add_version("greeting", "olá ✓")
        value = await GcpSecrets("p", gcp.static_token("test-token"), api=fake.url).get("greeting")
        assert value == "olá ✓"


async def test_aws_reads_binary_secrets_and_maps_outages() -> None:
    with mock_aws():
        client = boto3.client(
            "secretsmanager",
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_secret(Name="app/blob", SecretBinary="binary ✓".encode())
        assert await AwsSecrets(client, prefix="app/").get("blob") == "binary ✓"
    unreachable = boto3.client(
        "secretsmanager",
        region_name="eu-west-1",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 1}),
    )
    assert await _code(AwsSecrets(unreachable).get("x")) == "secrets.unavailable"
