"""Runs the AI settings and usage log contract suite (b2core.testing.contracts.ai) everywhere."""

from __future__ import annotations

from b2core.testing.contracts.ai import *  # noqa: F403
