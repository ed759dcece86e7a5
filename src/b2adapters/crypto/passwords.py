"""bcrypt password hashing with a SHA-256 pre-hash, off the event loop."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from typing import TYPE_CHECKING

import bcrypt

if TYPE_CHECKING:
    from b2core.iam import ports


def _prehash(password: str) -> bytes:
    # bcrypt reads at most 72 bytes (and recent versions refuse longer input). Hashing first
    # gives a fixed 44-byte value, so long passwords are neither truncated nor rejected and two
    # passwords that share their first 72 bytes still differ. Base64 avoids NUL bytes.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


class BcryptPasswordHasher:
    """bcrypt with a configurable cost (10 by default); hashing runs in a worker thread."""

    def __init__(self, cost: int = 10) -> None:
        if not 4 <= cost <= 16:
            raise ValueError("bcrypt cost must be between 4 and 16")
        self._cost = cost
        # A real hash to verify against when there is no user, so that a login for an unknown
        # email costs as much as a wrong password.
        self._decoy = bcrypt.hashpw(_prehash("decoy password"), bcrypt.gensalt(cost)).decode()

    async def hash(self, password: str) -> str:
        salt = bcrypt.gensalt(self._cost)
        hashed = await asyncio.to_thread(bcrypt.hashpw, _prehash(password), salt)
        return hashed.decode("ascii")

    async def verify(self, password: str, hashed: str) -> bool:
        target = hashed if hashed.startswith("$2") else self._decoy
        try:
            ok = await asyncio.to_thread(bcrypt.checkpw, _prehash(password), target.encode())
        except ValueError:  # malformed stored hash: treat as a mismatch
            return False
        return ok and target is hashed

    async def verify_decoy(self, password: str) -> bool:
        """Spend the time of one verification and return False (unknown user)."""
        await self.verify(password, self._decoy)
        return False


if TYPE_CHECKING:
    _: type[ports.PasswordHasher] = BcryptPasswordHasher
