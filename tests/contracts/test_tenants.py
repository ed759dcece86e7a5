"""Runs the tenants contract suite (b2core.testing.contracts.tenants) on every shipped adapter."""

from __future__ import annotations

from b2core.testing.contracts.tenants import *  # noqa: F403
