"""``limit`` and ``cursor`` query parameters in, ``{"items", "next_cursor"}`` out."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from b2app.http import pagination
from b2core.shared import errors
from b2core.shared import pagination as core_pagination


def _numbers(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["n"] for item in response.json()["items"]]


def test_pages_follow_the_cursor_to_the_end(client: TestClient[Litestar]) -> None:
    first = client.get("/api/v1/items", params={"limit": 3})
    assert _numbers(first) == [1, 2, 3]
    second = client.get("/api/v1/items", params={"limit": 3, "cursor": first.json()["next_cursor"]})
    assert _numbers(second) == [4, 5, 6]
    last = client.get("/api/v1/items", params={"limit": 3, "cursor": second.json()["next_cursor"]})
    assert last.json() == {"items": [{"n": 7}], "next_cursor": None}


def test_default_limit_returns_everything_here(client: TestClient[Litestar]) -> None:
    response = client.get("/api/v1/items")
    assert _numbers(response) == list(range(1, 8))
    assert response.json()["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": "0"}, "pagination.bad_limit"),
        ({"limit": "201"}, "pagination.bad_limit"),
        ({"limit": "ten"}, "pagination.bad_limit"),
        ({"limit": "-5"}, "pagination.bad_limit"),
        ({"cursor": "not a cursor!"}, "pagination.bad_cursor"),
        ({"cursor": "bm9wZQ"}, "pagination.bad_cursor"),
    ],
)
def test_bad_values_are_422_with_pagination_codes(
    client: TestClient[Litestar], params: dict[str, str], code: str
) -> None:
    response = client.get("/api/v1/items", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_parse_bounds_and_empty_values() -> None:
    assert pagination.parse_page_request(None, None) == core_pagination.PageRequest()
    assert pagination.parse_page_request("", "") == core_pagination.PageRequest()
    assert pagination.parse_page_request("200", "abc_-9").limit == 200
    with pytest.raises(errors.InvalidInput) as caught:
        pagination.parse_page_request("1.5", None)
    assert caught.value.code == "pagination.bad_limit"
