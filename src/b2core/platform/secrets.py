"""The SecretsProvider port: named secrets from the environment, Vault, AWS or GCP."""

from __future__ import annotations

import re
from typing import Protocol

from b2core.shared import errors

# The names every back-end can store as they are: GCP secret ids are the narrowest.
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,127}$")


class SecretsProvider(Protocol):
    """Reads secrets by name (``jwt_secret``, ``stripe_secret_key``, ...).

    ``get`` answers None for a secret that does not exist; it raises ``errors.InvalidInput``
    (``secrets.bad_name``) for a name outside ``[A-Za-z][A-Za-z0-9_-]{0,127}`` and
    ``errors.Unavailable`` (``secrets.unavailable`` or ``secrets.access_denied``) when the
    back-end cannot answer. Names are case-insensitive in the environment provider only, so
    callers use one spelling (lower case) throughout.
    """

    async def get(self, name: str) -> str | None:
        """The current value of secret ``name``, or None when there is none."""
        ...


def check_name(name: str) -> str:
    """``name`` if every back-end can hold it, else ``errors.InvalidInput``."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise errors.InvalidInput(
            "a secret name is a letter followed by up to 127 letters, digits, '_' or '-'",
            code="secrets.bad_name",
        )
    return name


async def get_required(provider: SecretsProvider, name: str) -> str:
    """The value of ``name``; ``errors.NotConfigured`` (``secrets.missing``) when absent."""
    value = await provider.get(name)
    if value is None:
        raise errors.NotConfigured(f"the secret {name!r} is not set", code="secrets.missing")
    return value


def unavailable(backend: str, reason: str) -> errors.Unavailable:
    """The error adapters raise when their back-end does not answer."""
    return errors.Unavailable(f"{backend} secrets: {reason}", code="secrets.unavailable")


def access_denied(backend: str) -> errors.Unavailable:
    """The error adapters raise when the back-end refuses their credentials."""
    return errors.Unavailable(
        f"{backend} secrets: access denied (check the token or role)",
        code="secrets.access_denied",
    )
