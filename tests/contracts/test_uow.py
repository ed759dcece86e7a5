"""Runs the uow contract suite (b2core.testing.contracts.uow) on every shipped adapter."""

from __future__ import annotations

from b2core.testing.contracts.uow import *  # noqa: F403
