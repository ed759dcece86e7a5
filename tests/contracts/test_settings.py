"""Runs the settings contract suite (b2core.testing.contracts.settings) on every shipped adapter."""

from __future__ import annotations

from b2core.testing.contracts.settings import *  # noqa: F403
