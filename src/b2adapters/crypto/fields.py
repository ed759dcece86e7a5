"""Field encryption: AES-256-GCM under a key ring, so stored secrets survive key rotation.

A sealed value reads ``b2f1.<key id>.<base64url(nonce | ciphertext | tag)>``. The key id names
the key that sealed it (the first 16 hex digits of the key's SHA-256), so values sealed under a
previous key still open, and :meth:`FieldCipher.rotate` re-seals them under the current one.
The version, the key id and the caller's context are authenticated with the ciphertext: a value
that was changed anywhere, or moved to another context, does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from b2core.shared import errors

if TYPE_CHECKING:
    from b2core.conversations import connections

VERSION = "b2f1"
KEY_BYTES = 32
NONCE_BYTES = 12
_DEMO_INFO = b"b2 field encryption key (demo, derived from the JWT secret)"


class UndecryptableField(errors.Unavailable):
    """A sealed value that does not open: tampered with, or sealed under a key we lack."""

    code = "crypto.undecryptable"


def key_id(key: bytes) -> str:
    """A public, stable name for a key."""
    return hashlib.sha256(key).hexdigest()[:16]


def parse_keys(value: str) -> list[bytes]:
    """Comma-separated base64 keys of 32 bytes each, the current one first.

    Raises ``errors.InvalidInput`` (``settings.bad_field_encryption_key``) naming no key.
    """
    keys: list[bytes] = []
    for position, text in enumerate(part.strip() for part in value.split(",")):
        if not text:
            continue
        try:
            key = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _bad_key(position) from exc
        if len(key) != KEY_BYTES:
            raise _bad_key(position)
        keys.append(key)
    if not keys:
        raise errors.InvalidInput(
            "B2_FIELD_ENCRYPTION_KEY holds no key", code="settings.bad_field_encryption_key"
        )
    return keys


def _bad_key(position: int) -> errors.InvalidInput:
    return errors.InvalidInput(
        f"B2_FIELD_ENCRYPTION_KEY: key {position + 1} is not 32 bytes of base64",
        code="settings.bad_field_encryption_key",
    )


def derive_demo_key(jwt_secret: str) -> bytes:
    """A key derived (HKDF-SHA256) from the JWT secret, for demo mode without a key.

    Demo only: the key changes with the JWT secret, and a demo run that invented its JWT
    secret invents a new one each start, after which earlier sealed values no longer open.
    """
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_DEMO_INFO)
    return hkdf.derive(jwt_secret.encode())


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # Only the canonical spelling is accepted: any changed character must fail.
    if _b64encode(raw) != text:
        raise ValueError("not canonical base64")
    return raw


class FieldCipher:
    """Seals and opens short strings with AES-256-GCM; the first key seals, all keys open."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys or any(len(key) != KEY_BYTES for key in keys):
            raise ValueError("a field cipher needs one or more 32-byte keys")
        self._current = key_id(keys[0])
        self._ring = {key_id(key): AESGCM(key) for key in reversed(keys)}

    @classmethod
    def from_setting(cls, value: str) -> FieldCipher:
        """The cipher of ``B2_FIELD_ENCRYPTION_KEY`` (see :func:`parse_keys`)."""
        return cls(parse_keys(value))

    @property
    def current_key_id(self) -> str:
        """The id of the key new values are sealed under."""
        return self._current

    def __repr__(self) -> str:
        return f"FieldCipher(current={self._current}, keys={len(self._ring)})"

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        """Seal ``plaintext`` under the current key, bound to ``context``."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ring[self._current].encrypt(
            nonce, plaintext.encode(), _associated(self._current, context)
        )
        return f"{VERSION}.{self._current}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        """Open a sealed value; raises :class:`UndecryptableField` if it does not open."""
        kid, raw = self._split(token)
        aead = self._ring.get(kid)
        if aead is None:
            raise UndecryptableField("the value was sealed under a key that is not configured")
        try:
            clear = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated(kid, context))
            return clear.decode()
        except (InvalidTag, UnicodeDecodeError) as exc:
            raise UndecryptableField("the sealed value was altered or moved") from exc

    def needs_rotation(self, token: str) -> bool:
        """Whether ``token`` was sealed under a key other than the current one."""
        return self._split(token)[0] != self._current

    def rotate(self, token: str, *, context: str = "") -> str:
        """``token`` re-sealed under the current key (unchanged if it already is)."""
        if not self.needs_rotation(token):
            self.decrypt(token, context=context)  # still refuse a tampered value
            return token
        return self.encrypt(self.decrypt(token, context=context), context=context)

    @staticmethod
    def _split(token: str) -> tuple[str, bytes]:
        version, _, rest = token.partition(".")
        kid, _, body = rest.partition(".")
        if version != VERSION or not kid or not body:
            raise UndecryptableField("the value is not a sealed field")
        try:
            raw = _b64decode(body)
        except (binascii.Error, ValueError) as exc:
            raise UndecryptableField("the value is not a sealed field") from exc
        if len(raw) < NONCE_BYTES + 16:
            raise UndecryptableField("the value is not a sealed field")
        return kid, raw


def _associated(kid: str, context: str) -> bytes:
    return f"{VERSION}.{kid}.{context}".encode()


if TYPE_CHECKING:
    _port: type[connections.FieldCipher] = FieldCipher
