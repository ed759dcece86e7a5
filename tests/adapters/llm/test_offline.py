"""The offline responder: catalog answers by fixed rules, deterministic, no model."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2adapters.llm.offline import OfflineResponder
from b2core.ai import guardrails, llm, policy
from b2core.ai import settings as ai_settings
from b2core.orders import catalog
from b2core.shared import errors, ids
from tests.adapters.llm import catalog_data

RESPONDER = OfflineResponder(catalog_data.read_catalog)
NO_PRICES = OfflineResponder(catalog_data.read_catalog, quote_prices=False)
THRESHOLD = ai_settings.DEFAULT_CONFIDENCE_THRESHOLD


def reply(text: str, responder: OfflineResponder = RESPONDER) -> llm.StructuredReply:
    return responder.reply_to(text, catalog_data.SERVICES)


def request(text: str, **extra: object) -> llm.CompletionRequest:
    fields: dict[str, object] = {
        "tenant_id": catalog_data.TENANT,
        "model": "catalog-responder",
        "system_prompt": "You are the assistant.",
        "history": (),
        "customer_text": text,
    }
    fields.update(extra)
    return llm.CompletionRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "opening"),
    [
        ("hi", "Hello!"),
        ("Hello!!", "Hello!"),
        ("hey there, good morning", "Hello!"),
        ("salam", "Wa alaikum assalam!"),
        ("Assalam o Alaikum", "Wa alaikum assalam!"),
        ("AOA", "Wa alaikum assalam!"),
        ("السلام عليكم", "Wa alaikum assalam!"),
    ],
)
def test_greetings_are_answered_confidently(text: str, opening: str) -> None:
    answer = reply(text)
    assert answer.intent is llm.Intent.ANSWER
    assert answer.text.startswith(opening)
    assert "Haircut" in answer.text
    assert "Hair colour" not in answer.text  # inactive
    assert answer.confidence >= THRESHOLD


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to a human",
        "can I speak to someone please",
        "AGENT",
        "get me a representative",
        "I have a complaint about yesterday",
        "where is my order??",
        "I want a refund for my haircut",
    ],
)
def test_handoff_requests_escalate(text: str) -> None:
    answer = reply(text)
    assert answer.intent is llm.Intent.ESCALATE
    assert answer.service_name is None


@pytest.mark.parametrize(
    ("text", "service", "quantity"),
    [
        ("I want to order 2 x haircut", "Haircut", 2),
        ("I want to order 2 \u00d7 Haircut", "Haircut", 2),
        ("book three haircuts please", "Haircut", 3),
        ("buy ten beard trims", "Beard trim", 10),
        ("order 4x deluxe facial", "Deluxe facial", 4),
        ("Order haircut x2", "Haircut", 2),
        ("I'd like to book a haircut", "Haircut", 1),
        ("purchase 12 Beard Trim", "Beard trim", 12),
        ("hi! can I book one facial?", "Deluxe facial", 1),
    ],
)
def test_orders_name_the_service_and_the_quantity(text: str, service: str, quantity: int) -> None:
    answer = reply(text)
    assert answer.intent is llm.Intent.ORDER
    assert (answer.service_name, answer.quantity) == (service, quantity)
    assert answer.confidence >= THRESHOLD


def test_an_order_states_the_catalog_price() -> None:
    assert "PKR 500.00 each" in reply("order 2 haircuts").text


@pytest.mark.parametrize(
    "text", ["I want to order something", "can I book an appointment", "order 2 hair colour"]
)
def test_an_unclear_or_inactive_service_makes_the_responder_ask(text: str) -> None:
    answer = reply(text)
    assert answer.intent is llm.Intent.COLLECT_INFO
    assert answer.service_name is None
    for name in catalog_data.ACTIVE_NAMES:
        assert name in answer.text
    assert "Hair colour" not in answer.text


@pytest.mark.parametrize("text", ["order 0 haircuts", "book 5000 haircuts"])
def test_an_unusable_quantity_is_asked_for(text: str) -> None:
    answer = reply(text)
    assert answer.intent is llm.Intent.COLLECT_INFO
    assert (answer.service_name, answer.quantity) == ("Haircut", None)


def test_a_question_about_a_service_describes_it_with_its_catalog_price() -> None:
    answer = reply("What is the price of a haircut?")
    assert answer.intent is llm.Intent.ANSWER
    assert answer.service_name == "Haircut"
    assert "A classic cut and style." in answer.text
    assert "PKR 500.00" in answer.text
    assert answer.confidence == 95


@pytest.mark.parametrize("text", ["beard?", "tell me about the facial", "haircut and style info"])
def test_a_partly_named_service_gets_a_partial_confidence(text: str) -> None:
    answer = reply(text)
    assert answer.service_name in catalog_data.ACTIVE_NAMES
    assert 86 <= answer.confidence <= 90


def test_a_question_about_the_services_lists_them() -> None:
    answer = reply("what services do you offer?")
    assert answer.intent is llm.Intent.ANSWER
    assert "Haircut (PKR 500.00)" in answer.text
    assert "Hair colour" not in answer.text


@pytest.mark.parametrize(
    "text", ["can you fix my car", "what is the weather in Lahore", "", "🙂", "hair colour price"]
)
def test_nothing_matched_is_handed_over(text: str) -> None:
    answer = reply(text)
    assert answer.intent is llm.Intent.ESCALATE
    assert answer.confidence == 40
    assert not policy.meets_confidence(answer.confidence, THRESHOLD)


def test_thanks_gets_a_courtesy() -> None:
    answer = reply("thank you so much!")
    assert (answer.intent, answer.confidence) == (llm.Intent.ANSWER, 95)


def test_contact_details_are_extracted() -> None:
    answer = reply("My name is Ali Khan, ali@example.pk, 0300-1234567. Book a haircut")
    assert answer.intent is llm.Intent.ORDER
    assert dict(answer.contact) == {
        "name": "Ali Khan",
        "email": "ali@example.pk",
        "phone": "0300-1234567",
    }


def test_without_price_quotes_no_price_appears() -> None:
    for text in ("order 2 haircuts", "price of haircut?", "what services do you offer"):
        assert "PKR" not in reply(text, NO_PRICES).text


async def test_complete_counts_words_as_tokens_and_echoes_the_model() -> None:
    completion = await RESPONDER.complete(
        request("how much is a haircut", history=(llm.ChatMessage("user", "hello there"),))
    )
    assert completion.model == "catalog-responder"
    assert completion.input_tokens == 4 + 2 + 5
    assert completion.output_tokens == len(completion.reply.text.split())
    assert completion.reply.service_name == "Haircut"


async def test_another_tenant_sees_none_of_this_catalog() -> None:
    completion = await RESPONDER.complete(
        request("order 2 haircuts", tenant_id=ids.TenantId("someone-else"))
    )
    assert completion.reply.service_name is None
    assert "Haircut" not in completion.reply.text


async def test_an_unreadable_catalog_makes_the_responder_unavailable() -> None:
    async def broken(_: ids.TenantId) -> Sequence[catalog.Service]:
        raise OSError("database is down")

    with pytest.raises(errors.Unavailable) as raised:
        await OfflineResponder(broken).complete(request("hi"))
    assert raised.value.code == "llm.unavailable"
    assert isinstance(raised.value.__cause__, OSError)


# --- properties --------------------------------------------------------------------------

_VOCABULARY = (
    "hi hello salam order book buy want to talk a human agent price of the what services"
    " haircut haircuts beard trim deluxe facial hair colour one two three ten 2 3x x4"
    " 0 5000 please my name is Ali thanks complaint ? ! ,"
)
_WORDS = [*_VOCABULARY.split(), "\u00d7"]  # and the multiplication sign ("2 \u00d7 haircut")
_TEXTS = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join),
)


@given(_TEXTS)
async def test_same_input_same_output(text: str) -> None:
    first = await RESPONDER.complete(request(text))
    second = await RESPONDER.complete(request(text))
    assert first == second


@given(_TEXTS)
def test_replies_keep_to_the_contract_and_the_active_catalog(text: str) -> None:
    answer = reply(text)
    assert 0 <= answer.confidence <= 100
    assert answer.text.strip()
    if answer.intent is llm.Intent.ORDER:
        assert answer.service_name in catalog_data.ACTIVE_NAMES
        assert answer.quantity is not None
        assert 1 <= answer.quantity <= llm.MAX_QUANTITY
    assert answer.service_name is None or answer.service_name in catalog_data.ACTIVE_NAMES
    assert "PKR 3,000.00" not in answer.text  # the inactive service's price


@given(_TEXTS)
def test_without_price_quotes_no_reply_trips_the_default_guardrails(text: str) -> None:
    assert not guardrails.check_reply(reply(text, NO_PRICES).text).blocked
