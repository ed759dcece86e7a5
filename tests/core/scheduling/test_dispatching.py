"""The dispatcher's verdict on one claimed message, and its precedence."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.scheduling import dispatching, model, quiet_hours
from b2core.shared import ids
from b2core.tenants import model as tenant_model
from tests.core.scheduling.support import PHONE, T0

Action = dispatching.Action
Status = tenant_model.TenantStatus
WA = model.WhatsAppPayload("reminder", "pt_BR", ("Ana",))
NIGHT = quiet_hours.QuietHours("22:00", "08:00")
NOW = T0 + timedelta(minutes=5)  # 12:05 UTC: 09:05 in Sao Paulo


def a_message(whatsapp: model.WhatsAppPayload | None = None) -> model.ScheduledMessage:
    return model.ScheduledMessage.create(
        ids.ScheduledMessageId("m-1"),
        ids.TenantId("tenant-1"),
        PHONE,
        model.MessageContent("Hello Ana", whatsapp=whatsapp),
        T0,
        timezone="UTC",
        by=ids.UserId("u-1"),
        at=T0,
    )


def state(status: Status = Status.ACTIVE, whatsapp: bool = True) -> dispatching.TenantState:
    return dispatching.TenantState(status, whatsapp, "America/Sao_Paulo")


def test_inside_the_window_the_text_is_sent_with_the_idempotency_key() -> None:
    decision = dispatching.decide(a_message(WA), state(), None, NOW - timedelta(hours=23), NOW)
    assert decision.action is Action.SEND
    assert decision.outbound == dispatching.OutboundMessage(
        ids.TenantId("tenant-1"),
        ids.ScheduledMessageId("m-1"),
        PHONE,
        "scheduled-message:m-1",
        text="Hello Ana",
    )


def test_outside_the_window_the_whatsapp_template_is_sent() -> None:
    decision = dispatching.decide(a_message(WA), state(), None, NOW - timedelta(hours=24), NOW)
    assert decision.outbound is not None
    assert (decision.outbound.text, decision.outbound.whatsapp) == (None, WA)


def test_outside_the_window_without_a_template_the_message_fails() -> None:
    decision = dispatching.decide(a_message(), state(), None, None, NOW)
    assert (decision.action, decision.code) == (Action.FAIL, "schedule.window_closed_no_template")
    assert decision.error.startswith("schedule.window_closed_no_template: ")


def test_quiet_hours_defer_to_their_end_on_the_tenants_clock() -> None:
    late = datetime(2026, 3, 3, 2, 0, tzinfo=NOW.tzinfo)  # 23:00 in Sao Paulo
    decision = dispatching.decide(a_message(), state(), NIGHT, late, late)
    assert decision.action is Action.DEFER
    assert decision.until == datetime(2026, 3, 3, 11, 0, tzinfo=NOW.tzinfo)  # 08:00 local


@pytest.mark.parametrize(
    ("tenant", "action", "code"),
    [
        (None, Action.FAIL, "schedule.tenant_inactive"),
        (state(Status.ARCHIVED), Action.FAIL, "schedule.tenant_inactive"),
        (state(Status.SUSPENDED), Action.RETRY, "schedule.tenant_suspended"),
        (state(whatsapp=False), Action.RETRY, "schedule.whatsapp_disabled"),
    ],
)
def test_tenant_status_and_kill_switches_stop_the_send(
    tenant: dispatching.TenantState | None, action: Action, code: str
) -> None:
    decision = dispatching.decide(a_message(WA), tenant, NIGHT, NOW, NOW)
    assert (decision.action, decision.code, decision.outbound) == (action, code, None)


@given(
    status=st.sampled_from(Status),
    whatsapp=st.booleans(),
    quiet=st.booleans(),
    window=st.booleans(),
    template=st.booleans(),
)
def test_precedence_tenant_then_switches_then_quiet_hours_then_window(
    status: Status, whatsapp: bool, quiet: bool, window: bool, template: bool
) -> None:
    hours = quiet_hours.QuietHours("09:00", "10:00") if quiet else None  # NOW is 09:05 local
    last = NOW - timedelta(hours=1) if window else None
    decision = dispatching.decide(
        a_message(WA if template else None), state(status, whatsapp), hours, last, NOW
    )
    if status is not Status.ACTIVE:
        expected = Action.FAIL if status is Status.ARCHIVED else Action.RETRY
    elif not whatsapp:
        expected = Action.RETRY
    elif quiet:
        expected = Action.DEFER
    elif window or template:
        expected = Action.SEND
    else:
        expected = Action.FAIL
    assert decision.action is expected
    assert (decision.outbound is not None) == (expected is Action.SEND)
