"""Readiness checks: the named dependencies that ``/ready`` probes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import attrs

CHECK_TIMEOUT_SECONDS = 2.0


@attrs.frozen
class Check:
    """One dependency: ``probe`` returns when it is usable and raises when it is not."""

    name: str
    probe: Callable[[], Awaitable[None]]


@attrs.frozen
class Readiness:
    """All checks of this process. ``run`` probes them concurrently, each with a timeout."""

    checks: Sequence[Check] = ()

    async def run(self) -> dict[str, str]:
        """Map each check name to ``"ok"`` or a short failure reason."""
        results = await asyncio.gather(*(self._one(c) for c in self.checks))
        return dict(zip((c.name for c in self.checks), results, strict=True))

    @staticmethod
    async def _one(check: Check) -> str:
        try:
            await asyncio.wait_for(check.probe(), CHECK_TIMEOUT_SECONDS)
        except TimeoutError:
            return "timeout"
        except Exception as exc:  # any failure means "not ready"; the reason is reported
            return f"error: {type(exc).__name__}"
        return "ok"
