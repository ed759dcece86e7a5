"""The service catalog: validation, named changes and the lookup by name."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.orders import catalog
from b2core.shared import errors, ids, money
from tests.core.orders import strategies as s

LATER = s.T0 + timedelta(hours=1)


def test_create_strips_text_and_starts_active() -> None:
    svc = catalog.Service.create(
        ids.ServiceId("s1"),
        s.TENANT,
        "  Haircut ",
        money.Money(3000, "BRL"),
        s.T0,
        description=" Short. ",
    )
    assert (svc.name, svc.description, svc.active, svc.version) == ("Haircut", "Short.", True, 0)
    assert svc.created_at == svc.updated_at == s.T0


@pytest.mark.parametrize("name", ["", "   ", "x" * 121, "***", "-- --"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        s.service(name)
    assert raised.value.code == "service.bad_name"


def test_name_of_120_characters_is_accepted() -> None:
    assert len(s.service("x" * 120).name) == 120


def test_negative_price_is_refused() -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        s.service("Haircut", -1)
    assert raised.value.code == "service.bad_price"


def test_free_service_is_accepted() -> None:
    assert s.service("Consultation", 0).price == money.Money(0, "BRL")


def test_description_longer_than_2000_is_refused() -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        attrs.evolve(s.service("Haircut"), description="d" * 2001)
    assert raised.value.code == "service.bad_description"


def test_negative_version_is_refused() -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        attrs.evolve(s.service("Haircut"), version=-1)
    assert raised.value.code == "service.bad_version"


def test_named_changes_return_new_instances_and_stamp_the_time() -> None:
    svc = s.service("Haircut", 3000)
    renamed = svc.rename("Men's haircut", LATER)
    repriced = svc.reprice(money.Money(3500, "BRL"), LATER)
    hidden = svc.deactivate(LATER)
    assert svc.name == "Haircut"
    assert svc.updated_at == s.T0
    assert (renamed.name, renamed.updated_at) == ("Men's haircut", LATER)
    assert repriced.price == money.Money(3500, "BRL")
    assert not hidden.active
    assert hidden.activate(LATER + timedelta(1)).active


def test_changes_are_validated_like_creation() -> None:
    with pytest.raises(errors.InvalidInput) as bad_name:
        s.service("Haircut").rename(" ", LATER)
    with pytest.raises(errors.InvalidInput) as bad_price:
        s.service("Haircut").reprice(money.Money(-5, "BRL"), LATER)
    assert bad_name.value.code == "service.bad_name"
    assert bad_price.value.code == "service.bad_price"


def test_update_applies_several_fields_and_noops_keep_the_instance() -> None:
    svc = s.service("Haircut", 3000)
    updated = svc.update(LATER, name="Cut", description="Quick", price=money.Money(1, "BRL"))
    assert (updated.name, updated.description, updated.price.amount_minor) == ("Cut", "Quick", 1)
    assert updated.updated_at == LATER
    assert svc.update(LATER) is svc
    assert svc.activate(LATER) is svc
    assert svc.rename(" Haircut ", LATER) is svc


def test_name_key_ignores_case_spacing_and_punctuation() -> None:
    assert catalog.name_key("  Hair-CUT\t ") == catalog.name_key("hair cut") == ("hair", "cut")


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("haircut", "Haircut"),
        ("  HAIRCUT ", "Haircut"),
        ("beard", "Beard trim"),
        ("I want a beard trim please", "Beard trim"),
        ("hair coloring", "Hair coloring"),
        ("manicure", None),  # inactive
        ("hair", "Hair coloring"),  # whole words: "hair" is not a word of "Haircut"
        ("a haircut and a beard trim", None),  # names two services: ambiguous
        ("trim", "Beard trim"),
        ("", None),
        ("?!", None),
        ("pedicure", None),
    ],
)
def test_match_service_examples(requested: str, expected: str | None) -> None:
    services = [
        s.service("Haircut"),
        s.service("Beard trim"),
        s.service("Hair coloring"),
        s.service("Manicure", active=False),
    ]
    found = catalog.match_service(services, requested)
    assert (found.name if found else None) == expected


def test_match_service_is_ambiguous_when_several_names_contain_the_request() -> None:
    services = [s.service("Hair coloring"), s.service("Hair wash")]
    assert catalog.match_service(services, "hair") is None
    assert catalog.match_service(services, "hair wash") == services[1]


def test_exact_match_wins_over_partial_ones() -> None:
    services = [s.service("Haircut and beard"), s.service("Haircut")]
    assert catalog.match_service(services, "HAIRCUT") == services[1]


def test_duplicate_exact_names_are_ambiguous() -> None:
    services = [s.service("Haircut", sid="a"), s.service("HAIRCUT", sid="b")]
    assert catalog.match_service(services, "haircut") is None


def _perturb(name: str, data: st.DataObject) -> str:
    """The same name with random case, padding and spacing between its words."""
    words = [w.swapcase() if data.draw(st.booleans()) else w for w in name.split()]
    gaps = [data.draw(st.sampled_from([" ", "  ", "\t", " - "])) for _ in words]
    pad = data.draw(st.sampled_from(["", " ", "\n  "]))
    return pad + "".join(w + g for w, g in zip(words, gaps, strict=True)).rstrip() + pad


@given(services=s.catalogs(), requested=st.text(max_size=30))
def test_match_service_never_returns_an_inactive_service(
    services: list[catalog.Service], requested: str
) -> None:
    found = catalog.match_service(services, requested)
    assert found is None or found.active


@given(services=s.catalogs(), data=st.data())
def test_match_service_ignores_case_and_whitespace(
    services: list[catalog.Service], data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from(services))
    found = catalog.match_service(services, _perturb(target.name, data))
    # Names are unique by key, so an active target is found exactly; an inactive one never
    # (another active service whose words the name contains may be, though).
    if target.active:
        assert found == target
    else:
        assert found != target
    assert catalog.match_service(services, target.name) == found


@given(services=s.catalogs(), requested=s.names, data=st.data())
def test_match_service_result_does_not_depend_on_case_or_spacing(
    services: list[catalog.Service], requested: str, data: st.DataObject
) -> None:
    assert catalog.match_service(services, _perturb(requested, data)) == catalog.match_service(
        services, requested
    )
