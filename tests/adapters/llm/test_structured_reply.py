"""parse_structured_reply and the port's value objects (b2core.ai.llm)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.ai import history, llm, policy
from b2core.shared import errors, ids

REPLY = {"text": "Hello!", "confidence": 90, "intent": "ANSWER"}


def _parse(**fields: object) -> llm.StructuredReply:
    return llm.parse_structured_reply(json.dumps({**REPLY, **fields}))


def test_a_full_answer_is_read() -> None:
    raw = json.dumps(
        {
            "text": " I noted 2 x Haircut. ",
            "confidence": 93,
            "intent": "ORDER",
            "service_name": " Haircut ",
            "quantity": 2,
            "contact": {"name": "Ali", "phone": "+92 300 1234567", "email": "a@b.pk", "x": "y"},
        }
    )
    assert llm.parse_structured_reply(raw) == llm.StructuredReply(
        text="I noted 2 x Haircut.",
        confidence=93,
        intent=llm.Intent.ORDER,
        service_name="Haircut",
        quantity=2,
        contact={"name": "Ali", "phone": "+92 300 1234567", "email": "a@b.pk"},
    )


@pytest.mark.parametrize(
    "raw",
    [
        '```json\n{"text": "Hello!", "confidence": 90, "intent": "ANSWER"}\n```',
        'Here you go: {"text": "Hello!", "confidence": 90, "intent": "ANSWER"} Thanks.',
        '{not json} then {"text": "Hello!", "confidence": 90, "intent": "ANSWER"}',
        '{"text": "Hello!", "confidence": 90, "intent": "answer"}',
    ],
)
def test_fences_prose_and_case_do_not_matter(raw: str) -> None:
    assert llm.parse_structured_reply(raw) == llm.StructuredReply("Hello!", 90, llm.Intent.ANSWER)


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [
        (150, 100),
        (-5, 0),
        (87.6, 88),
        ("90%", 90),
        (" 75 ", 75),
        ("high", 0),
        (None, 0),
        (True, 0),
        ([90], 0),
        (1e309, 0),
    ],
)
def test_confidence_is_rounded_and_clamped(given_value: object, expected: int) -> None:
    assert _parse(confidence=given_value).confidence == expected


def test_nan_confidence_is_zero() -> None:
    raw = '{"text": "Hello!", "confidence": NaN, "intent": "ANSWER"}'
    assert llm.parse_structured_reply(raw).confidence == 0


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "no json here",
        "[1, 2, 3]",
        '{"confidence": 99, "intent": "ANSWER"}',
        '{"text": "", "confidence": 99, "intent": "ANSWER"}',
        '{"text": 42, "confidence": 99, "intent": "ANSWER"}',
        '{"text": "Sure", "confidence": 99, "intent": "SELL_MORE"}',
        '{"text": "Sure", "confidence": 99}',
        '{"text": "cut off',
    ],
)
def test_unreadable_answers_escalate_with_zero_confidence(raw: str) -> None:
    assert llm.parse_structured_reply(raw) == llm.UNREADABLE_REPLY


def test_an_order_without_a_service_asks_instead() -> None:
    assert _parse(intent="ORDER", service_name="  ").intent is llm.Intent.COLLECT_INFO


@pytest.mark.parametrize("quantity", [0, -1, 2.5, "many", llm.MAX_QUANTITY + 1, True])
def test_an_unusable_quantity_is_dropped(quantity: object) -> None:
    assert _parse(quantity=quantity).quantity is None


def test_integral_quantities_in_other_forms_are_kept() -> None:
    assert _parse(quantity=3.0).quantity == 3
    assert _parse(quantity="4").quantity == 4


def test_contact_keeps_only_known_non_blank_strings() -> None:
    reply = _parse(contact={"name": "  ", "phone": 3001234567, "email": "x@y.z", "notes": "hi"})
    assert dict(reply.contact) == {"email": "x@y.z"}
    assert _parse(contact="Ali").contact == {}


@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(raw: str) -> None:
    reply = llm.parse_structured_reply(raw)
    assert 0 <= reply.confidence <= 100
    assert isinstance(reply.intent, llm.Intent)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@given(
    st.dictionaries(
        st.sampled_from(["text", "confidence", "intent", "service_name", "quantity", "contact"]),
        _JSON_VALUES,
    ),
    st.text(max_size=30),
    st.text(max_size=30),
)
def test_any_json_object_in_any_prose_never_raises(
    data: dict[str, object], before: str, after: str
) -> None:
    reply = llm.parse_structured_reply(before + json.dumps(data) + after)
    assert 0 <= reply.confidence <= 100
    assert reply.quantity is None or 1 <= reply.quantity <= llm.MAX_QUANTITY
    assert set(reply.contact) <= set(llm.CONTACT_FIELDS)


@given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
def test_numeric_confidence_is_clamped_to_0_100(value: float) -> None:
    assert _parse(confidence=value).confidence == min(100, max(0, round(value)))


_REPLIES = st.builds(
    llm.StructuredReply,
    text=st.text(min_size=1, max_size=50).map(str.strip).filter(bool),
    confidence=st.integers(0, 100),
    intent=st.sampled_from(llm.Intent),
    service_name=st.none() | st.text(min_size=1, max_size=40).map(str.strip).filter(bool),
    quantity=st.none() | st.integers(1, llm.MAX_QUANTITY),
    contact=st.dictionaries(
        st.sampled_from(llm.CONTACT_FIELDS), st.text(min_size=1, max_size=30).map(str.strip)
    ).map(lambda found: {key: value for key, value in found.items() if value}),
).filter(lambda reply: reply.intent is not llm.Intent.ORDER or reply.service_name is not None)


@given(_REPLIES)
def test_every_reply_survives_the_json_contract(reply: llm.StructuredReply) -> None:
    raw = json.dumps(
        {
            "text": reply.text,
            "confidence": reply.confidence,
            "intent": reply.intent.value,
            "service_name": reply.service_name,
            "quantity": reply.quantity,
            "contact": dict(reply.contact),
        }
    )
    assert llm.parse_structured_reply(raw) == reply


def test_value_objects_refuse_impossible_values() -> None:
    with pytest.raises(errors.InvalidInput):
        llm.StructuredReply("x", 101, llm.Intent.ANSWER)
    with pytest.raises(errors.InvalidInput):
        llm.StructuredReply("x", 50, llm.Intent.ORDER, service_name="A", quantity=0)
    with pytest.raises(errors.InvalidInput):
        llm.ChatMessage("tool", "x")  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidInput):
        llm.CompletionRequest(ids.TenantId("t"), " ", "p", (), "hi")
    with pytest.raises(errors.InvalidInput):
        llm.Completion(llm.UNREADABLE_REPLY, "m", -1, 0, 0)


def test_history_turns_become_chat_messages() -> None:
    turns = (
        history.Turn(history.Speaker.CUSTOMER, "hi"),
        history.Turn(history.Speaker.ASSISTANT, "Hello!"),
        history.Turn(history.Speaker.AGENT, "I am Sara from the team."),
    )
    assert llm.messages_from_turns(turns) == (
        llm.ChatMessage("user", "hi"),
        llm.ChatMessage("assistant", "Hello!"),
        llm.ChatMessage("assistant", "I am Sara from the team."),
    )


@pytest.mark.parametrize("threshold", [1, 50, 85, 100])
def test_the_unreadable_reply_never_passes_a_threshold(threshold: int) -> None:
    assert not policy.meets_confidence(llm.UNREADABLE_REPLY.confidence, threshold)
    assert llm.UNREADABLE_REPLY.intent is llm.Intent.ESCALATE
