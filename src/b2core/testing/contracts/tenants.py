"""Contract of ``b2core.tenants.ports.TenantRepository``: round trips, counts and search pages.

Run it against your adapter by star-importing it into a test module that defines the
``uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.tenants import *  # noqa: F403

The UoW must satisfy ``b2core.iam.ports.AccountsUoW``. Examples keep apart by unique ids and a
unique word in their tenants' names, so a store kept between calls of the factory is fine.

What the suite pins down beyond the port's docstrings:

* ``add`` of a taken id is ``errors.Conflict`` ``tenant.already_exists``; ``save`` of an
  unknown tenant is ``errors.NotFound`` ``tenant.not_found``.
* ``search`` matches ``text`` as ``str.casefold`` does (``"STRASSE"`` finds ``"Straße"``),
  literally (``%`` and ``_`` are no wildcards), and pages newest first by ``created_at`` then
  id (compared by code point) without skipping or repeating a tenant.
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2core.iam import ports
from b2core.shared import errors, pagination
from b2core.tenants import model
from b2core.testing import strategies
from b2core.testing.contracts import MOMENT, UowFactory, tenant, unique_token

__all__ = [
    "pytestmark",
    "test_add_of_a_taken_id_is_a_conflict",
    "test_any_tenant_round_trips",
    "test_count_leaves_archived_tenants_out_unless_asked",
    "test_save_of_an_unknown_tenant_is_not_found",
    "test_save_replaces_every_field",
    "test_search_matches_text_by_casefold_and_literally",
    "test_search_pages_visit_every_match_once_newest_first",
    "test_unknown_tenant_is_none",
]

pytestmark = pytest.mark.anyio

_ZONES = ("UTC", "America/Sao_Paulo", "Europe/Lisbon", "Asia/Kolkata", "Pacific/Chatham")
_STATUSES = list(model.TenantStatus)


def _minutes(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


@st.composite
def _day_spans(draw: st.DrawFn) -> tuple[model.OpeningSpan, ...]:
    # 2k distinct sorted minutes paired up: spans that open before they close and never
    # overlap; then shuffled, since the order given is the order stored.
    points = sorted(draw(st.sets(st.integers(0, 23 * 60 + 59), max_size=8)))
    spans = [
        model.OpeningSpan(_minutes(a), _minutes(b))
        for a, b in zip(points[0::2], points[1::2], strict=False)
    ]
    return tuple(draw(st.permutations(spans)))


def working_hours() -> st.SearchStrategy[dict[int, tuple[model.OpeningSpan, ...]]]:
    """Valid working hours: some weekdays, up to four ordered, non-overlapping spans each."""
    return st.dictionaries(st.integers(0, 6), _day_spans(), max_size=7)


def profiles() -> st.SearchStrategy[model.Profile]:
    """Any valid tenant profile."""
    phone = st.from_regex(r"\+?[0-9 ()-]{6,24}", fullmatch=True)
    return st.builds(
        model.Profile,
        phone=st.none() | phone,
        address=st.none() | strategies.texts(500),
        description=st.none() | strategies.texts(2000),
        working_hours=working_hours(),
    )


def tenants() -> st.SearchStrategy[model.Tenant]:
    """Any valid tenant, with a unique id."""
    return st.builds(
        model.Tenant,
        id=strategies.tenant_ids(),
        name=strategies.texts(200).filter(str.strip),
        status=st.sampled_from(_STATUSES),
        created_at=strategies.instants(),
        updated_at=strategies.instants(),
        timezone=st.sampled_from(_ZONES),
        profile=profiles(),
    )


async def _fresh(uow_factory: UowFactory) -> ports.AccountsUoW:
    uow: ports.AccountsUoW = await uow_factory()
    return uow


async def _add(uow: ports.AccountsUoW, *added: model.Tenant) -> None:
    async with uow.platform() as tx:
        for one in added:
            await tx.tenants.add(one)
        await tx.commit()


async def _get(uow: ports.AccountsUoW, one: model.Tenant) -> model.Tenant | None:
    async with uow.platform() as tx:
        return await tx.tenants.get(one.id)


async def test_unknown_tenant_is_none(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    assert await _get(uow, tenant()) is None


@settings(max_examples=25, deadline=None)
@given(stored=tenants())
async def test_any_tenant_round_trips(uow_factory: UowFactory, stored: model.Tenant) -> None:
    uow = await _fresh(uow_factory)
    await _add(uow, stored)
    assert await _get(uow, stored) == stored


async def test_add_of_a_taken_id_is_a_conflict(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    first = tenant("First")
    await _add(uow, first)
    with pytest.raises(errors.Conflict) as caught:
        await _add(uow, attrs.evolve(first, name="Impostor"))
    assert caught.value.code == "tenant.already_exists"
    assert await _get(uow, first) == first


async def test_save_replaces_every_field(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    original = tenant("Before")
    await _add(uow, original)
    hours = {0: (model.OpeningSpan("14:00", "18:00"), model.OpeningSpan("08:00", "12:00"))}
    profile = model.Profile("+55 11 5555-0000", "Rua A, 1", "Bread and cakes", hours)
    later = MOMENT.replace(hour=13)
    changed = original.update_profile(
        later, name="After", timezone="America/Sao_Paulo", profile=profile
    ).suspend(later)
    async with uow.platform() as tx:
        await tx.tenants.save(changed)
        await tx.commit()
    assert await _get(uow, original) == changed


async def test_save_of_an_unknown_tenant_is_not_found(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    ghost = tenant()
    async with uow.platform() as tx:
        with pytest.raises(errors.NotFound) as caught:
            await tx.tenants.save(ghost)
    assert caught.value.code == "tenant.not_found"
    assert await _get(uow, ghost) is None


async def test_count_leaves_archived_tenants_out_unless_asked(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    async with uow.platform() as tx:
        live, every = await tx.tenants.count(), await tx.tenants.count(include_archived=True)
    active, suspended, archived = tenant(), tenant(), tenant()
    await _add(uow, active, suspended.suspend(MOMENT), archived.archive(MOMENT))
    async with uow.platform() as tx:
        assert await tx.tenants.count() == live + 2
        assert await tx.tenants.count(include_archived=False) == live + 2
        assert await tx.tenants.count(include_archived=True) == every + 3


async def _search_all(
    uow: ports.AccountsUoW, limit: int, text: str | None, status: model.TenantStatus | None
) -> list[model.Tenant]:
    found: list[model.Tenant] = []
    cursor: str | None = None
    async with uow.platform() as tx:
        for _ in range(100):
            page = await tx.tenants.search(
                pagination.PageRequest(limit, cursor), text=text, status=status
            )
            assert len(page.items) <= limit
            found += page.items
            cursor = page.next_cursor
            if cursor is None:
                return found
    raise AssertionError("search never reached its last page")


async def test_search_matches_text_by_casefold_and_literally(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    word = unique_token()
    street, percent, under = (
        tenant(f"Große Straße {word}", MOMENT),
        tenant(f"100% Fresh {word}", MOMENT.replace(hour=13)),
        tenant(f"snake_case {word}", MOMENT.replace(hour=14)),
    )
    await _add(uow, street, percent, under)

    async def names(text: str) -> list[str]:
        return [t.name for t in await _search_all(uow, 10, text, None)]

    assert await names(f"STRASSE {word.upper()}") == [street.name]
    assert await names(f"0% fresh {word}") == [percent.name]
    assert await names(f"e_case {word}") == [under.name]
    assert await names(f"{word}%") == []
    assert await names(f"_{word}") == []
    assert await names(word) == [under.name, percent.name, street.name]


@settings(max_examples=30, deadline=None)
@given(
    shapes=st.lists(
        st.tuples(st.sampled_from(_STATUSES), st.integers(0, 3), st.booleans()), max_size=12
    ),
    limit=st.integers(1, 5),
    status=st.none() | st.sampled_from(_STATUSES),
    shout=st.booleans(),
)
async def test_search_pages_visit_every_match_once_newest_first(
    uow_factory: UowFactory,
    shapes: list[tuple[model.TenantStatus, int, bool]],
    limit: int,
    status: model.TenantStatus | None,
    shout: bool,
) -> None:
    uow = await _fresh(uow_factory)
    word = unique_token()
    # Few distinct instants, so that ties on created_at are common and the id decides.
    stored = [
        attrs.evolve(
            tenant(f"Shop {word}" if named else f"Other {unique_token()}"),
            status=shape,
            created_at=MOMENT.replace(minute=minute),
        )
        for shape, minute, named in shapes
    ]
    await _add(uow, *stored)
    needle = word.upper() if shout else word
    expected = sorted(
        (t for t in stored if word in t.name and (status is None or t.status is status)),
        key=lambda t: (t.created_at, t.id),
        reverse=True,
    )
    assert await _search_all(uow, limit, needle, status) == expected
