"""Cursor pagination shared by every list: a request, a page and an opaque cursor codec."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import attrs

from b2core.shared import errors

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _check_limit(_: object, __: attrs.Attribute[int], value: int) -> None:
    if not 1 <= value <= MAX_LIMIT:
        raise errors.InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}", code="pagination.bad_limit"
        )


@attrs.frozen
class PageRequest:
    """Which page to read: at most ``limit`` items after ``cursor`` (None: from the start)."""

    limit: int = attrs.field(default=DEFAULT_LIMIT, validator=_check_limit)
    cursor: str | None = None


@attrs.frozen
class Page(Generic[T]):
    """One page of results and the cursor of the next one (None on the last page)."""

    items: tuple[T, ...]
    next_cursor: str | None = None


def encode_cursor(*values: str | int) -> str:
    """Pack the sort key of the last item into an opaque, URL-safe cursor."""
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[str | int]:
    """Unpack a cursor made by :func:`encode_cursor`; a forged or stale one is a 4xx."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return values


def page_from_rows(
    rows: Sequence[T], limit: int, key: Callable[[T], tuple[str | int, ...]]
) -> Page[T]:
    """Build a page from up to ``limit + 1`` fetched rows; ``key`` gives an item's sort key."""
    items = tuple(rows[:limit])
    if len(rows) > limit:
        return Page(items=items, next_cursor=encode_cursor(*key(items[-1])))
    return Page(items=items, next_cursor=None)
