"""Hypothesis strategies and builders for the orders context."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from b2core.orders import catalog, model, policy
from b2core.shared import ids, money

TENANT = ids.TenantId("tenant-1")
OTHER_TENANT = ids.TenantId("tenant-2")
T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
ADMIN = policy.Actor.user(ids.UserId("u-admin"), "TENANT_ADMIN")
STAFF = policy.Actor.user(ids.UserId("u-staff"), "STAFF")
SUPER = policy.Actor.user(ids.UserId("u-super"), "SUPER_ADMIN")
AI = policy.Actor.ai()
SYSTEM = policy.Actor.system()
CUSTOMER = model.Customer("5511999990000", name="Ana", phone="+55 11 99999-0000")

# Letters whose case mapping is plain, so that swapping case keeps the name key.
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéçã0123456789", min_size=1, max_size=8)

moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)
actors = st.one_of(
    st.just(AI),
    st.just(SYSTEM),
    st.builds(
        policy.Actor.user,
        st.sampled_from([ids.UserId("u1"), ids.UserId("u2")]),
        st.sampled_from(["TENANT_ADMIN", "STAFF", "SUPER_ADMIN", "VIEWER"]),
    ),
)
names = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
prices = st.integers(min_value=0, max_value=10**9).map(lambda n: money.Money(n, "BRL"))
quantities = st.integers(min_value=1, max_value=model.MAX_QUANTITY)


def service(
    name: str,
    amount: int = 1000,
    *,
    sid: str | None = None,
    active: bool = True,
    tenant: ids.TenantId = TENANT,
    currency: str = "BRL",
) -> catalog.Service:
    """A catalog service for examples."""
    return catalog.Service.create(
        ids.ServiceId(sid or f"s-{name}"),
        tenant,
        name,
        money.Money(amount, currency),
        T0,
        active=active,
    )


@st.composite
def catalogs(draw: st.DrawFn, min_size: int = 1, max_size: int = 6) -> list[catalog.Service]:
    """Services of TENANT with distinct name keys (as repositories guarantee), some inactive."""
    chosen = draw(st.lists(names, min_size=min_size, max_size=max_size, unique_by=catalog.name_key))
    return [
        catalog.Service.create(
            ids.ServiceId(f"svc-{i}"),
            TENANT,
            name,
            draw(prices),
            T0,
            active=draw(st.booleans()),
        )
        for i, name in enumerate(chosen)
    ]


@st.composite
def orders(draw: st.DrawFn) -> model.Order:
    """A fresh DRAFT order with 1-5 items priced in BRL."""
    count = draw(st.integers(min_value=1, max_value=5))
    items = tuple(
        model.OrderItem(ids.ServiceId(f"svc-{i}"), f"Service {i}", draw(prices), draw(quantities))
        for i in range(count)
    )
    return model.Order(
        id=ids.OrderId("o-1"),
        tenant_id=TENANT,
        customer=CUSTOMER,
        items=items,
        status=model.OrderStatus.DRAFT,
        created_by=AI,
        created_at=T0,
        updated_at=T0,
    )
