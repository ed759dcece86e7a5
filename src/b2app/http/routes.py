"""The controllers mounted under ``/api/v1``; each feature adds its own here."""

from __future__ import annotations

from collections.abc import Sequence

from litestar.types import ControllerRouterHandler

API_HANDLERS: Sequence[ControllerRouterHandler] = ()
