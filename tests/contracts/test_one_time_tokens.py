"""Runs the one-time tokens contract suite (b2core.testing.contracts.one_time_tokens) everywhere."""

from __future__ import annotations

from b2core.testing.contracts.one_time_tokens import *  # noqa: F403
