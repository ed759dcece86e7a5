"""A local fake of HashiCorp Vault's KV version 2 read and write API, with token checks.

``GET /v1/<mount>/data/<path>`` answers the latest version as Vault does, 404 for a path never
written or whose latest version was deleted; a wrong ``X-Vault-Token`` gets 403::

    with FakeVault(token="root") as vault:
        vault.put("b2/jwt_secret", {"value": "..."})
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from tests.support.json_http import JsonServer


class FakeVault:
    """Versioned secrets under one mount; ``fail_with`` makes every request answer a status."""

    def __init__(self, *, token: str = "root-token", mount: str = "secret") -> None:
        self.token = token
        self.mount = mount
        self.fail_with: int | None = None
        self._versions: dict[str, list[dict[str, Any] | None]] = {}
        self._lock = threading.Lock()
        self.server = JsonServer(self._route)

    @property
    def url(self) -> str:
        return self.server.url

    def put(self, path: str, data: Mapping[str, Any]) -> int:
        """Write a new version of ``path``; its version number."""
        with self._lock:
            versions = self._versions.setdefault(path.strip("/"), [])
            versions.append(dict(data))
            return len(versions)

    def delete(self, path: str) -> None:
        """Soft-delete the latest version (``vault kv delete``)."""
        with self._lock:
            versions = self._versions.get(path.strip("/"))
            if versions:
                versions[-1] = None

    def _route(
        self, method: str, path: str, headers: Mapping[str, str], body: Any
    ) -> tuple[int, Any]:
        if self.fail_with is not None:
            return self.fail_with, {"errors": ["scripted failure"]}
        if headers.get("x-vault-token") != self.token:
            return 403, {"errors": ["permission denied"]}
        prefix = f"/v1/{self.mount}/data/"
        if not path.startswith(prefix):
            return 404, {"errors": []}
        key = path[len(prefix) :].strip("/")
        if method in ("POST", "PUT"):
            version = self.put(key, (body or {}).get("data", {}))
            return 200, {"data": {"version": version}}
        if method != "GET":
            return 405, {"errors": ["unsupported"]}
        with self._lock:
            versions = list(self._versions.get(key, []))
        if not versions:
            return 404, {"errors": []}
        metadata = {"version": len(versions), "deletion_time": "", "destroyed": False}
        if versions[-1] is None:
            metadata["deletion_time"] = "2026-01-01T00:00:00Z"
            return 404, {"data": {"data": None, "metadata": metadata}}
        return 200, {"data": {"data": versions[-1], "metadata": metadata}}

    def __enter__(self) -> FakeVault:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
