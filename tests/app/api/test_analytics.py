"""Analytics over HTTP: the figures match seeded rows on every backend; guards and bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest

from b2adapters.simulator.channel import CHANNEL_ID
from b2core.ai import model as ai_model
from b2core.ai import settings as ai_settings
from b2core.conversations import messages
from b2core.conversations import model as conversation_model
from b2core.conversations import ports as conversation_ports
from b2core.iam import model as iam_model
from b2core.orders import commands as order_commands
from b2core.orders import policy as order_policy
from b2core.pipeline import ports as pipeline_ports
from b2core.shared import ids
from tests.support.http_app import API, HttpApp, Session, assert_error

SERVICE = {
    "name": "Chocolate Cake",
    "description": "A rich chocolate cake.",
    "price_minor": 2500,
    "currency": "USD",
    "active": True,
}


def _id() -> str:
    return str(uuid.uuid4())


def usage(
    tenant_id: str,
    at: datetime,
    *,
    reason: ai_model.BlockReason | None = None,
    tier: ai_model.AiTier = ai_model.AiTier.FREE,
    tokens: tuple[int, int] = (10, 20),
    cost: int = 7,
    currency: str = "USD",
) -> ai_model.UsageRecord:
    """One usage log row."""
    return ai_model.UsageRecord(
        id=ai_model.UsageRecordId(_id()), tenant_id=ids.TenantId(tenant_id), at=at,
        model="offline", tier=tier, input_tokens=tokens[0], output_tokens=tokens[1],
        cost_micro=cost, currency=currency, latency_ms=3, reason=reason,
    )  # fmt: skip


async def add_usage(api: HttpApp, tenant_id: str, *records: ai_model.UsageRecord) -> None:
    """Write usage rows as the pipeline does."""
    uow: pipeline_ports.PipelineUoW = api.container.resolve(pipeline_ports.PipelineUoW)
    async with uow.tenant(ids.TenantId(tenant_id)) as tx:
        for record in records:
            await tx.usage.add(record)
        await tx.commit()


async def seed_conversations(api: HttpApp, admin: Session, now: datetime) -> None:
    """Three conversations (2 OPEN, 1 CLOSED); 3 messages in, 1 AI and 1 human reply out."""
    tenant = ids.TenantId(admin.tenant_id or "")
    uow: conversation_ports.ConversationsUoW = api.container.resolve(
        conversation_ports.ConversationsUoW
    )
    async with uow.tenant(tenant) as tx:
        talks = []
        for customer in ("cust-a", "cust-b", "cust-c"):
            talk = conversation_model.Conversation.open(
                ids.ConversationId(_id()), tenant, CHANNEL_ID, customer, now
            )
            opened, _ = await tx.conversations.get_or_open_for_customer(talk)
            talks.append(opened)
        await tx.conversations.save(
            attrs.evolve(talks[2], status=conversation_model.ConversationStatus.CLOSED)
        )
        first = talks[0]
        for n, talk in enumerate((first, first, talks[1])):
            inbound = messages.Message(
                ids.MessageId(_id()), tenant, talk.id, CHANNEL_ID,
                messages.Direction.INBOUND, messages.MessageType.TEXT, now,
                text=f"hi {n}", provider_message_id=f"wamid-{_id()}",
            )  # fmt: skip
            assert await tx.messages.add(inbound)
        for sender, from_ai in ((None, True), (ids.UserId(admin.user_id), False)):
            reply = messages.Message.outbound_text(
                ids.MessageId(_id()), first, "hello", now, f"key-{_id()}",
                sender_user_id=sender, from_ai=from_ai,
            )  # fmt: skip
            assert await tx.messages.add(reply)
        await tx.commit()


async def seed_orders(api: HttpApp, admin: Session) -> None:
    """One DRAFT order and one PENDING_APPROVAL order."""
    created = await api.client.post(f"{API}/services", json=SERVICE, headers=admin.headers)
    assert created.status_code == 201, created.text
    ai = order_policy.Actor(order_policy.ActorKind.AI)
    for submit in (False, True):
        await api.bus.handle(
            order_commands.DraftOrder(
                ids.TenantId(admin.tenant_id or ""),
                "cust-a",
                (("Chocolate Cake", 2),),
                ai,
                submit=submit,
            )
        )


async def test_the_dashboard_counts_the_seeded_rows(api: HttpApp) -> None:
    admin, other = await api.tenant_admin(), await api.tenant_admin()
    now = datetime.now(UTC)
    await seed_conversations(api, admin, now)
    await seed_orders(api, admin)
    blocked = ai_model.BlockReason.DAILY_LIMIT
    await add_usage(
        api, admin.tenant_id or "",
        usage(admin.tenant_id or "", now), usage(admin.tenant_id or "", now - timedelta(days=40)),
        usage(admin.tenant_id or "", now, reason=blocked),
        usage(admin.tenant_id or "", now, reason=ai_model.BlockReason.GUARDRAIL),
        usage(admin.tenant_id or "", now, reason=blocked),
    )  # fmt: skip
    await add_usage(api, other.tenant_id or "", usage(other.tenant_id or "", now, reason=blocked))
    response = await api.client.get(f"{API}/analytics/dashboard", headers=admin.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["conversations_by_status"] == {"OPEN": 2, "CLOSED": 1}
    assert body["conversations_total"] == 3
    assert (body["messages_in"], body["messages_out"]) == (3, 2)
    assert (body["ai_messages_out"], body["human_messages_out"]) == (1, 1)
    assert (body["ai_replies"], body["handoffs"]) == (2, 3)
    assert body["handoffs_by_reason"] == {"DAILY_LIMIT": 2, "GUARDRAIL": 1}
    assert body["orders_by_status"] == {"DRAFT": 1, "PENDING_APPROVAL": 1}
    assert body["orders_total"] == 2
    assert body["usage"]["plan"] == "FREE"
    assert body["usage"]["daily"]["limit"] > 0
    empty = (await api.client.get(f"{API}/analytics/dashboard", headers=other.headers)).json()
    assert empty["conversations_total"] == 0
    assert (empty["ai_replies"], empty["handoffs"], empty["orders_total"]) == (0, 1, 0)


@pytest.mark.parametrize("days", [7, 30])
async def test_ai_usage_per_day_is_zero_filled(api: HttpApp, days: int) -> None:
    admin = await api.tenant_admin()
    tenant = admin.tenant_id or ""
    now = datetime.now(UTC)
    today = now.date()
    two_days_ago = now - timedelta(days=2)
    await add_usage(
        api, tenant,
        usage(tenant, now, tokens=(5, 6), cost=10),
        usage(tenant, now, reason=ai_model.BlockReason.RATE_LIMITED, tokens=(0, 0), cost=0),
        usage(tenant, two_days_ago, tokens=(1, 2), cost=3),
        usage(tenant, now - timedelta(days=10), tokens=(100, 100), cost=100),
        usage(tenant, now - timedelta(days=45), tokens=(1000, 1000), cost=1000),
    )  # fmt: skip
    response = await api.client.get(
        f"{API}/analytics/ai-usage", params={"days": str(days)}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["days"] == days
    assert body["next_cursor"] is None
    items = body["items"]
    assert [date.fromisoformat(i["day"]) for i in items] == [
        today - timedelta(days=n) for n in reversed(range(days))
    ]
    by_day = {date.fromisoformat(i["day"]): i for i in items}
    assert by_day[today] == {
        "day": today.isoformat(), "requests": 2, "blocked": 1,
        "input_tokens": 5, "output_tokens": 6, "cost_micro": 10,
    }  # fmt: skip
    assert by_day[two_days_ago.date()]["requests"] == 1
    ten_days_ago = today - timedelta(days=10)
    assert (ten_days_ago in by_day) == (days == 30)
    assert sum(i["requests"] for i in items) == (3 if days == 7 else 4)
    assert sum(i["cost_micro"] for i in items) == (13 if days == 7 else 113)


async def test_platform_analytics_count_every_tenant(api: HttpApp) -> None:
    operator = await api.super_admin()
    path = f"{API}/admin/analytics"
    before = (await api.client.get(path, headers=operator.headers)).json()
    free, pro = await api.tenant_admin(), await api.tenant_admin()
    uow: pipeline_ports.PipelineUoW = api.container.resolve(pipeline_ports.PipelineUoW)
    async with uow.tenant(ids.TenantId(pro.tenant_id or "")) as tx:
        base = ai_settings.AiSettings(ids.TenantId(pro.tenant_id or ""))
        await tx.ai_settings.save(attrs.evolve(base, plan=ai_model.AiPlan.PAID_PRO))
        await tx.commit()
    now = datetime.now(UTC)
    await add_usage(
        api, pro.tenant_id or "",
        usage(pro.tenant_id or "", now, tier=ai_model.AiTier.MEDIUM, cost=40, currency="EUR"),
        usage(pro.tenant_id or "", now, tier=ai_model.AiTier.MEDIUM, cost=2, currency="EUR",
              reason=ai_model.BlockReason.LOW_CONFIDENCE),
        usage(pro.tenant_id or "", now - timedelta(days=60), tier=ai_model.AiTier.MEDIUM,
              cost=500, currency="EUR"),
    )  # fmt: skip
    await add_usage(
        api,
        free.tenant_id or "",
        usage(free.tenant_id or "", now, reason=ai_model.BlockReason.MONTHLY_LIMIT, cost=0),
    )
    response = await api.client.get(path, headers=operator.headers)
    assert response.status_code == 200, response.text
    after = response.json()

    def delta(section: str, key: str) -> int:
        return int(after[section].get(key, 0)) - int(before[section].get(key, 0))

    assert delta("tenants_by_status", "ACTIVE") == 2
    assert (delta("tenants_by_plan", "FREE"), delta("tenants_by_plan", "PAID_PRO")) == (1, 1)
    assert delta("blocked_by_reason", "LOW_CONFIDENCE") == 1
    assert delta("blocked_by_reason", "MONTHLY_LIMIT") == 1

    def tier(body: dict[str, Any], name: str, currency: str) -> dict[str, int]:
        found = [
            t for t in body["ai_usage_by_tier"] if (t["tier"], t["currency"]) == (name, currency)
        ]
        return found[0] if found else {"requests": 0, "cost_micro": 0, "input_tokens": 0}

    medium_after, medium_before = tier(after, "MEDIUM", "EUR"), tier(before, "MEDIUM", "EUR")
    assert medium_after["requests"] - medium_before["requests"] == 2
    assert medium_after["cost_micro"] - medium_before["cost_micro"] == 42
    assert medium_after["input_tokens"] - medium_before["input_tokens"] == 20
    wide = await api.client.get(path, params={"days": "90"}, headers=operator.headers)
    assert tier(wide.json(), "MEDIUM", "EUR")["cost_micro"] >= medium_after["cost_micro"] + 500


@pytest.mark.parametrize("api_config", ["memory"], indirect=True)
async def test_analytics_routes_are_guarded(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin, iam_model.Role.STAFF)
    operator = await api.super_admin()
    for path in ("/analytics/dashboard", "/analytics/ai-usage"):
        assert_error(
            await api.client.get(f"{API}{path}", headers=staff.headers), 403, "auth.forbidden"
        )
        assert_error(
            await api.client.get(f"{API}{path}", headers=operator.headers), 403, "auth.forbidden"
        )
        assert_error(await api.client.get(f"{API}{path}"), 401, "auth.unauthenticated")
    admin_path = f"{API}/admin/analytics"
    assert_error(await api.client.get(admin_path, headers=admin.headers), 403, "auth.forbidden")


BAD_PERIODS = [
    ("/analytics/ai-usage", "14"),
    ("/analytics/ai-usage", "0"),
    ("/analytics/ai-usage", "seven"),
    ("/analytics/ai-usage", "-7"),
    ("/admin/analytics", "0"),
    ("/admin/analytics", "367"),
    ("/admin/analytics", "1e3"),
]


@pytest.mark.parametrize("api_config", ["memory"], indirect=True)
async def test_bad_periods_are_refused(api: HttpApp) -> None:
    admin, operator = await api.tenant_admin(), await api.super_admin()
    for path, days in BAD_PERIODS:
        who = operator if path.startswith("/admin") else admin
        response = await api.client.get(f"{API}{path}", params={"days": days}, headers=who.headers)
        assert_error(response, 422, "analytics.bad_days")
