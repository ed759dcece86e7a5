"""Keyset pagination over (time, id) in SQL, with cursors shaped like the memory adapters'."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.ext.asyncio import AsyncConnection

from b2core.shared import errors, pagination


def time_key(at: datetime) -> str:
    """The cursor form of an instant: UTC, to the microsecond, so that it sorts as text."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def decode(cursor: str) -> tuple[datetime, str]:
    """The (instant, id) a cursor made from ``(time_key(at), id)`` points after."""
    at, item_id = pagination.decode_cursor(cursor, 2)
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError as exc:
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor") from exc
    if moment.utcoffset() is None or not isinstance(item_id, str):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return moment, item_id


def by_code_point(connection: AsyncConnection, column: Any) -> Any:
    """``column`` compared and sorted by code point, as Python compares strings.

    SQLite's default collation already does; PostgreSQL's follows the database's locale
    unless told otherwise.
    """
    if connection.dialect.name == "postgresql":
        return column.collate("C")
    return column


def after(at_column: Any, id_column: Any, cursor: str, *, descending: bool) -> ColumnElement[bool]:
    """The rows strictly after ``cursor`` in (time, id) order, ascending or descending."""
    at, item_id = decode(cursor)
    if descending:
        return or_(at_column < at, and_(at_column == at, id_column < item_id))
    return or_(at_column > at, and_(at_column == at, id_column > item_id))
