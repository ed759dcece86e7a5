"""The HTTP converter: strict structuring of bodies and JSON-ready unstructuring of results."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from b2app.http import codec
from b2core.shared import errors, money
from tests.app.http import fakes

VALID = {
    "name": "Haircut",
    "price": {"amount_minor": 2500, "currency": "EUR"},
    "color": "green",
    "available_from": "2025-03-01T09:30:00+01:00",
}


def test_a_valid_body_round_trips_through_http(client: TestClient[Litestar]) -> None:
    response = client.post("/api/v1/things", json=VALID)
    assert response.status_code == 201
    assert response.json() == {
        "id": fakes.SOME_UUID,
        "name": "Haircut",
        "price": {"amount_minor": 2500, "currency": "EUR"},
        "color": "green",
        "available_from": "2025-03-01T08:30:00+00:00",
        "note": None,
    }


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"name": 7}, "name", "expected a string"),
        ({"price": {"amount_minor": 25.5, "currency": "EUR"}}, "price.amount_minor", "integer"),
        ({"price": {"amount_minor": True, "currency": "EUR"}}, "price.amount_minor", "integer"),
        ({"price": {"amount_minor": 1, "currency": "eur"}}, "price", "ISO 4217"),
        ({"color": "blue"}, "color", "must be one of 'red', 'green'"),
        ({"available_from": "2025-03-01T09:30:00"}, "available_from", "time zone"),
        ({"available_from": "yesterday"}, "available_from", "ISO 8601"),
        ({"note": 3}, "note", "expected a string"),
        ({"extra": 1}, "", "extra fields found (extra)"),
    ],
)
def test_each_bad_field_is_named(change: dict[str, object], field: str, reason: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        codec.structure({**VALID, **change}, fakes.ThingCreate)
    assert caught.value.code == "request.invalid"
    assert reason in caught.value.message
    assert caught.value.message.startswith(f"{field}: " if field else reason)


def test_missing_fields_are_all_listed() -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        codec.structure({"name": "x"}, fakes.ThingCreate)
    for field in ("price", "color", "available_from"):
        assert f"{field}: required field missing" in caught.value.message


def test_a_non_object_body_is_refused() -> None:
    with pytest.raises(errors.InvalidInput, match="JSON object"):
        codec.structure(["name"], fakes.ThingCreate)


def test_naive_datetimes_are_never_sent() -> None:
    with pytest.raises(ValueError, match="naive"):
        codec.unstructure({"at": datetime(2025, 1, 1)})


things = st.builds(
    fakes.Thing,
    id=st.uuids().map(str),
    name=st.text(max_size=40),
    price=st.builds(
        money.Money,
        amount_minor=st.integers(min_value=-(10**12), max_value=10**12),
        currency=st.sampled_from(["EUR", "USD", "PKR"]),
    ),
    color=st.sampled_from(fakes.Color),
    available_from=st.datetimes(
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=5)), timezone(-timedelta(hours=3))]
        )
    ),
    note=st.none() | st.text(max_size=20),
)


@given(things)
def test_unstructure_then_structure_is_identity_through_json(thing: fakes.Thing) -> None:
    wire = json.loads(json.dumps(codec.unstructure(thing)))
    again = codec.structure(wire, fakes.Thing)
    assert again == thing
    assert again.available_from.tzinfo == UTC
    assert wire["price"] == {
        "amount_minor": thing.price.amount_minor,
        "currency": thing.price.currency,
    }
    assert wire["color"] == thing.color.value
