"""The offline responder: the embedded default LlmClient, answering from the tenant's catalog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import attrs

from b2adapters.llm import offline_text
from b2core.ai import llm
from b2core.orders import catalog
from b2core.shared import errors, ids

CatalogReader = Callable[[ids.TenantId], Awaitable[Sequence[catalog.Service]]]

CONFIDENT = 95  # a rule that cannot be misread: exact name, greeting, thanks, handoff
ASKING = 88  # a question back to the customer: safe to send
UNSURE = 40  # below any sensible threshold, so the pipeline hands over
PARTIAL_FLOOR, PARTIAL_SPAN = 86, 4  # a service named in part: 86 to 90 by word overlap
MAX_LISTED = 10

_HANDOFF = "I will pass your message to a member of our team. They will reply here shortly."
_UNSURE = (
    "I'm not sure I can help with that, so I have passed your message to our team. "
    "They will reply here shortly."
)
_THANKS = "You're welcome! Is there anything else I can help you with?"


class OfflineResponder:
    """Answers from the catalog with fixed rules; no model, no network, same input same output.

    Rules, first match wins (see docs/llm.md): a request for a person, a complaint or a
    question about an existing order ESCALATEs; an order or booking verb makes an ORDER of the
    named ACTIVE service (quantity in digits, ``2x`` or one..ten; 1 if not said), or
    COLLECT_INFO when the service or quantity is unclear; a named service is described;
    a question about the services lists them; greetings and thanks get a greeting or a
    courtesy; anything else ESCALATEs with confidence 40. Tokens are counted as words.

    Args:
        catalog: reads a tenant's services (the responder knows nothing of storage).
        quote_prices: state catalog prices in replies. Prices always come from the catalog,
            but a pipeline whose guardrails refuse every price in a reply may turn this off.
    """

    def __init__(self, catalog: CatalogReader, *, quote_prices: bool = True) -> None:
        self._catalog = catalog
        self._quote_prices = quote_prices

    async def complete(self, request: llm.CompletionRequest) -> llm.Completion:
        """Answer ``request`` from its tenant's catalog (see the class docstring)."""
        try:
            services = tuple(await self._catalog(request.tenant_id))
        except Exception as exc:
            raise errors.Unavailable(
                "the service catalog could not be read", code="llm.unavailable"
            ) from exc
        reply = self.reply_to(request.customer_text, services)
        texts = (
            request.system_prompt,
            *(m.content for m in request.history),
            request.customer_text,
        )
        return llm.Completion(
            reply=reply,
            model=request.model,
            input_tokens=sum(len(text.split()) for text in texts),
            output_tokens=len(reply.text.split()),
            latency_ms=0,  # nothing is waited for; a measured time would break determinism
        )

    def reply_to(self, text: str, services: Sequence[catalog.Service]) -> llm.StructuredReply:
        """The reply to ``text`` given the catalog ``services``: a pure function of both."""
        reading = offline_text.read(text)
        active = tuple(service for service in services if service.active)
        reply = self._decide(reading, active)
        return attrs.evolve(reply, contact=reading.contact)

    def _decide(
        self, reading: offline_text.Reading, services: tuple[catalog.Service, ...]
    ) -> llm.StructuredReply:
        if reading.wants_human:
            return _reply(_HANDOFF, CONFIDENT, llm.Intent.ESCALATE)
        if reading.wants_order and services:
            return self._order(reading, services)
        found = _find(services, reading.words)
        if found is not None:
            return self._describe(*found)
        if reading.asks_list and services:
            return _reply(f"We offer: {self._names(services)}.", CONFIDENT, llm.Intent.ANSWER)
        if reading.only(offline_text.GREETING_WORDS):
            return _greeting(reading, services)
        if reading.only(offline_text.THANKS_WORDS):
            return _reply(_THANKS, CONFIDENT, llm.Intent.ANSWER)
        return _reply(_UNSURE, UNSURE, llm.Intent.ESCALATE)

    def _order(
        self, reading: offline_text.Reading, services: tuple[catalog.Service, ...]
    ) -> llm.StructuredReply:
        found = _find(services, reading.words)
        if found is None:
            text = f"Which service would you like? We offer: {self._names(services)}."
            return _reply(text, ASKING, llm.Intent.COLLECT_INFO)
        service, confidence = found
        if reading.quantity == 0:
            text = f"How many of {service.name} would you like?"
            return _reply(text, ASKING, llm.Intent.COLLECT_INFO, service=service.name)
        quantity = reading.quantity or 1
        text = (
            f"Thank you! I have noted your request for {quantity} x {service.name}"
            f"{self._each(service)}. A member of our team will get back to you to finalise it."
        )
        return _reply(text, confidence, llm.Intent.ORDER, service=service.name, quantity=quantity)

    def _describe(self, service: catalog.Service, confidence: int) -> llm.StructuredReply:
        about = service.description or "one of our services."
        if about[-1] not in ".!?":
            about += "."
        price = f" Price: {llm.format_money(service.price)}." if self._quote_prices else ""
        text = f"{service.name}: {about}{price} Would you like to book it?"
        return _reply(text, confidence, llm.Intent.ANSWER, service=service.name)

    def _names(self, services: Sequence[catalog.Service]) -> str:
        shown = [f"{s.name}{self._in_brackets(s)}" for s in services[:MAX_LISTED]]
        more = len(services) - MAX_LISTED
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")

    def _in_brackets(self, service: catalog.Service) -> str:
        return f" ({llm.format_money(service.price)})" if self._quote_prices else ""

    def _each(self, service: catalog.Service) -> str:
        return f" ({llm.format_money(service.price)} each)" if self._quote_prices else ""


def _reply(
    text: str,
    confidence: int,
    intent: llm.Intent,
    *,
    service: str | None = None,
    quantity: int | None = None,
) -> llm.StructuredReply:
    return llm.StructuredReply(
        text=text, confidence=confidence, intent=intent, service_name=service, quantity=quantity
    )


def _find(
    services: Sequence[catalog.Service], words: tuple[str, ...]
) -> tuple[catalog.Service, int] | None:
    """The one service the words name and how surely it was named.

    The whole message is tried first, then without plurals, then without filler (so that
    "tell me about the facial" finds "Deluxe facial", as the catalog's matcher finds a
    service from a run of its words only when the request is nothing more).
    """
    singular = offline_text.singular(words)
    variants = (words, singular, offline_text.remainder(words), offline_text.remainder(singular))
    for variant in variants:
        service = catalog.match_service(services, " ".join(variant))
        if service is not None:
            return service, _confidence(service.key, offline_text.remainder(variant))
    return None


def _confidence(key: tuple[str, ...], rest: tuple[str, ...]) -> int:
    if rest == key:
        return CONFIDENT
    overlap = len(set(key) & set(rest)) / len(set(key) | set(rest))
    return PARTIAL_FLOOR + round(PARTIAL_SPAN * overlap)


def _greeting(
    reading: offline_text.Reading, services: Sequence[catalog.Service]
) -> llm.StructuredReply:
    hello = "Wa alaikum assalam!" if reading.salam else "Hello!"
    offer = ""
    if services:
        names = ", ".join(s.name for s in services[:MAX_LISTED])
        offer = f" We offer: {names}{' and more' if len(services) > MAX_LISTED else ''}."
    text = f"{hello} How can I help you today?{offer}"
    return _reply(text, CONFIDENT, llm.Intent.ANSWER)


if TYPE_CHECKING:
    _: type[llm.LlmClient] = OfflineResponder
