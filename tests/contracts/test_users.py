"""Runs the users contract suite (b2core.testing.contracts.users) on every shipped adapter."""

from __future__ import annotations

from b2core.testing.contracts.users import *  # noqa: F403
