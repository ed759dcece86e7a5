"""Runs the audit contract suite (b2core.testing.contracts.audit) on every shipped adapter."""

from __future__ import annotations

from b2core.testing.contracts.audit import *  # noqa: F403
