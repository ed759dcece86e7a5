"""What the HTTP secrets adapters share: one GET with errors translated to domain errors."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from b2core.platform import secrets

TIMEOUT = httpx.Timeout(5.0)


async def fetch(
    client: httpx.AsyncClient | None, backend: str, url: str, headers: Mapping[str, str]
) -> httpx.Response:
    """GET ``url``; a transport failure becomes ``errors.Unavailable``.

    Secrets are read rarely (at start and when a cache entry expires), so without a shared
    client each call opens a short-lived one: nothing to close, nothing bound to an event loop.
    """
    try:
        if client is not None:
            return await client.get(url, headers=dict(headers))
        async with httpx.AsyncClient(timeout=TIMEOUT) as own:
            return await own.get(url, headers=dict(headers))
    except httpx.HTTPError as exc:
        raise secrets.unavailable(
            backend, f"cannot reach the server ({type(exc).__name__})"
        ) from exc


def check_status(response: httpx.Response, backend: str) -> bool:
    """True for 200, False for 404; ``errors.Unavailable`` for anything else."""
    if response.status_code == 200:
        return True
    if response.status_code == 404:
        return False
    if response.status_code in (401, 403):
        raise secrets.access_denied(backend)
    raise secrets.unavailable(backend, f"the server answered HTTP {response.status_code}")


def json_object(response: httpx.Response, backend: str) -> dict[str, object]:
    """The response's JSON object, or ``errors.Unavailable`` for anything else."""
    try:
        body = response.json()
    except ValueError as exc:
        raise secrets.unavailable(backend, "the server answered something other than JSON") from exc
    if not isinstance(body, dict):
        raise secrets.unavailable(backend, "the server answered an unexpected shape")
    return body
