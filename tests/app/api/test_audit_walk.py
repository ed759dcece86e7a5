"""Every mutating route, called once as the right person, writes exactly the audit rows it should.

The table below names, for every POST/PUT/PATCH/DELETE under /api/v1, the one audit action its
successful call appends, or why it appends none. The walk enumerates the routes from the running
app, so a route mounted without an entry here fails the test until someone decides what it audits.
It runs on the memory backend only: what it checks is which handler writes which row, and every
backend shares the handlers (the adapters' contract suites cover how rows are stored).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import dramatiq
import httpx
import pytest
from dramatiq.broker import MessageProxy
from dramatiq.brokers.stub import StubBroker
from litestar import Litestar, post
from litestar.routes import HTTPRoute

from b2adapters.bridge import signatures
from b2adapters.dramatiq import dead_letters, failures
from b2adapters.memory import conversations as memory_conversations
from b2adapters.whatsapp import webhooks
from b2app import bootstrap
from b2app.http import routes
from b2app.http.app import create_app
from b2core.conversations import channel, ports
from b2core.conversations.handlers import inbound
from b2core.orders import commands as order_commands
from b2core.orders import policy
from b2core.platform import commands as platform_commands
from b2core.platform import ports as platform_ports
from b2core.shared import ids, pagination, tasks, time
from tests.adapters.bridge import test_inbound as bridge_samples
from tests.adapters.whatsapp import payloads
from tests.support import fake_stripe, http_app
from tests.support.fake_bridge import FakeBridge
from tests.support.http_app import API, PASSWORD, HttpApp, Session, unique_email

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_TYPED_PARAM = re.compile(r"\{(\w+):[\w]+\}")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CLOUD_SECRET = "meta-app-secret-0123456789abcdef"
BRIDGE_SECRET = "bridge-webhook-secret"
BRIDGE_KEY = "walk-bridge-api-key-LAST"
STRIPE_SECRET = "whsec_walk_endpoint_secret"
Route = tuple[str, str]

# The Stripe SDK hands httpx its form body as ``data=``, which httpx deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@attrs.frozen
class Expect:
    """What one successful call appends: one row of ``action``, or nothing, for ``reason``."""

    action: str | None
    reason: str = ""

    def __attrs_post_init__(self) -> None:
        # An unaudited route must say why; an audited one needs no excuse.
        assert (self.action is None) == bool(self.reason), self


def audited(action: str) -> Expect:
    """Exactly one new audit row with this action."""
    return Expect(action)


def not_audited(reason: str) -> Expect:
    """No new audit row; ``reason`` says why that is right."""
    return Expect(None, reason)


SESSION = "session bookkeeping (tokens issued or revoked), not a change of business state"

TABLE: dict[Route, Expect] = {
    # Identity and sessions.
    ("POST", f"{API}/auth/register"): audited("tenant.registered"),
    ("POST", f"{API}/auth/login"): not_audited(SESSION),
    ("POST", f"{API}/auth/refresh"): not_audited(SESSION),
    ("POST", f"{API}/auth/logout"): not_audited(SESSION),
    ("POST", f"{API}/auth/password-reset"): not_audited(
        "only mails a single-use code; nothing about the account changes until it is used"
    ),
    ("POST", f"{API}/auth/password-reset/confirm"): audited("user.password_reset"),
    ("POST", f"{API}/auth/verify-email"): audited("user.email_verified"),
    ("POST", f"{API}/team"): audited("team.member_invited"),
    ("PATCH", f"{API}/team/{{user_id}}"): audited("team.role_changed"),
    ("POST", f"{API}/team/{{user_id}}/deactivate"): audited("team.member_deactivated"),
    # Catalog and orders.
    ("POST", f"{API}/services"): audited("service.created"),
    ("PATCH", f"{API}/services/{{service_id}}"): audited("service.updated"),
    ("DELETE", f"{API}/services/{{service_id}}"): audited("service.deleted"),
    ("POST", f"{API}/orders/{{order_id}}/approve"): audited("order.approved"),
    ("POST", f"{API}/orders/{{order_id}}/reject"): audited("order.rejected"),
    ("POST", f"{API}/orders/{{order_id}}/complete"): audited("order.completed"),
    ("POST", f"{API}/orders/{{order_id}}/cancel"): audited("order.cancelled"),
    # Channels, inbox and inbound traffic.
    ("POST", f"{API}/channels"): audited("channel.connected"),
    ("DELETE", f"{API}/channels/{{channel_id}}"): audited("channel.disconnected"),
    ("POST", f"{API}/channels/{{channel_id}}/session/start"): audited("channel.session_started"),
    ("POST", f"{API}/channels/{{channel_id}}/session/stop"): audited("channel.session_stopped"),
    ("POST", f"{API}/channels/{{channel_id}}/session/pairing-code"): not_audited(
        "asks the bridge for a code to type on the phone; nothing of ours changes"
    ),
    ("POST", f"{API}/channels/simulator/inbound"): not_audited(
        "a customer's message arriving: stored as a message, not an action of a user"
    ),
    ("POST", f"{API}/webhooks/whatsapp/{{channel_id}}"): not_audited(
        "provider deliveries are queued as inbound messages; not an action of a user"
    ),
    ("POST", f"{API}/webhooks/bridge/{{channel_id}}"): not_audited(
        "provider deliveries are queued as inbound messages; not an action of a user"
    ),
    ("POST", f"{API}/conversations/{{conversation_id}}/assign"): audited("conversation.assigned"),
    ("POST", f"{API}/conversations/{{conversation_id}}/release"): audited("conversation.released"),
    ("POST", f"{API}/conversations/{{conversation_id}}/reply"): audited(
        "conversation.human_replied"
    ),
    ("POST", f"{API}/conversations/{{conversation_id}}/resolve"): audited("conversation.resolved"),
    ("POST", f"{API}/conversations/{{conversation_id}}/reopen"): audited("conversation.reopened"),
    ("POST", f"{API}/conversations/{{conversation_id}}/close"): audited("conversation.closed"),
    # The read marker is audited by the existing inbox handler (who read a thread, and when).
    ("POST", f"{API}/conversations/{{conversation_id}}/read"): audited("conversation.read"),
    # AI and scheduling.
    ("PATCH", f"{API}/ai/settings"): audited("ai.settings_updated"),
    ("POST", f"{API}/templates"): audited("template.created"),
    ("POST", f"{API}/templates/{{template_id}}/preview"): not_audited(
        "renders a text and stores nothing"
    ),
    ("POST", f"{API}/scheduled-messages"): audited("scheduled_message.created"),
    ("POST", f"{API}/scheduled-messages/bulk"): audited("scheduled_message.bulk_created"),
    ("POST", f"{API}/scheduled-messages/{{message_id}}/cancel"): audited(
        "scheduled_message.canceled"
    ),
    ("PATCH", f"{API}/scheduled-messages/{{message_id}}"): audited("scheduled_message.updated"),
    ("DELETE", f"{API}/scheduled-messages/{{message_id}}"): audited("scheduled_message.deleted"),
    ("PATCH", f"{API}/templates/{{template_id}}"): audited("template.updated"),
    ("DELETE", f"{API}/templates/{{template_id}}"): audited("template.deleted"),
    ("PUT", f"{API}/scheduling/settings"): audited("schedule.quiet_hours_set"),
    # Billing.
    ("POST", f"{API}/billing/manual-payments"): audited("payment.submitted"),
    ("POST", f"{API}/billing/checkout"): audited("billing.checkout_started"),
    ("POST", f"{API}/billing/portal"): not_audited(
        "opens a Stripe-hosted portal session and returns its link; nothing of ours changes "
        "(what the tenant then does there arrives, audited, through the Stripe webhook)"
    ),
    ("POST", f"{API}/webhooks/stripe"): audited("billing.event_applied"),
    ("POST", f"{API}/admin/plans"): audited("plan.created"),
    ("PATCH", f"{API}/admin/plans/{{plan_id}}"): audited("plan.updated"),
    ("DELETE", f"{API}/admin/plans/{{plan_id}}"): audited("plan.deleted"),
    ("POST", f"{API}/admin/coupons"): audited("coupon.created"),
    ("PATCH", f"{API}/admin/coupons/{{coupon_id}}"): audited("coupon.updated"),
    ("DELETE", f"{API}/admin/coupons/{{coupon_id}}"): audited("coupon.deleted"),
    ("POST", f"{API}/admin/manual-payments/{{payment_id}}/approve"): audited("payment.approved"),
    ("POST", f"{API}/admin/manual-payments/{{payment_id}}/reject"): audited("payment.rejected"),
    # Platform operations and privacy.
    ("PATCH", f"{API}/admin/settings"): audited("platform.settings_updated"),
    ("PATCH", f"{API}/admin/settings/growth"): audited("platform.growth_updated"),
    ("POST", f"{API}/admin/tenants/{{tenant_id}}/suspend"): audited("tenant.suspended"),
    ("POST", f"{API}/admin/tenants/{{tenant_id}}/reactivate"): audited("tenant.reactivated"),
    ("POST", f"{API}/admin/tenants/{{tenant_id}}/archive"): audited("tenant.archived"),
    ("POST", f"{API}/admin/dead-letters/{{dead_letter_id}}/requeue"): not_audited(
        "acts on the broker's dead-letter queue, outside any database transaction"
    ),
    ("DELETE", f"{API}/admin/dead-letters/{{dead_letter_id}}"): not_audited(
        "acts on the broker's dead-letter queue, outside any database transaction"
    ),
    ("DELETE", f"{API}/privacy/customers/{{customer_id}}"): audited("privacy.customer_erased"),
    ("DELETE", f"{API}/admin/tenants/{{tenant_id}}/data"): audited("privacy.tenant_erased"),
}


def mutating_routes(app: Litestar) -> set[Route]:
    """(METHOD, path) of every POST/PUT/PATCH/DELETE the app serves under /api/v1."""
    found: set[Route] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(f"{API}/"):
            continue
        path = _TYPED_PARAM.sub(r"{\1}", route.path)
        found |= {(str(method), path) for method in route.route_handler_map if method in MUTATING}
    return found


@attrs.frozen
class Call:
    """One request: who makes it, where, with what; and the statuses that count as done."""

    method: str
    url: str
    who: Session | None = None
    options: dict[str, Any] = attrs.field(factory=dict)
    ok: tuple[int, ...] = (200, 201, 202, 204)


@attrs.define
class World:
    """The app under the walk, the people who act in it, and the fakes its routes touch."""

    api: HttpApp
    broker: StubBroker
    bridge: FakeBridge
    _admin: Session | None = None
    _operator: Session | None = None

    async def admin(self) -> Session:
        """The tenant admin most calls are made as (a fresh login each time: logout ends one)."""
        if self._admin is None:
            self._admin = await self.api.tenant_admin()
        return await self.api.session(self._admin.email)

    async def operator(self) -> Session:
        """A super admin, signed in afresh."""
        if self._operator is None:
            self._operator = await self.api.super_admin()
        return await self.api.session(self._operator.email)

    async def post(self, who: Session, path: str, body: Any = None, status: int = 201) -> Any:
        """A prerequisite POST under the API; fails the walk unless it answers ``status``."""
        response = await self.api.client.post(f"{API}{path}", headers=who.headers, json=body)
        assert response.status_code == status, f"setup POST {path}: {response.text}"
        return response.json() if response.content else None

    async def conversation(self, who: Session, customer: str | None = None) -> str:
        """A customer's message stored as the inbound pipeline does; its conversation's id."""
        assert who.tenant_id is not None
        container = self.api.container
        uow: ports.ConversationsUoW = container.resolve(ports.ConversationsUoW)
        clock: time.Clock = container.resolve(time.Clock)
        id_generator: ids.IdGenerator = container.resolve(ids.IdGenerator)
        message = channel.InboundMessage(
            ids.TenantId(who.tenant_id),
            ids.ChannelId("simulator"),
            customer or f"customer-{secrets.token_hex(3)}",
            f"wamid.walk.{secrets.token_hex(6)}",
            clock.now(),
            text="hello",
        )
        async with uow.tenant(message.tenant_id) as tx:
            received = await inbound.record_inbound(tx, message, id_generator)
            await tx.commit()
        return str(received.conversation.id)

    async def order(self, who: Session, *, submit: bool = True) -> str:
        """An order the AI drafted from ``who``'s catalog (submitted for approval): its id."""
        assert who.tenant_id is not None
        await self.post(
            who,
            "/services",
            {"name": f"Cut {secrets.token_hex(3)}", "price_minor": 900, "currency": "USD"},
        )
        catalog = await self.api.client.get(f"{API}/services", headers=who.headers)
        name = catalog.json()["items"][0]["name"]
        command = order_commands.DraftOrder(
            ids.TenantId(who.tenant_id),
            "customer-1",
            ((name, 1),),
            policy.Actor.ai(),
            submit=submit,
        )
        return str((await self.api.bus.handle(command)).id)

    async def plan(self) -> dict[str, Any]:
        """A plan made by the operator."""
        body = {
            "name": f"Plan {secrets.token_hex(4)}",
            "ai_plan": "PAID_PRO",
            "daily_limit": 100,
            "monthly_limit": 2000,
            "price_minor": 500_000,
            "currency": "PKR",
            "interval": "month",
        }
        created: dict[str, Any] = await self.post(await self.operator(), "/admin/plans", body)
        return created

    async def coupon(self) -> dict[str, Any]:
        """A 10% coupon made by the operator."""
        body = {"code": f"SAVE{secrets.token_hex(3).upper()}", "kind": "PERCENTAGE", "percent": 10}
        created: dict[str, Any] = await self.post(await self.operator(), "/admin/coupons", body)
        return created

    def payment_form(self, plan_id: str) -> dict[str, Any]:
        """The multipart body of a manual payment for ``plan_id``."""
        data = {
            "method": "EASYPAISA",
            "sender_name": "Ali Khan",
            "sender_number": "+92 300 1234567",
            "reference": f"TX{secrets.token_hex(4).upper()}",
            "plan_id": plan_id,
        }
        return {"data": data, "files": {"screenshot": ("proof.png", PNG, "image/png")}}

    async def payment(self) -> str:
        """A pending manual payment of the tenant admin: its id."""
        plan = await self.plan()
        admin = await self.admin()
        response = await self.api.client.post(
            f"{API}/billing/manual-payments",
            headers=admin.headers,
            **self.payment_form(plan["plan_id"]),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["payment_id"])

    async def member(self) -> Session:
        """A staff member of the admin's team."""
        return await self.api.member(await self.admin())

    async def channel(self, body: dict[str, str]) -> dict[str, Any]:
        """A channel the admin connects."""
        made: dict[str, Any] = await self.post(await self.admin(), "/channels", body)
        return made

    def dead_letter(self) -> str:
        """A job that failed all its attempts, in the broker's dead letters: its id."""
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name="outbound",
            actor_name="outbound.send",
            args=(secrets.token_hex(4),),
            kwargs={},
            options={
                failures.ATTEMPTS: 3,
                failures.LAST_ERROR: "ConnectionError: provider down",
                failures.FAILED_AT: int(datetime.now(UTC).timestamp() * 1000),
            },
        )
        self.broker.dead_letters_by_queue["outbound"].append(MessageProxy(message))
        return f"outbound:{message.message_id}"

    async def audit_ids(self) -> dict[str, tuple[str, str | None]]:
        """Every audit row of the platform: id -> (action, tenant id)."""
        uow: platform_ports.AuditUoW = self.api.container.resolve(platform_ports.AuditUoW)
        found: dict[str, tuple[str, str | None]] = {}
        cursor: str | None = None
        async with uow.platform() as tx:
            while True:
                page = await tx.audit_reader.page(
                    platform_commands.AuditFilter(),
                    pagination.PageRequest(pagination.MAX_LIMIT, cursor),
                )
                found |= {str(e.id): (e.action, e.tenant_id) for e in page.items}
                if page.next_cursor is None:
                    return found
                cursor = page.next_cursor


def _later() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).isoformat()


def _cloud(number: str) -> dict[str, str]:
    return {
        "kind": "whatsapp_cloud",
        "phone_number_id": number,
        "access_token": "EAAG-" + "t" * 40 + "WXYZ",
        "app_secret": CLOUD_SECRET,
        "verify_token": "verify-token-for-the-hub",
    }


_BRIDGE = {
    "kind": "whatsapp_bridge",
    "provider": "waha",
    "base_url": "http://127.0.0.1:3000",
    "api_key": "waha-api-key-0123456789-LAST",
    "session": "default",
    "webhook_secret": BRIDGE_SECRET,
}


# Platform toggles (off by default) that a route needs while it is prepared and called.
# The codes these routes need go out by email only while email itself is on.
_RESET = {"password_reset_enabled": True, "email_enabled": True}
_VERIFY = {"email_verification_required": True, "email_enabled": True}
TOGGLES: dict[Route, dict[str, bool]] = {
    ("POST", f"{API}/auth/password-reset"): _RESET,
    ("POST", f"{API}/auth/password-reset/confirm"): _RESET,
    ("POST", f"{API}/auth/verify-email"): _VERIFY,
}

# One preparation per route: it sets up what the call needs and returns the call.
Prepare = Callable[[World], Awaitable[Call]]
PREPARE: dict[Route, Prepare] = {}


def prepares(method: str, path: str) -> Callable[[Prepare], Prepare]:
    """Register the preparation of ``method path`` (the path as the table spells it)."""

    def register(function: Prepare) -> Prepare:
        PREPARE[(method, f"{API}{path}")] = function
        return function

    return register


@prepares("POST", "/auth/register")
async def _register(world: World) -> Call:
    body = {"business_name": "Walk Ltd", "email": unique_email("walk"), "password": PASSWORD}
    return Call("POST", "/auth/register", options={"json": body})


@prepares("POST", "/auth/login")
async def _login(world: World) -> Call:
    admin = await world.admin()
    return Call(
        "POST", "/auth/login", options={"json": {"email": admin.email, "password": PASSWORD}}
    )


@prepares("POST", "/auth/refresh")
async def _refresh(world: World) -> Call:
    admin = await world.admin()
    return Call("POST", "/auth/refresh", options={"json": {"refresh_token": admin.refresh_token}})


@prepares("POST", "/auth/logout")
async def _logout(world: World) -> Call:
    return Call("POST", "/auth/logout", await world.admin())


@prepares("POST", "/auth/password-reset")
async def _password_reset(world: World) -> Call:
    admin = await world.admin()
    return Call("POST", "/auth/password-reset", options={"json": {"email": admin.email}})


@prepares("POST", "/auth/password-reset/confirm")
async def _password_reset_confirm(world: World) -> Call:
    member = await world.member()
    await world.post(member, "/auth/password-reset", {"email": member.email}, 202)
    code = world.api.last_code_sent_to(member.email)
    body = {"token": code, "new_password": PASSWORD + "-new"}
    return Call("POST", "/auth/password-reset/confirm", options={"json": body})


@prepares("POST", "/auth/verify-email")
async def _verify_email(world: World) -> Call:
    email = unique_email("verify")
    body = {"business_name": "Verify Ltd", "email": email, "password": PASSWORD}
    response = await world.api.client.post(f"{API}/auth/register", json=body)
    assert response.status_code == 201, response.text
    code = world.api.last_code_sent_to(email)
    return Call("POST", "/auth/verify-email", options={"json": {"token": code}})


@prepares("POST", "/team")
async def _team_add(world: World) -> Call:
    body = {"email": unique_email("staff"), "role": "STAFF", "password": PASSWORD}
    return Call("POST", "/team", await world.admin(), {"json": body})


@prepares("PATCH", "/team/{user_id}")
async def _team_role(world: World) -> Call:
    member = await world.member()
    body = {"role": "TENANT_ADMIN"}
    return Call("PATCH", f"/team/{member.user_id}", await world.admin(), {"json": body})


@prepares("POST", "/team/{user_id}/deactivate")
async def _team_deactivate(world: World) -> Call:
    member = await world.member()
    return Call("POST", f"/team/{member.user_id}/deactivate", await world.admin())


@prepares("POST", "/services")
async def _service_create(world: World) -> Call:
    body = {"name": f"Shave {secrets.token_hex(3)}", "price_minor": 800, "currency": "USD"}
    return Call("POST", "/services", await world.admin(), {"json": body})


async def _a_service(world: World) -> tuple[Session, str]:
    admin = await world.admin()
    body = {"name": f"Wash {secrets.token_hex(3)}", "price_minor": 500, "currency": "USD"}
    made = await world.post(admin, "/services", body)
    return admin, str(made["service_id"])


@prepares("PATCH", "/services/{service_id}")
async def _service_update(world: World) -> Call:
    admin, service_id = await _a_service(world)
    return Call("PATCH", f"/services/{service_id}", admin, {"json": {"price_minor": 700}})


@prepares("DELETE", "/services/{service_id}")
async def _service_delete(world: World) -> Call:
    admin, service_id = await _a_service(world)
    return Call("DELETE", f"/services/{service_id}", admin)


def _order_step(
    step: str, body: dict[str, Any] | None = None, *, approved: bool = False
) -> Prepare:
    async def prepare(world: World) -> Call:
        admin = await world.admin()
        order_id = await world.order(admin)
        if approved:
            await world.post(admin, f"/orders/{order_id}/approve", None, 200)
        options = {"json": body} if body is not None else {}
        return Call("POST", f"/orders/{order_id}/{step}", admin, options)

    return prepare


PREPARE[("POST", f"{API}/orders/{{order_id}}/approve")] = _order_step("approve")
PREPARE[("POST", f"{API}/orders/{{order_id}}/reject")] = _order_step("reject", {"reason": "late"})
PREPARE[("POST", f"{API}/orders/{{order_id}}/complete")] = _order_step("complete", approved=True)
PREPARE[("POST", f"{API}/orders/{{order_id}}/cancel")] = _order_step("cancel")


@prepares("POST", "/channels")
async def _channel_connect(world: World) -> Call:
    body = _cloud("9" + "".join(secrets.choice("0123456789") for _ in range(14)))
    return Call("POST", "/channels", await world.admin(), {"json": body})


@prepares("DELETE", "/channels/{channel_id}")
async def _channel_disconnect(world: World) -> Call:
    made = await world.channel(
        _cloud("8" + "".join(secrets.choice("0123456789") for _ in range(14)))
    )
    return Call("DELETE", f"/channels/{made['id']}", await world.admin())


async def _a_session(world: World) -> tuple[Session, str]:
    name = f"shop{secrets.token_hex(3)}"
    world.bridge.add_session(name, "qr")
    body = {**_BRIDGE, "base_url": world.bridge.base_url, "api_key": BRIDGE_KEY, "session": name}
    made = await world.channel(body)
    return await world.admin(), str(made["id"])


@prepares("POST", "/channels/{channel_id}/session/start")
async def _session_start(world: World) -> Call:
    admin, channel_id = await _a_session(world)
    return Call("POST", f"/channels/{channel_id}/session/start", admin, ok=(200, 201))


@prepares("POST", "/channels/{channel_id}/session/stop")
async def _session_stop(world: World) -> Call:
    admin, channel_id = await _a_session(world)
    return Call("POST", f"/channels/{channel_id}/session/stop", admin, ok=(200, 201))


@prepares("POST", "/channels/{channel_id}/session/pairing-code")
async def _session_pairing(world: World) -> Call:
    admin, channel_id = await _a_session(world)
    body = {"phone_number": "+4915112345678"}
    return Call(
        "POST", f"/channels/{channel_id}/session/pairing-code", admin, {"json": body}, ok=(200, 201)
    )


@prepares("POST", "/channels/simulator/inbound")
async def _simulator(world: World) -> Call:
    body = {"customer_id": "walk-customer", "text": "Do you cut hair?"}
    return Call("POST", "/channels/simulator/inbound", await world.admin(), {"json": body})


@prepares("POST", "/webhooks/whatsapp/{channel_id}")
async def _whatsapp_webhook(world: World) -> Call:
    made = await world.channel(_cloud(payloads.PHONE_ID))
    body = json.dumps(payloads.delivery_of_three_and_two()).encode()
    headers = {
        "Content-Type": "application/json",
        webhooks.SIGNATURE_HEADER: webhooks.sign(body, CLOUD_SECRET),
    }
    url = str(made["webhook_path"]).removeprefix(API)
    return Call("POST", url, options={"content": body, "headers": headers}, ok=(200,))


@prepares("POST", "/webhooks/bridge/{channel_id}")
async def _bridge_webhook(world: World) -> Call:
    made = await world.channel(_BRIDGE)
    body = json.dumps(bridge_samples.WAHA_MESSAGE).encode()
    headers = {
        "Content-Type": "application/json",
        signatures.HMAC_HEADER: signatures.sign_waha(body, BRIDGE_SECRET),
        signatures.ALGORITHM_HEADER: "sha512",
    }
    url = str(made["webhook_path"]).removeprefix(API)
    return Call("POST", url, options={"content": body, "headers": headers}, ok=(200,))


def _conversation_step(step: str, body: dict[str, Any] | None = None, *before: str) -> Prepare:
    async def prepare(world: World) -> Call:
        admin = await world.admin()
        conversation_id = await world.conversation(admin)
        for earlier in before:
            await world.post(admin, f"/conversations/{conversation_id}/{earlier}", None, 200)
        options = {"json": body} if body is not None else {}
        return Call("POST", f"/conversations/{conversation_id}/{step}", admin, options)

    return prepare


for _step, _body, _before in (
    ("assign", None, ()),
    ("release", None, ("assign",)),
    ("reply", {"text": "A person here."}, ()),
    ("resolve", None, ()),
    ("reopen", None, ("resolve",)),
    ("close", None, ()),
    ("read", None, ()),
):
    PREPARE[("POST", f"{API}/conversations/{{conversation_id}}/{_step}")] = _conversation_step(
        _step, _body, *_before
    )


@prepares("PATCH", "/ai/settings")
async def _ai_settings(world: World) -> Call:
    return Call(
        "PATCH", "/ai/settings", await world.admin(), {"json": {"confidence_threshold": 70}}
    )


async def _a_template(world: World) -> tuple[Session, str]:
    admin = await world.admin()
    body = {
        "name": f"reminder-{secrets.token_hex(3)}",
        "content": "Hi {{name}}!",
        "variables": ["name"],
    }
    made = await world.post(admin, "/templates", body)
    return admin, str(made["template_id"])


@prepares("POST", "/templates")
async def _template_create(world: World) -> Call:
    body = {
        "name": f"welcome-{secrets.token_hex(3)}",
        "content": "Welcome, {{name}}.",
        "variables": ["name"],
    }
    return Call("POST", "/templates", await world.admin(), {"json": body})


@prepares("POST", "/templates/{template_id}/preview")
async def _template_preview(world: World) -> Call:
    admin, template_id = await _a_template(world)
    body = {"variables": {"name": "Ana"}}
    return Call("POST", f"/templates/{template_id}/preview", admin, {"json": body}, ok=(200,))


@prepares("POST", "/scheduled-messages")
async def _schedule(world: World) -> Call:
    body = {"recipient_phone": "+923001234567", "scheduled_at": _later(), "text": "See you."}
    return Call("POST", "/scheduled-messages", await world.admin(), {"json": body})


@prepares("POST", "/scheduled-messages/bulk")
async def _schedule_bulk(world: World) -> Call:
    rows = [{"recipient_phone": "+923001234567"}, {"recipient_phone": "+923001234568"}]
    body = {"recipients": rows, "text": "Hello all.", "scheduled_at": _later()}
    return Call("POST", "/scheduled-messages/bulk", await world.admin(), {"json": body}, ok=(200,))


@prepares("POST", "/scheduled-messages/{message_id}/cancel")
async def _schedule_cancel(world: World) -> Call:
    admin = await world.admin()
    body = {"recipient_phone": "+923001234569", "scheduled_at": _later(), "text": "Later."}
    made = await world.post(admin, "/scheduled-messages", body)
    return Call("POST", f"/scheduled-messages/{made['scheduled_message_id']}/cancel", admin)


async def _a_scheduled_message(world: World) -> tuple[Session, str]:
    admin = await world.admin()
    body = {"recipient_phone": "+923001234570", "scheduled_at": _later(), "text": "Soon."}
    made = await world.post(admin, "/scheduled-messages", body)
    return admin, str(made["scheduled_message_id"])


@prepares("PATCH", "/scheduled-messages/{message_id}")
async def _schedule_update(world: World) -> Call:
    admin, message_id = await _a_scheduled_message(world)
    body = {"text": "Sooner."}
    return Call("PATCH", f"/scheduled-messages/{message_id}", admin, {"json": body})


@prepares("DELETE", "/scheduled-messages/{message_id}")
async def _schedule_delete(world: World) -> Call:
    admin, message_id = await _a_scheduled_message(world)
    await world.post(admin, f"/scheduled-messages/{message_id}/cancel", None, 200)
    return Call("DELETE", f"/scheduled-messages/{message_id}", admin)


@prepares("PATCH", "/templates/{template_id}")
async def _template_update(world: World) -> Call:
    admin, template_id = await _a_template(world)
    body = {"content": "Hello {{name}}!"}
    return Call("PATCH", f"/templates/{template_id}", admin, {"json": body}, ok=(200,))


@prepares("DELETE", "/templates/{template_id}")
async def _template_delete(world: World) -> Call:
    admin, template_id = await _a_template(world)
    return Call("DELETE", f"/templates/{template_id}", admin)


@prepares("PUT", "/scheduling/settings")
async def _scheduling_settings(world: World) -> Call:
    body = {"quiet_hours": {"start": "22:00", "end": "07:00"}}
    return Call("PUT", "/scheduling/settings", await world.admin(), {"json": body}, ok=(200,))


@prepares("POST", "/billing/manual-payments")
async def _payment_submit(world: World) -> Call:
    plan = await world.plan()
    return Call(
        "POST", "/billing/manual-payments", await world.admin(), world.payment_form(plan["plan_id"])
    )


async def _card_plan(world: World) -> dict[str, Any]:
    plan = await world.plan()
    body = {"stripe_price_id": f"price_{secrets.token_hex(4)}"}
    path = f"/admin/plans/{plan['plan_id']}"
    response = await world.api.client.patch(
        f"{API}{path}", headers=(await world.operator()).headers, json=body
    )
    assert response.status_code == 200, response.text
    sold: dict[str, Any] = response.json()
    return sold


def _signed_stripe_event(event: dict[str, Any]) -> dict[str, Any]:
    raw = json.dumps(event)
    header = fake_stripe.sign(raw, STRIPE_SECRET, int(datetime.now(UTC).timestamp()))
    return {
        "content": raw,
        "headers": {"Stripe-Signature": header, "Content-Type": "application/json"},
    }


async def _subscription_paid(world: World) -> tuple[Session, dict[str, Any]]:
    """A new tenant's completed card checkout, as Stripe announces it: the admin and the call."""
    admin = await world.api.tenant_admin()
    plan = await _card_plan(world)
    event = fake_stripe.event(
        f"evt_{secrets.token_hex(6)}",
        "checkout.session.completed",
        int(datetime.now(UTC).timestamp()),
        {
            "id": f"cs_{secrets.token_hex(6)}",
            "object": "checkout.session",
            "mode": "subscription",
            "customer": f"cus_{secrets.token_hex(6)}",
            "subscription": f"sub_{secrets.token_hex(6)}",
            "payment_status": "paid",
            "metadata": {"tenant_id": admin.tenant_id, "plan_id": plan["plan_id"]},
        },
    )
    return admin, _signed_stripe_event(event)


@prepares("POST", "/billing/checkout")
async def _checkout(world: World) -> Call:
    plan = await _card_plan(world)
    body = {
        "plan_id": plan["plan_id"],
        "success_url": "https://shop.example/ok",
        "cancel_url": "https://shop.example/no",
    }
    return Call("POST", "/billing/checkout", await world.admin(), {"json": body}, ok=(200,))


@prepares("POST", "/billing/portal")
async def _portal(world: World) -> Call:
    admin, delivery = await _subscription_paid(world)
    paid = await world.api.client.post(f"{API}/webhooks/stripe", **delivery)
    assert paid.status_code == 200, paid.text
    body = {"return_url": "https://shop.example/billing"}
    return Call("POST", "/billing/portal", admin, {"json": body}, ok=(200,))


@prepares("POST", "/webhooks/stripe")
async def _stripe_webhook(world: World) -> Call:
    _, delivery = await _subscription_paid(world)
    return Call("POST", "/webhooks/stripe", options=delivery, ok=(200,))


@prepares("POST", "/admin/plans")
async def _plan_create(world: World) -> Call:
    body = {
        "name": f"Plan {secrets.token_hex(4)}",
        "ai_plan": "PAID_BASIC",
        "daily_limit": 50,
        "monthly_limit": 1000,
        "price_minor": 200_000,
        "currency": "PKR",
        "interval": "month",
    }
    return Call("POST", "/admin/plans", await world.operator(), {"json": body})


@prepares("PATCH", "/admin/plans/{plan_id}")
async def _plan_update(world: World) -> Call:
    plan = await world.plan()
    body = {"display_order": 3}
    return Call("PATCH", f"/admin/plans/{plan['plan_id']}", await world.operator(), {"json": body})


@prepares("DELETE", "/admin/plans/{plan_id}")
async def _plan_delete(world: World) -> Call:
    plan = await world.plan()
    return Call("DELETE", f"/admin/plans/{plan['plan_id']}", await world.operator())


@prepares("POST", "/admin/coupons")
async def _coupon_create(world: World) -> Call:
    body = {"code": f"EID{secrets.token_hex(3).upper()}", "kind": "PERCENTAGE", "percent": 25}
    return Call("POST", "/admin/coupons", await world.operator(), {"json": body})


@prepares("PATCH", "/admin/coupons/{coupon_id}")
async def _coupon_update(world: World) -> Call:
    coupon = await world.coupon()
    path = f"/admin/coupons/{coupon['coupon_id']}"
    return Call("PATCH", path, await world.operator(), {"json": {"active": False}})


@prepares("DELETE", "/admin/coupons/{coupon_id}")
async def _coupon_delete(world: World) -> Call:
    coupon = await world.coupon()
    return Call("DELETE", f"/admin/coupons/{coupon['coupon_id']}", await world.operator())


@prepares("POST", "/admin/manual-payments/{payment_id}/approve")
async def _payment_approve(world: World) -> Call:
    payment_id = await world.payment()
    return Call("POST", f"/admin/manual-payments/{payment_id}/approve", await world.operator())


@prepares("POST", "/admin/manual-payments/{payment_id}/reject")
async def _payment_reject(world: World) -> Call:
    payment_id = await world.payment()
    path = f"/admin/manual-payments/{payment_id}/reject"
    return Call("POST", path, await world.operator(), {"json": {"reason": "No such transfer"}})


@prepares("PATCH", "/admin/settings")
async def _system_settings(world: World) -> Call:
    # A real change: the handler audits the fields that differ, and a no-op PATCH changes none.
    body = {"max_messages_per_hour": 999}
    return Call("PATCH", "/admin/settings", await world.operator(), {"json": body})


@prepares("PATCH", "/admin/settings/growth")
async def _growth_settings(world: World) -> Call:
    body = {"google_analytics_id": "G-WALK123"}
    return Call("PATCH", "/admin/settings/growth", await world.operator(), {"json": body})


def _tenant_step(step: str, *before: str) -> Prepare:
    async def prepare(world: World) -> Call:
        other = await world.api.tenant_admin()
        operator = await world.operator()
        for earlier in before:
            await world.post(operator, f"/admin/tenants/{other.tenant_id}/{earlier}", None, 200)
        return Call("POST", f"/admin/tenants/{other.tenant_id}/{step}", operator)

    return prepare


PREPARE[("POST", f"{API}/admin/tenants/{{tenant_id}}/suspend")] = _tenant_step("suspend")
PREPARE[("POST", f"{API}/admin/tenants/{{tenant_id}}/reactivate")] = _tenant_step(
    "reactivate", "suspend"
)
PREPARE[("POST", f"{API}/admin/tenants/{{tenant_id}}/archive")] = _tenant_step("archive")


@prepares("POST", "/admin/dead-letters/{dead_letter_id}/requeue")
async def _dead_letter_requeue(world: World) -> Call:
    letter = world.dead_letter()
    return Call("POST", f"/admin/dead-letters/{letter}/requeue", await world.operator())


@prepares("DELETE", "/admin/dead-letters/{dead_letter_id}")
async def _dead_letter_discard(world: World) -> Call:
    letter = world.dead_letter()
    return Call("DELETE", f"/admin/dead-letters/{letter}", await world.operator())


@prepares("DELETE", "/privacy/customers/{customer_id}")
async def _erase_customer(world: World) -> Call:
    admin = await world.admin()
    await world.conversation(admin, "walk-erased-customer")
    return Call("DELETE", "/privacy/customers/walk-erased-customer", admin)


@prepares("DELETE", "/admin/tenants/{tenant_id}/data")
async def _erase_tenant(world: World) -> Call:
    other = await world.api.tenant_admin()
    return Call("DELETE", f"/admin/tenants/{other.tenant_id}/data", await world.operator())


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """The app on the memory backend, with a recording outbound queue and a stub broker."""
    broker = StubBroker(middleware=[])
    bridge_server = FakeBridge("waha", api_key=BRIDGE_KEY)
    overrides = {
        ports.OutboundQueue: memory_conversations.InMemoryOutboundQueue(),
        tasks.DeadLetters: dead_letters.StubDeadLetters(broker),
    }
    with bridge_server, fake_stripe.running() as stripe:
        config = attrs.evolve(
            http_app.api_settings("memory://"),
            stripe_secret_key="sk_test_walk",
            stripe_webhook_secret=STRIPE_SECRET,
            stripe_api_base=stripe.url,
        )
        async with http_app.running_app(config, overrides) as api:
            yield World(api, broker, bridge_server)


async def _perform(world: World, call: Call) -> httpx.Response:
    options = dict(call.options)
    if call.who is not None:
        options["headers"] = {**options.get("headers", {}), **call.who.headers}
    return await world.api.client.request(call.method, f"{API}{call.url}", **options)


def test_every_mutating_route_has_an_entry_and_a_preparation() -> None:
    container = bootstrap.build_container(http_app.api_settings("memory://"))
    served = mutating_routes(create_app(container))
    assert sorted(served - set(TABLE)) == [], "mutating routes missing from the audit table"
    assert sorted(set(TABLE) - served) == [], "table entries for routes the app does not serve"
    assert set(PREPARE) == set(TABLE)


@post("/audit-free-action", sync_to_thread=False)
def unlisted_action() -> None:
    """A mutating route nobody has decided about."""


def test_a_new_mutating_route_without_an_entry_is_noticed() -> None:
    container = bootstrap.build_container(http_app.api_settings("memory://"))
    app = create_app(container, api_handlers=[*routes.API_HANDLERS, unlisted_action])
    assert mutating_routes(app) - set(TABLE) == {("POST", f"{API}/audit-free-action")}


async def test_every_mutating_route_writes_exactly_its_audit_rows(world: World) -> None:
    problems: list[str] = []
    for route in sorted(TABLE):
        expect = TABLE[route]
        async with world.api.platform_settings(**TOGGLES.get(route, {})):
            call = await PREPARE[route](world)
            before = await world.audit_ids()
            response = await _perform(world, call)
            after = await world.audit_ids()
        rows = [after[key] for key in after.keys() - before.keys()]
        new = sorted(action for action, _ in rows)
        wanted = [expect.action] if expect.action else []
        # A tenant's person acts in their own tenant: the row is filed there, nowhere else.
        tenant = call.who.tenant_id if call.who else None
        if response.status_code not in call.ok:
            problems.append(f"{route}: answered {response.status_code}: {response.text}")
        elif new != wanted:
            problems.append(f"{route}: wrote {new}, expected {wanted}")
        elif tenant is not None and any(filed != tenant for _, filed in rows):
            problems.append(f"{route}: filed under {[f for _, f in rows]}, not {tenant}")
    assert problems == [], "\n".join(problems)


def test_the_table_explains_every_route_it_does_not_audit() -> None:
    unaudited = {route: e.reason for route, e in TABLE.items() if e.action is None}
    assert all(len(reason) > 20 for reason in unaudited.values())
    actions = [e.action for e in TABLE.values() if e.action is not None]
    # Each audited route has an action of its own: two routes never share one row's meaning.
    assert len(actions) == len(set(actions))
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", action) for action in actions)
