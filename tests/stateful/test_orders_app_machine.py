"""Orders through the application (bus, handlers, memory unit of work) against a reference model.

The domain machine (``tests/core/orders/test_order_machine.py``) checks one ``Order`` value.
This one drives several orders of two tenants through the message bus, as the HTTP edge and
the AI pipeline do, and checks after every step that what the application stores, lists and
audits matches a model written independently of it: the transition table, who may decide,
tenant isolation (another tenant's order id is "not found" and changes nothing), and exactly
one audit entry per accepted step, none for a refused one.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from b2core.orders import commands, model, policy
from b2core.orders.handlers import queries
from b2core.shared import errors, ids, pagination
from tests.core.orders import test_handlers_support as support

Status = model.OrderStatus
# The rules written out again, independently of the code under test.
MOVES: dict[str, tuple[set[Status], Status]] = {
    "submit": ({Status.DRAFT}, Status.PENDING_APPROVAL),
    "approve": ({Status.PENDING_APPROVAL}, Status.APPROVED),
    "reject": ({Status.PENDING_APPROVAL}, Status.REJECTED),
    "complete": ({Status.APPROVED}, Status.COMPLETED),
    "cancel": ({Status.DRAFT, Status.PENDING_APPROVAL}, Status.CANCELLED),
}
DECIDERS_ONLY = {"approve", "reject", "complete"}
WHO = ("admin", "staff", "ai")


def _command(action: str, tenant: ids.TenantId, order: ids.OrderId, by: policy.Actor) -> Any:
    if action == "reject":
        return commands.RejectOrder(tenant, order, by, "out of stock")
    kinds = {
        "submit": commands.SubmitOrder,
        "approve": commands.ApproveOrder,
        "complete": commands.CompleteOrder,
        "cancel": commands.CancelOrder,
    }
    return kinds[action](tenant, order, by)


class OrdersAppMachine(RuleBasedStateMachine):
    """Two tenants, a handful of orders, random steps by random actors."""

    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.app: Any = None
        self.members: dict[str, dict[str, policy.Actor]] = {}
        self.tenants: dict[str, ids.TenantId] = {}
        self.status: dict[ids.OrderId, Status] = {}
        self.owner: dict[ids.OrderId, str] = {}
        self.audited: dict[str, int] = {"a": 0, "b": 0}

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.loop.close()

    def attempt(self, command: object) -> Any:
        """What the bus returns for ``command``, or the domain error it raised."""
        try:
            return self.run(self.app.handle(command))
        except errors.DomainError as refused:
            return refused

    @initialize()
    def setup(self) -> None:
        async def build() -> None:
            self.app = await support.orders_app()
            for name in ("a", "b"):
                admin = await support.owner(self.app, f"owner@{name}.example")
                member = await support.staff(self.app, admin, f"staff@{name}.example")
                await support.add_service(self.app, admin, "Cake", 2500)
                self.tenants[name] = admin.tenant_id
                self.members[name] = {
                    "admin": admin.actor, "staff": member.actor, "ai": support.AI,
                }  # fmt: skip
                self.audited[name] = len(await support.audit_entries(self.app, admin.tenant_id))

        self.run(build())

    @rule(
        target=orders,
        tenant=st.sampled_from(["a", "b"]),
        who=st.sampled_from(WHO),
        quantity=st.integers(min_value=1, max_value=5),
        submit=st.booleans(),
    )
    def draft(self, tenant: str, who: str, quantity: int, submit: bool) -> ids.OrderId:
        command = commands.DraftOrder(
            self.tenants[tenant], "cust-1", (("Cake", quantity),),
            self.members[tenant][who], submit=submit,
        )  # fmt: skip
        order: model.Order = self.run(self.app.handle(command))
        assert order.status is (Status.PENDING_APPROVAL if submit else Status.DRAFT)
        assert order.total.amount_minor == 2500 * quantity
        self.status[order.id], self.owner[order.id] = order.status, tenant
        self.audited[tenant] += 1  # one "order.drafted" entry, submitted or not
        return order.id

    @rule(
        order=orders,
        action=st.sampled_from(sorted(MOVES)),
        who=st.sampled_from(WHO),
        as_tenant=st.sampled_from(["own", "other"]),
    )
    def step(self, order: ids.OrderId, action: str, who: str, as_tenant: str) -> None:
        home = self.owner[order]
        tenant = home if as_tenant == "own" else ("b" if home == "a" else "a")
        command = _command(action, self.tenants[tenant], order, self.members[tenant][who])
        before = self.status[order]
        sources, target = MOVES[action]
        result = self.attempt(command)
        if isinstance(result, errors.DomainError):
            refused = result
            if tenant != home:
                assert isinstance(refused, errors.NotFound), refused
            elif who == "ai" and action in DECIDERS_ONLY:
                assert isinstance(refused, errors.Forbidden), refused
            else:
                assert before not in sources, f"{action} refused from {before}: {refused}"
                assert isinstance(refused, errors.Conflict), refused
            return
        assert tenant == home, "a step crossed tenants"
        assert not (who == "ai" and action in DECIDERS_ONLY), "the AI took a decision"
        assert before in sources, f"{action} accepted from {before}"
        assert result.status is target
        self.status[order] = target
        self.audited[tenant] += 1

    @invariant()
    def stored_matches_the_model(self) -> None:
        if self.app is None:
            return

        async def read() -> None:
            for name, tenant in self.tenants.items():
                by = self.members[name]["staff"]
                page = await self.app.handle(
                    queries.ListOrders(tenant, by, pagination.PageRequest(limit=100))
                )
                listed = {o.id: o.status for o in page.items}
                mine = {o: s for o, s in self.status.items() if self.owner[o] == name}
                assert listed == mine
                entries = await support.audit_entries(self.app, tenant)
                assert len(entries) == self.audited[name]

        self.run(read())


OrdersAppMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None
)
TestOrdersAppMachine = OrdersAppMachine.TestCase
