"""Lists: ``limit`` and ``cursor`` query parameters in, ``{"items", "next_cursor"}`` out."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from litestar.di import Provide
from litestar.params import QueryParameter

from b2app.http import codec
from b2core.shared import errors, pagination

T = TypeVar("T")

_LIMIT = re.compile(r"^[0-9]{1,6}$")
# Cursors are made by pagination.encode_cursor: URL-safe base64 without padding.
_CURSOR = re.compile(r"^[A-Za-z0-9_-]{1,1024}$")


def parse_page_request(limit: str | None, cursor: str | None) -> pagination.PageRequest:
    """Validate raw query values; an empty value counts as absent.

    Raises ``errors.InvalidInput`` with ``pagination.bad_limit`` or ``pagination.bad_cursor``.
    """
    size = pagination.DEFAULT_LIMIT
    if limit:
        if not _LIMIT.match(limit):
            raise errors.InvalidInput(
                f"limit must be an integer between 1 and {pagination.MAX_LIMIT}",
                code="pagination.bad_limit",
            )
        size = int(limit)
    if cursor and not _CURSOR.match(cursor):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return pagination.PageRequest(limit=size, cursor=cursor or None)


def page_request(
    limit: Annotated[
        str | None,
        QueryParameter(
            description=f"Items per page, 1-{pagination.MAX_LIMIT} "
            f"(default {pagination.DEFAULT_LIMIT}).",
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        QueryParameter(description="The next_cursor of the previous page."),
    ] = None,
) -> pagination.PageRequest:
    """Dependency: the page a list handler should read (a handler parameter named ``page``)."""
    return parse_page_request(limit, cursor)


# List handlers take ``dependencies=DEPENDENCIES`` and ``page: NamedDependency[PageRequest]``.
DEPENDENCIES: dict[str, Provide] = {"page": Provide(page_request, sync_to_thread=False)}


def render(
    page: pagination.Page[T], item: Callable[[T], Any] = codec.unstructure
) -> dict[str, Any]:
    """The JSON shape of every list: ``{"items": [...], "next_cursor": ...}``."""
    return {"items": [item(thing) for thing in page.items], "next_cursor": page.next_cursor}
