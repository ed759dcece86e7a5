"""A local fake of Google Cloud Secret Manager's access API and the metadata token server.

``GET /v1/projects/<project>/secrets/<id>/versions/latest:access`` answers the latest enabled
version's payload base64-encoded, 404 when there is none, 403 for a bearer token it did not
issue. ``GET /computeMetadata/v1/instance/service-accounts/default/token`` (with the
``Metadata-Flavor: Google`` header) issues tokens::

    with FakeGcpSecrets(project="demo") as gcp:
        gcp.add_version("jwt_secret", "...")
"""

from __future__ import annotations

import base64
import itertools
import threading
from collections.abc import Mapping
from typing import Any

from tests.support.json_http import JsonServer

TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"


class FakeGcpSecrets:
    """Secrets of one project; tokens it issued (plus ``static_token``) are accepted."""

    def __init__(self, *, project: str = "b2-test", static_token: str = "test-token") -> None:
        self.project = project
        self.tokens_issued = 0
        self.fail_with: int | None = None
        self._tokens = {static_token}
        self._ids = itertools.count(1)
        self._versions: dict[str, list[bytes | None]] = {}
        self._lock = threading.Lock()
        self.server = JsonServer(self._route)

    @property
    def url(self) -> str:
        return self.server.url

    def add_version(self, secret: str, value: str | bytes) -> None:
        """Add a new enabled version of ``secret``."""
        raw = value.encode() if isinstance(value, str) else value
        with self._lock:
            self._versions.setdefault(secret, []).append(raw)

    def disable_latest(self, secret: str) -> None:
        """Disable the newest version; ``latest`` then resolves to nothing."""
        with self._lock:
            versions = self._versions.get(secret)
            if versions:
                versions[-1] = None

    def _route(
        self, method: str, path: str, headers: Mapping[str, str], body: Any
    ) -> tuple[int, Any]:
        if path == TOKEN_PATH:
            return self._issue(headers)
        if self.fail_with is not None:
            return self.fail_with, _error(self.fail_with, "UNAVAILABLE")
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[len("Bearer ") :] not in self._tokens:
            return 403, _error(403, "PERMISSION_DENIED")
        prefix = f"/v1/projects/{self.project}/secrets/"
        suffix = "/versions/latest:access"
        if method != "GET" or not path.startswith(prefix) or not path.endswith(suffix):
            return 404, _error(404, "NOT_FOUND")
        secret = path[len(prefix) : -len(suffix)]
        with self._lock:
            versions = list(self._versions.get(secret, []))
        if not versions or versions[-1] is None:
            return 404, _error(404, "NOT_FOUND")
        name = f"projects/{self.project}/secrets/{secret}/versions/{len(versions)}"
        data = base64.b64encode(versions[-1]).decode()
        return 200, {"name": name, "payload": {"data": data}}

    def _issue(self, headers: Mapping[str, str]) -> tuple[int, Any]:
        if headers.get("metadata-flavor") != "Google":
            return 403, _error(403, "PERMISSION_DENIED")
        with self._lock:
            self.tokens_issued += 1
            token = f"issued-{next(self._ids)}"
            self._tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def __enter__(self) -> FakeGcpSecrets:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


def _error(code: int, status: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": status.lower(), "status": status}}
