"""Composition of the secrets provider, and settings whose secrets live in Vault or a cloud.

``B2_SECRETS_URL`` picks the back-end:

- ``env://`` (the default): ``B2_SECRET_<NAME>``, then ``<NAME>``, from the environment;
- ``vault://host:8200/<mount>?token_env=VAULT_TOKEN&prefix=b2&tls=true&namespace=...``;
- ``aws://<region>?prefix=b2/`` (boto3's usual credential chain; ``endpoint=`` for tests);
- ``gcp://<project>?token_env=GCP_ACCESS_TOKEN`` (without ``token_env``, the metadata server).

Remote back-ends are wrapped in a cache (``cache_ttl`` seconds, default 300).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import attrs

from b2adapters.secrets import cached, env, gcp, vault
from b2adapters.system import SystemClock
from b2app import settings
from b2core.platform import secrets
from b2core.shared import errors, time

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring

# Settings that may come from the provider when the environment does not set them.
SECRET_SETTINGS = (
    "jwt_secret",
    "stripe_secret_key",
    "stripe_webhook_secret",
    "llm_api_key",
    "field_encryption_key",
)


def _bad(reason: str) -> errors.InvalidInput:
    return errors.InvalidInput(f"B2_SECRETS_URL: {reason}", code="settings.bad_secrets_url")


def _option(query: Mapping[str, list[str]], name: str, default: str = "") -> str:
    return query.get(name, [default])[-1]


def _token(environ: Mapping[str, str], variable: str) -> str:
    token = environ.get(variable)
    if not token:
        raise _bad(f"the token variable {variable} is not set")
    return token


def provider_from_url(
    url: str | None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: time.Clock | None = None,
) -> secrets.SecretsProvider:
    """The provider ``url`` names; ``errors.InvalidInput`` (``settings.bad_secrets_url``)."""
    environ = os.environ if environ is None else environ
    parts = urlsplit(url or "env://")
    query = parse_qs(parts.query)
    if parts.scheme == "env":
        return env.EnvSecrets(environ, plain=_option(query, "plain", "true") != "false")
    clock = clock or SystemClock()
    remote = _remote(parts.scheme, parts, query, environ, clock)
    try:
        ttl = timedelta(seconds=float(_option(query, "cache_ttl", "300")))
        stale = timedelta(seconds=float(_option(query, "serve_stale", "0")))
    except ValueError as exc:
        raise _bad("cache_ttl and serve_stale are seconds") from exc
    return cached.CachedSecrets(remote, clock, ttl, serve_stale_for=stale)


def _remote(
    scheme: str,
    parts: Any,
    query: Mapping[str, list[str]],
    environ: Mapping[str, str],
    clock: time.Clock,
) -> secrets.SecretsProvider:
    if not parts.hostname:
        raise _bad("a host (Vault), region (AWS) or project (GCP) is required")
    if scheme == "vault":
        http = "http" if _option(query, "tls", "true") == "false" else "https"
        address = f"{http}://{parts.netloc}"
        return vault.VaultSecrets(
            address,
            _token(environ, _option(query, "token_env", "VAULT_TOKEN")),
            mount=parts.path.strip("/") or "secret",
            prefix=_option(query, "prefix", "b2"),
            field=_option(query, "field", "value"),
            namespace=_option(query, "namespace") or None,
        )
    if scheme == "aws":
        import boto3

        from b2adapters.secrets import aws  # boto3 is the optional [aws] extra

        client = boto3.client(
            "secretsmanager",
            region_name=parts.hostname,
            endpoint_url=_option(query, "endpoint") or None,
        )
        return aws.AwsSecrets(client, prefix=_option(query, "prefix", "b2/"))
    if scheme == "gcp":
        variable = _option(query, "token_env")
        source = (
            gcp.static_token(_token(environ, variable)) if variable else gcp.MetadataToken(clock)
        )
        return gcp.GcpSecrets(parts.hostname, source, api=_option(query, "api", gcp.API))
    raise _bad("the scheme must be env, vault, aws or gcp")


async def resolve_environ(
    environ: Mapping[str, str], provider: secrets.SecretsProvider
) -> dict[str, str]:
    """``environ`` with each unset ``B2_<SECRET SETTING>`` filled from ``provider``."""
    resolved = dict(environ)
    for name in SECRET_SETTINGS:
        variable = settings.PREFIX + name.upper()
        if not resolved.get(variable):
            value = await provider.get(name)
            if value:
                resolved[variable] = value
    return resolved


async def load_settings_async(environ: Mapping[str, str] | None = None) -> settings.Settings:
    """Settings from the environment, secrets filled in from ``B2_SECRETS_URL`` first.

    With the default ``env://`` nothing is looked up: the ``B2_*`` variables are the source.
    """
    environ = dict(os.environ if environ is None else environ)
    url = environ.get(settings.PREFIX + "SECRETS_URL") or "env://"
    if not url.startswith("env://"):
        environ = await resolve_environ(environ, provider_from_url(url, environ=environ))
    return settings.from_env(environ)


def load_settings(environ: Mapping[str, str] | None = None) -> settings.Settings:
    """:func:`load_settings_async` for synchronous start-up code.

    With the default ``env://`` nothing is looked up, so no event loop is needed; otherwise the
    look-ups run on a loop of their own (in a helper thread when the caller runs one already).
    """
    environ = dict(os.environ if environ is None else environ)
    url = environ.get(settings.PREFIX + "SECRETS_URL") or "env://"
    if url.startswith("env://"):
        return settings.from_env(environ)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(load_settings_async(environ))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, load_settings_async(environ)).result()


async def resolve_secrets(
    config: settings.Settings, provider: secrets.SecretsProvider
) -> settings.Settings:
    """``config`` with its unset secrets (and a demo-generated JWT secret) read from ``provider``.

    Raises ``errors.InvalidInput`` (``settings.jwt_secret_too_short``) for a short JWT secret.
    """
    changes: dict[str, Any] = {}
    for name in SECRET_SETTINGS:
        current = getattr(config, name)
        generated = name == "jwt_secret" and settings.secret_was_generated(config)
        if current is None or generated:
            value = await provider.get(name)
            if value:
                changes[name] = value
    secret = changes.get("jwt_secret")
    if secret is not None and len(secret) < settings.MIN_SECRET_LENGTH:
        raise errors.InvalidInput(
            f"the jwt_secret secret must have at least {settings.MIN_SECRET_LENGTH} characters",
            code="settings.jwt_secret_too_short",
        )
    return attrs.evolve(config, **changes) if changes else config


def register(wiring: Wiring) -> None:
    """Register the secrets provider that ``B2_SECRETS_URL`` names (one per process).

    Built at once, so that a bad URL or a missing token stops the start, not a later request.
    """
    provider = provider_from_url(wiring.config.secrets_url)
    wiring.container.register(secrets.SecretsProvider, instance=provider)
