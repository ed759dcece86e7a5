"""Commands of the platform context."""

from __future__ import annotations

import attrs


@attrs.frozen
class EnsurePlatformSettings:
    """Create the settings singletons with safe defaults unless they exist."""
