"""B2_SECRETS_URL: providers from URLs, and settings whose secrets come from the provider."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from b2adapters.secrets.cached import CachedSecrets
from b2adapters.secrets.env import EnvSecrets
from b2app import bootstrap, settings, wiring_secrets
from b2core.platform import secrets
from b2core.shared import errors
from tests.support.fake_gcp_secrets import FakeGcpSecrets
from tests.support.fake_vault import FakeVault

pytestmark = pytest.mark.anyio
JWT = "jwt-secret-from-vault-0123456789-abcdef"


def _vault_url(vault: FakeVault) -> str:
    return f"vault://{vault.url.removeprefix('http://')}/secret?tls=false&token_env=VT"


async def test_each_scheme_gives_a_working_provider() -> None:
    plain = wiring_secrets.provider_from_url(None, environ={"B2_SECRET_A": "1"})
    assert isinstance(plain, EnvSecrets)
    assert await plain.get("a") == "1"
    with FakeVault(token="vt") as vault:
        vault.put("b2/jwt_secret", {"value": JWT})
        provider = wiring_secrets.provider_from_url(_vault_url(vault), environ={"VT": "vt"})
        assert isinstance(provider, CachedSecrets)
        assert await provider.get("jwt_secret") == JWT
    with FakeGcpSecrets(project="proj", static_token="gt") as gcp:
        gcp.add_version("stripe_secret_key", "sk_test_1")
        url = f"gcp://proj?token_env=GT&api={gcp.url}"
        provider = wiring_secrets.provider_from_url(url, environ={"GT": "gt"})
        assert await provider.get("stripe_secret_key") == "sk_test_1"
    with mock_aws():
        boto3.client("secretsmanager", region_name="eu-west-1").create_secret(
            Name="b2/llm_api_key", SecretString="llm-key"
        )
        provider = wiring_secrets.provider_from_url("aws://eu-west-1")
        assert await provider.get("llm_api_key") == "llm-key"


@pytest.fixture(autouse=True)
def _aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")


@pytest.mark.parametrize(
    ("url", "environ"),
    [
        ("ftp://host", {}),
        ("vault://", {}),
        ("vault://127.0.0.1:8200/secret?token_env=NOPE", {}),
        ("gcp://proj?token_env=NOPE", {}),
        ("vault://h/secret?cache_ttl=soon", {"VAULT_TOKEN": "t"}),
    ],
)
def test_bad_urls_are_refused_with_a_stable_code(url: str, environ: dict[str, str]) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        wiring_secrets.provider_from_url(url, environ=environ)
    assert caught.value.code == "settings.bad_secrets_url"


async def test_production_settings_take_missing_secrets_from_vault() -> None:
    with FakeVault(token="vt") as vault:
        vault.put("b2/jwt_secret", {"value": JWT})
        vault.put("b2/stripe_secret_key", {"value": "sk_from_vault"})
        environ = {
            "B2_MODE": "production",
            "B2_SECRETS_URL": _vault_url(vault),
            "VT": "vt",
            "B2_STRIPE_WEBHOOK_SECRET": "whsec_from_env",
        }
        config = await wiring_secrets.load_settings_async(environ)
        assert config.jwt_secret == JWT
        assert config.stripe_secret_key == "sk_from_vault"
        assert config.stripe_webhook_secret == "whsec_from_env"  # the environment wins
        vault.delete("b2/jwt_secret")
        with pytest.raises(errors.InvalidInput) as caught:
            await wiring_secrets.load_settings_async(environ)
        assert caught.value.code == "settings.jwt_secret_required"


def test_the_synchronous_loader_reads_the_environment_as_before() -> None:
    config = wiring_secrets.load_settings({"B2_JWT_SECRET": JWT, "B2_SMTP_URL": "smtp://h"})
    assert (config.jwt_secret, config.smtp_url) == (JWT, "smtp://h")


async def test_resolve_secrets_replaces_only_unset_or_generated_values() -> None:
    demo = settings.from_env({})
    assert settings.secret_was_generated(demo)
    provider = EnvSecrets({"B2_SECRET_JWT_SECRET": JWT, "B2_SECRET_LLM_API_KEY": "k"})
    resolved = await wiring_secrets.resolve_secrets(demo, provider)
    assert (resolved.jwt_secret, resolved.llm_api_key) == (JWT, "k")
    given = settings.from_env({"B2_JWT_SECRET": "j" * 40})
    assert (await wiring_secrets.resolve_secrets(given, provider)).jwt_secret == "j" * 40
    with pytest.raises(errors.InvalidInput) as caught:
        await wiring_secrets.resolve_secrets(demo, EnvSecrets({"JWT_SECRET": "short"}))
    assert caught.value.code == "settings.jwt_secret_too_short"


async def test_the_container_serves_the_configured_provider() -> None:
    config = settings.Settings(database_url="memory://", jwt_secret=JWT)
    container = bootstrap.build_container(config)
    provider: secrets.SecretsProvider = container.resolve(secrets.SecretsProvider)
    assert isinstance(provider, EnvSecrets)
    with pytest.raises(errors.InvalidInput):
        await provider.get("not a name")
