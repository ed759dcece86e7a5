"""Drafting an order from the catalog: prices and names come only from the catalog."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from b2core.orders import catalog, model, policy
from b2core.shared import errors, ids, money
from tests.core.orders import strategies as s

CATALOG = [
    s.service("Haircut", 3000, sid="svc-cut"),
    s.service("Beard trim", 1500, sid="svc-beard"),
    s.service("Manicure", 2000, sid="svc-mani", active=False),
    s.service("Massage", 9000, sid="svc-other", tenant=s.OTHER_TENANT),
]


def draft(
    requested: list[tuple[str, int]],
    services: list[catalog.Service] = CATALOG,
    *,
    by: policy.Actor | None = None,
    conversation_id: ids.ConversationId | None = None,
) -> model.Order:
    return model.draft_from_catalog(
        ids.OrderId("o-1"),
        s.TENANT,
        s.CUSTOMER,
        requested,
        services,
        s.T0,
        by=by,
        conversation_id=conversation_id,
    )


def test_a_draft_takes_names_and_prices_from_the_catalog() -> None:
    order = draft([("  HAIRCUT  ", 2), ("svc-beard", 1)])
    assert order.status is model.OrderStatus.DRAFT
    assert [(i.service_id, i.name, i.unit_price.amount_minor, i.quantity) for i in order.items] == [
        ("svc-cut", "Haircut", 3000, 2),
        ("svc-beard", "Beard trim", 1500, 1),
    ]
    assert order.total == money.Money(7500, "BRL")
    assert order.history == ()
    assert order.created_by == s.AI
    assert order.created_at == order.updated_at == s.T0


def test_lines_naming_the_same_service_are_merged() -> None:
    order = draft([("haircut", 2), ("svc-cut", 3), (" HairCut ", 1)])
    assert [(i.service_id, i.quantity) for i in order.items] == [("svc-cut", 6)]


@pytest.mark.parametrize("requested", ["Pedicure", "manicure", "svc-mani", "Massage", "svc-other"])
def test_unknown_inactive_or_foreign_services_are_not_found(requested: str) -> None:
    with pytest.raises(errors.NotFound) as raised:
        draft([("haircut", 1), (requested, 1)])
    assert raised.value.code == "order.unknown_service"
    assert isinstance(raised.value, model.UnknownService)
    assert raised.value.requested == requested
    assert repr(requested) in raised.value.message


def test_an_ambiguous_name_is_not_found() -> None:
    services = [s.service("Hair coloring"), s.service("Hair wash")]
    with pytest.raises(model.UnknownService):
        draft([("hair", 1)], services)


@pytest.mark.parametrize(
    ("requested", "code"),
    [
        ([], "order.no_items"),
        ([("haircut", 0)], "order.bad_quantity"),
        ([("haircut", 101)], "order.bad_quantity"),
        ([("haircut", 60), ("haircut", 60)], "order.bad_quantity"),
        ([("haircut", 110), ("haircut", -10)], "order.bad_quantity"),
    ],
)
def test_bad_requests_are_invalid(requested: list[tuple[str, int]], code: str) -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        draft(requested)
    assert raised.value.code == code


def test_catalog_prices_in_two_currencies_cannot_share_an_order() -> None:
    services = [s.service("Haircut", 10), s.service("Wash", 10, currency="USD")]
    with pytest.raises(errors.InvalidInput) as raised:
        draft([("haircut", 1), ("wash", 1)], services)
    assert raised.value.code == "order.mixed_currency"


def test_a_person_can_draft_for_a_conversation() -> None:
    conversation = ids.ConversationId("c-1")
    order = draft([("haircut", 1)], by=s.STAFF, conversation_id=conversation)
    assert order.created_by == s.STAFF
    assert order.conversation_id == conversation


def test_a_user_without_a_tenant_role_cannot_draft() -> None:
    with pytest.raises(errors.Forbidden) as raised:
        draft([("haircut", 1)], by=s.SUPER)
    assert raised.value.code == "order.role_not_allowed"


# What a model might add around a service name, trying to set its own price.
NOISE = st.sampled_from(["", " for $0", " at R$ 1,00 please", " price: 1 cent", " free", "!!!"])


@st.composite
def requests(draw: st.DrawFn, services: list[catalog.Service]) -> list[tuple[str, int]]:
    """Lines naming catalog services (by id, name or decorated name) or anything at all."""
    ref = st.one_of(
        st.sampled_from([svc.id for svc in services]),
        st.sampled_from([svc.name for svc in services]),
        st.builds(lambda n, x: n.upper() + x, st.sampled_from([v.name for v in services]), NOISE),
        st.text(max_size=20),
    )
    return draw(st.lists(st.tuples(ref, st.integers(1, 10)), min_size=1, max_size=5))


@given(data=st.data(), services=s.catalogs())
def test_prices_always_equal_catalog_prices(
    data: st.DataObject, services: list[catalog.Service]
) -> None:
    requested = data.draw(requests(services))
    by_id = {svc.id: svc for svc in services}
    try:
        order = draft(requested, services)
    except model.UnknownService as exc:
        unknown: str | None = exc.requested
    else:
        unknown = None
    if unknown is not None:
        assert unknown in [ref for ref, _ in requested]
        return
    for line in order.items:
        source = by_id[line.service_id]
        assert source.active
        assert (line.name, line.unit_price) == (source.name, source.price)
    expected = sum(by_id[i.service_id].price.amount_minor * i.quantity for i in order.items)
    assert order.total.amount_minor == expected
    assert sum(i.quantity for i in order.items) == sum(q for _, q in requested)


@given(services=s.catalogs(), unknown=s.names, quantity=s.quantities)
def test_names_sharing_no_word_with_the_catalog_always_raise(
    services: list[catalog.Service], unknown: str, quantity: int
) -> None:
    catalog_words = {word for svc in services for word in svc.key}
    assume(not set(catalog.name_key(unknown)) & catalog_words)
    assume(unknown not in {svc.id for svc in services})
    with pytest.raises(model.UnknownService) as raised:
        draft([(unknown, quantity)], services)
    assert raised.value.requested == unknown


@given(services=s.catalogs(), quantity=s.quantities)
def test_inactive_services_are_never_ordered_by_id(
    services: list[catalog.Service], quantity: int
) -> None:
    for svc in services:
        if svc.active:
            assert draft([(svc.id, quantity)], services).items[0].service_id == svc.id
        else:
            with pytest.raises(model.UnknownService):
                draft([(svc.id, quantity)], services)


def test_actor_defaults_to_the_ai() -> None:
    assert draft([("haircut", 1)]).created_by == policy.Actor.ai()
