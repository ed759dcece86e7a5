"""Commands of the iam context."""

from __future__ import annotations

import attrs


@attrs.frozen
class EnsureSuperAdmin:
    """Create the first platform administrator unless a user with this email exists."""

    email: str
    password: str = attrs.field(repr=False)
