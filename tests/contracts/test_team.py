"""Runs the team contract suite (b2core.testing.contracts.team) on every shipped adapter."""

from __future__ import annotations

from b2core.testing.contracts.team import *  # noqa: F403
