"""Who may do what to an order: the AI drafts and submits, humans of the tenant decide."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.iam import model as iam_model
from b2core.orders import policy
from b2core.shared import errors, ids
from tests.core.orders import strategies as s

ALL = list(policy.OrderAction)
HUMAN_ONLY = [policy.OrderAction.APPROVE, policy.OrderAction.REJECT, policy.OrderAction.COMPLETE]


@pytest.mark.parametrize("actor", [s.ADMIN, s.STAFF])
@pytest.mark.parametrize("action", ALL)
def test_tenant_admin_and_staff_may_do_everything(
    actor: policy.Actor, action: policy.OrderAction
) -> None:
    assert policy.is_allowed(actor, action)
    policy.check(actor, action)


@pytest.mark.parametrize("action", HUMAN_ONLY)
def test_the_ai_never_approves_rejects_or_completes(action: policy.OrderAction) -> None:
    with pytest.raises(errors.Forbidden) as raised:
        policy.check(s.AI, action)
    assert raised.value.code == "order.ai_not_allowed"


@pytest.mark.parametrize("action", HUMAN_ONLY)
def test_the_system_cannot_take_human_decisions(action: policy.OrderAction) -> None:
    assert policy.denial(s.SYSTEM, action) == "order.human_required"


@pytest.mark.parametrize(
    "action", [policy.OrderAction.DRAFT, policy.OrderAction.SUBMIT, policy.OrderAction.CANCEL]
)
def test_the_ai_and_the_system_may_draft_submit_and_cancel(action: policy.OrderAction) -> None:
    assert policy.is_allowed(s.AI, action)
    assert policy.is_allowed(s.SYSTEM, action)


@pytest.mark.parametrize("role", ["SUPER_ADMIN", "VIEWER", "tenant_admin"])
def test_users_without_a_tenant_role_are_refused(role: str) -> None:
    actor = policy.Actor.user(ids.UserId("u"), role)
    with pytest.raises(errors.Forbidden) as raised:
        policy.check(actor, policy.OrderAction.APPROVE)
    assert raised.value.code == "order.role_not_allowed"


@pytest.mark.parametrize(
    ("kind", "user_id", "role"),
    [
        (policy.ActorKind.USER, None, "STAFF"),
        (policy.ActorKind.USER, ids.UserId("u"), None),
        (policy.ActorKind.USER, ids.UserId("u"), "  "),
        (policy.ActorKind.AI, ids.UserId("u"), None),
        (policy.ActorKind.SYSTEM, None, "STAFF"),
        ("ai", None, None),
    ],
)
def test_malformed_actors_are_refused(
    kind: policy.ActorKind, user_id: ids.UserId | None, role: str | None
) -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        policy.Actor(kind, user_id, role)
    assert raised.value.code == "order.bad_actor"


def test_role_strings_match_the_iam_role_values() -> None:
    # The edge maps iam roles onto orders by value; the core may not import iam, a test may.
    assert iam_model.Role.TENANT_ADMIN.value == policy.TENANT_ADMIN
    assert iam_model.Role.STAFF.value == policy.STAFF
    assert iam_model.Role.SUPER_ADMIN.value not in policy.TENANT_ROLES


@given(actor=s.actors, action=st.sampled_from(ALL))
def test_only_humans_with_a_tenant_role_take_commercial_decisions(
    actor: policy.Actor, action: policy.OrderAction
) -> None:
    allowed = policy.is_allowed(actor, action)
    if action in policy.HUMAN_ONLY:
        assert allowed == (actor.is_human and actor.role in policy.TENANT_ROLES)
    if not actor.is_human:
        assert allowed == (action not in policy.HUMAN_ONLY)
