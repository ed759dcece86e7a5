"""The token attack suite's tally: how many forged or misused tokens were tried, and which got in.

The tests record into the run's tally (``tests/app/api/conftest.py``); the root conftest prints
it at the end of the run, and under pytest-xdist adds up the workers' tallies first.
"""

from __future__ import annotations

import attrs
import pytest


@attrs.define
class AttackTally:
    """How many forged or misused tokens were tried, and which ones got in."""

    tried: int = 0
    accepted: list[str] = attrs.field(factory=list)

    def record(self, variant: str, status: int) -> None:
        """Count one attempt; anything but a 401 counts as accepted."""
        self.tried += 1
        if status != 401:
            self.accepted.append(f"{variant} -> {status}")

    def summary(self) -> str:
        """The line printed at the end of the run."""
        return f"token attacks: {self.tried} variants tried, {len(self.accepted)} accepted"


TALLY = pytest.StashKey[AttackTally]()
