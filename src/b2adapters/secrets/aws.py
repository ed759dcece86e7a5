"""Secrets from AWS Secrets Manager through boto3 (its calls run in a worker thread)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from b2core.platform import secrets

if TYPE_CHECKING:
    from b2core.platform.secrets import SecretsProvider

BACKEND = "AWS"
_MISSING = frozenset({"ResourceNotFoundException"})
_DENIED = frozenset({"AccessDeniedException", "UnrecognizedClientException"})


class AwsSecrets:
    """Reads ``<prefix><name>`` (``AWSCURRENT`` stage) with a ``secretsmanager`` client."""

    def __init__(self, client: Any, *, prefix: str = "b2/") -> None:
        self._client = client
        self._prefix = prefix

    def id_of(self, name: str) -> str:
        """The secret id that holds ``name``."""
        return self._prefix + secrets.check_name(name)

    async def get(self, name: str) -> str | None:
        secret_id = self.id_of(name)
        return await asyncio.to_thread(self._get, secret_id)

    def _get(self, secret_id: str) -> str | None:
        try:
            answer = self._client.get_secret_value(SecretId=secret_id)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _MISSING or _scheduled_for_deletion(exc):
                return None
            if code in _DENIED:
                raise secrets.access_denied(BACKEND) from exc
            raise secrets.unavailable(BACKEND, code or "request failed") from exc
        except BotoCoreError as exc:
            raise secrets.unavailable(BACKEND, type(exc).__name__) from exc
        if "SecretString" in answer:
            value: str = answer["SecretString"]
            return value
        try:
            return bytes(answer["SecretBinary"]).decode("utf-8")
        except (KeyError, UnicodeDecodeError) as exc:
            raise secrets.unavailable(BACKEND, "the secret is not UTF-8 text") from exc


def _scheduled_for_deletion(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    return error.get("Code") == "InvalidRequestException" and "deleted" in error.get("Message", "")


if TYPE_CHECKING:
    _: type[SecretsProvider] = AwsSecrets
