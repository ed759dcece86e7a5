"""Secrets from HashiCorp Vault's KV version 2 engine, over its HTTP API.

Secret ``name`` is read from ``GET /v1/<mount>/data/<prefix>/<name>`` (latest version) and its
value is the ``value`` key of that version's data (``field`` changes the key)::

    vault kv put -mount=secret b2/jwt_secret value=...
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from b2adapters.secrets import _http
from b2core.platform import secrets

if TYPE_CHECKING:
    from b2core.platform.secrets import SecretsProvider

BACKEND = "Vault"


class VaultSecrets:
    """Reads KV v2 secrets with a token (``X-Vault-Token``), optionally in a namespace."""

    def __init__(
        self,
        address: str,
        token: str,
        *,
        mount: str = "secret",
        prefix: str = "b2",
        field: str = "value",
        namespace: str | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._address = address.rstrip("/")
        self._mount = mount.strip("/")
        self._prefix = prefix.strip("/")
        self._field = field
        self._headers = {"X-Vault-Token": token}
        if namespace:
            self._headers["X-Vault-Namespace"] = namespace
        self._client = client

    def url_of(self, name: str) -> str:
        """The KV v2 read URL of secret ``name``."""
        path = "/".join(p for p in (self._prefix, secrets.check_name(name)) if p)
        return f"{self._address}/v1/{quote(self._mount)}/data/{quote(path)}"

    async def get(self, name: str) -> str | None:
        response = await _http.fetch(self._client, BACKEND, self.url_of(name), self._headers)
        if not _http.check_status(response, BACKEND):
            return None  # never written, or its latest version deleted or destroyed
        body = _http.json_object(response, BACKEND)
        outer = body.get("data")
        data = outer.get("data") if isinstance(outer, dict) else None
        if data is None:
            return None
        if not isinstance(data, dict):
            raise secrets.unavailable(BACKEND, "the secret version has an unexpected shape")
        value = data.get(self._field)
        if value is None:
            return None
        if not isinstance(value, str):
            raise secrets.unavailable(BACKEND, f"the {self._field!r} key does not hold text")
        return value


if TYPE_CHECKING:
    _: type[SecretsProvider] = VaultSecrets
