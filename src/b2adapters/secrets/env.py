"""Secrets from environment variables: ``B2_SECRET_<NAME>`` first, then plain ``<NAME>``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from b2core.platform import secrets

if TYPE_CHECKING:
    from b2core.platform.secrets import SecretsProvider

PREFIX = "B2_SECRET_"


def variable_names(name: str) -> tuple[str, str]:
    """The variables that may hold secret ``name``, in the order they are read."""
    upper = secrets.check_name(name).upper().replace("-", "_")
    return PREFIX + upper, upper


class EnvSecrets:
    """Reads the process environment (or a given mapping) at each call; empty means unset.

    ``plain=False`` reads only the ``B2_SECRET_`` spelling, for hosts whose environment holds
    unrelated variables that could collide with secret names.
    """

    def __init__(self, environ: Mapping[str, str] | None = None, *, plain: bool = True) -> None:
        self._environ = os.environ if environ is None else environ
        self._plain = plain

    async def get(self, name: str) -> str | None:
        prefixed, plain = variable_names(name)
        for variable in (prefixed, plain) if self._plain else (prefixed,):
            value = self._environ.get(variable)
            if value:
                return value
        return None


if TYPE_CHECKING:
    _: type[SecretsProvider] = EnvSecrets
