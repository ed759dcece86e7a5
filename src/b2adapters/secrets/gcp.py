"""Secrets from Google Cloud Secret Manager, over its REST API (no Google SDK needed).

``GET <api>/v1/projects/<project>/secrets/<name>/versions/latest:access`` answers the payload
base64-encoded. The bearer token comes from a token source: a fixed token (from an env var) or
the metadata server that Cloud Run, GKE and Compute Engine provide to their workloads.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from b2adapters.secrets import _http
from b2core.platform import secrets
from b2core.shared import time

if TYPE_CHECKING:
    from b2core.platform.secrets import SecretsProvider

BACKEND = "GCP"
API = "https://secretmanager.googleapis.com"
METADATA_TOKEN_URL = (
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token"
)

TokenSource = Callable[[], Awaitable[str]]


def static_token(token: str) -> TokenSource:
    """A token source that always answers ``token`` (short-lived tokens need a refresher)."""

    async def source() -> str:
        return token

    return source


class MetadataToken:
    """Access tokens from the instance metadata server, reused until a minute before expiry."""

    def __init__(
        self,
        clock: time.Clock,
        url: str = METADATA_TOKEN_URL,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._clock = clock
        self._url = url
        self._client = client
        self._token: tuple[str, datetime] | None = None

    async def __call__(self) -> str:
        now = self._clock.now()
        if self._token is not None and now < self._token[1]:
            return self._token[0]
        headers = {"Metadata-Flavor": "Google"}
        response = await _http.fetch(self._client, BACKEND, self._url, headers)
        if response.status_code != 200:
            raise secrets.unavailable(BACKEND, f"metadata server answered {response.status_code}")
        body = _http.json_object(response, BACKEND)
        token, expires_in = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not isinstance(expires_in, int):
            raise secrets.unavailable(BACKEND, "the metadata server gave no access token")
        self._token = (token, now + timedelta(seconds=max(expires_in - 60, 0)))
        return token


class GcpSecrets:
    """Reads the latest version of secrets of one project."""

    def __init__(
        self,
        project: str,
        token_source: TokenSource,
        *,
        api: str = API,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._project = project
        self._token = token_source
        self._api = api.rstrip("/")
        self._client = client

    def url_of(self, name: str) -> str:
        """The access URL of the latest version of secret ``name``."""
        secret = secrets.check_name(name)
        project = quote(self._project, safe="")
        return f"{self._api}/v1/projects/{project}/secrets/{secret}/versions/latest:access"

    async def get(self, name: str) -> str | None:
        url = self.url_of(name)
        headers = {"Authorization": f"Bearer {await self._token()}"}
        response = await _http.fetch(self._client, BACKEND, url, headers)
        if not _http.check_status(response, BACKEND):
            return None
        payload = _http.json_object(response, BACKEND).get("payload")
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, str):
            raise secrets.unavailable(BACKEND, "the secret version has no payload")
        try:
            return base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise secrets.unavailable(BACKEND, "the payload is not UTF-8 text") from exc


if TYPE_CHECKING:
    _: type[SecretsProvider] = GcpSecrets
