"""GDPR requests over HTTP: a tenant admin exports and erases a customer, an operator a tenant."""

from __future__ import annotations

import secrets
from typing import Any

import attrs

from b2core.privacy import ports
from b2core.shared import ids
from tests.core.privacy import data
from tests.support.http_app import API, HttpApp, Session, assert_error


async def seed(api: HttpApp, who: Session, customer_id: str) -> data.CustomerSpec:
    """Store a conversation (two messages, one with media) and an order for the customer."""
    assert who.tenant_id is not None
    spec = attrs.evolve(
        data.CustomerSpec(
            ids.TenantId(who.tenant_id),
            customer_id,
            "Dana",
            "+92 300 4444444",
            "dana@mail.example",
            (data.MessageSpec("hello", True, "photo.jpg"), data.MessageSpec("hi", False, None)),
            1,
        )
    )
    uow: Any = api.container.resolve(ports.PrivacyUoW)
    await data.load(uow, [spec], prefix=secrets.token_hex(6))
    return spec


async def test_a_tenant_admin_exports_then_erases_a_customer(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    customer = f"+9230{secrets.randbelow(10**8):08d}"
    await seed(api, admin, customer)
    path = f"{API}/privacy/customers/{customer}"

    exported = await api.client.get(f"{path}/export", headers=admin.headers)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("application/json")
    document = exported.json()
    assert document["customer_id"] == customer
    assert len(document["messages"]) == 2
    assert document["media"][0]["filename"] == "photo.jpg"
    assert document["orders"][0]["customer_email"] == "dana@mail.example"

    erased = await api.client.delete(path, headers=admin.headers)
    assert erased.status_code == 200, erased.text
    assert erased.json()["messages_deleted"] == 2
    assert erased.json()["orders_anonymised"] == 1
    assert not erased.json()["nothing_left"]
    again = await api.client.delete(path, headers=admin.headers)
    assert again.json()["nothing_left"] is True

    after = (await api.client.get(f"{path}/export", headers=admin.headers)).json()
    assert after["conversations"] == after["messages"] == after["orders"] == []
    audit = await api.client.get(
        f"{API}/audit-logs", headers=admin.headers, params={"action": "privacy.customer_erased"}
    )
    items = audit.json()["items"]
    assert len(items) == 2
    assert customer not in str(items)
    assert "Dana" not in str(items)


async def test_staff_and_other_tenants_cannot_reach_a_customer(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    stranger = await api.tenant_admin()
    customer = f"+9230{secrets.randbelow(10**8):08d}"
    await seed(api, admin, customer)
    path = f"{API}/privacy/customers/{customer}"
    assert_error(await api.client.delete(path, headers=staff.headers), 403, "auth.forbidden")
    assert_error(
        await api.client.get(f"{path}/export", headers=staff.headers), 403, "auth.forbidden"
    )
    # Another tenant's admin sees nothing of this customer and erases nothing.
    seen = (await api.client.get(f"{path}/export", headers=stranger.headers)).json()
    assert seen["messages"] == []
    assert (await api.client.delete(path, headers=stranger.headers)).json()["nothing_left"]
    kept = (await api.client.get(f"{path}/export", headers=admin.headers)).json()
    assert len(kept["messages"]) == 2


async def test_a_too_long_customer_id_is_refused(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    path = f"{API}/privacy/customers/{'x' * 201}"
    assert_error(await api.client.delete(path, headers=admin.headers), 422, "privacy.bad_customer")


async def test_an_operator_exports_and_erases_a_whole_tenant(api: HttpApp) -> None:
    operator, admin = await api.super_admin(), await api.tenant_admin()
    first = f"+9230{secrets.randbelow(10**8):08d}"
    await seed(api, admin, first)
    path = f"{API}/admin/tenants/{admin.tenant_id}/data"
    assert_error(await api.client.get(path, headers=admin.headers), 403, "auth.forbidden")

    exported = await api.client.get(path, headers=operator.headers)
    assert exported.status_code == 200, exported.text
    assert [c["customer_id"] for c in exported.json()["customers"]] == [first]

    erased = await api.client.delete(path, headers=operator.headers)
    assert erased.status_code == 200, erased.text
    assert erased.json()["orders_deleted"] == 1
    assert (await api.client.delete(path, headers=operator.headers)).json()["nothing_left"]
    assert (await api.client.get(path, headers=operator.headers)).json()["customers"] == []
    missing = f"{API}/admin/tenants/00000000-0000-7000-8000-000000000000/data"
    assert_error(
        await api.client.delete(missing, headers=operator.headers), 404, "tenant.not_found"
    )
