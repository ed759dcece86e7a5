"""Composition of tracing and business metrics: the tracer, and wrappers around handlers.

Part of the composition root (``b2app.bootstrap`` calls :func:`register` after the handlers are
registered). Nothing in b2core calls a tracer: the bus resolves each handler through
:class:`TracedHandler`, and the LLM client, task queue and webhook deduper are wrapped, so spans
and metrics surround the inbound pipeline, LLM calls, sends and webhook deliveries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs

from b2adapters.tracing import console as console_tracing
from b2adapters.whatsapp import dedupe
from b2app import logging as app_logging
from b2app import observability, registry
from b2core.ai import llm
from b2core.conversations import commands as conversation_commands
from b2core.conversations import delivery, messages
from b2core.conversations import ports as conversation_ports
from b2core.conversations.handlers import sending
from b2core.messagebus import MessageBus
from b2core.pipeline import commands as pipeline_commands
from b2core.pipeline.results import Result
from b2core.platform import tracing
from b2core.shared import ids, tasks

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring

# Channel kinds never change for a channel id: remember a bounded number of them per process.
MAX_REMEMBERED_KINDS = 10_000


def make_tracer(kind: str) -> tracing.Tracer:
    """The tracer ``B2_TRACING`` names: ``none``, ``console`` or ``otel``."""
    if kind == "console":
        return console_tracing.ConsoleTracer()
    if kind == "otel":
        from b2adapters.tracing import otel

        return otel.OpenTelemetryTracer()
    return tracing.NoopTracer()


def trace_id_source(kind: str) -> Callable[[], str | None] | None:
    """What the log processor calls to find the active trace id (None: tracing is off)."""
    if kind == "console":
        return console_tracing.active_trace_id
    if kind == "otel":
        from b2adapters.tracing import otel

        return otel.active_trace_id
    return None


def _tenant_of(message: object) -> object:
    found = getattr(message, "tenant_id", None)
    if found is None:
        found = getattr(getattr(message, "inbound", None), "tenant_id", None)
    return found


@attrs.frozen
class SendObserver:
    """Counts sends by channel kind and outcome; finds a channel's kind once, then remembers."""

    kinds: Callable[[], conversation_ports.ChannelKinds]
    remembered: dict[tuple[str, str], str | None] = attrs.field(factory=dict)

    async def kind_of(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> str | None:
        key = (str(tenant_id), str(channel_id))
        if key not in self.remembered:
            if len(self.remembered) >= MAX_REMEMBERED_KINDS:
                self.remembered.clear()
            self.remembered[key] = await self.kinds().kind_of(tenant_id, channel_id)
        return self.remembered[key]

    async def sent(self, message: messages.Message) -> None:
        outcome = {
            delivery.DeliveryState.SENT: "sent",
            delivery.DeliveryState.FAILED: "failed",
        }.get(message.delivery_state or delivery.DeliveryState.QUEUED, "skipped")
        observability.record_send(
            await self.kind_of(message.tenant_id, message.channel_id), outcome
        )

    async def raised(self, cmd: conversation_commands.SendOutboundMessage, error: object) -> None:
        outcome = "deferred" if isinstance(error, sending.SendDeferred) else "error"
        # The message's channel is unknown here without a read; count it under "unknown".
        observability.record_send(None, outcome)
        del cmd


@attrs.frozen
class TracedHandler:
    """A handler run inside a span, with the business metrics of what it returned."""

    inner: Any
    span_name: str
    command_name: str
    tracer: tracing.Tracer
    sends: SendObserver | None = None

    async def __call__(self, message: Any, /) -> Any:
        attributes = {"b2.command": self.command_name, "b2.tenant_id": _tenant_of(message)}
        started = time.perf_counter()
        with self.tracer.span(self.span_name, tracing.clean_attributes(attributes)) as span:
            try:
                result = await self.inner(message)
            except BaseException as error:
                await self._failed(message, error, time.perf_counter() - started)
                raise
            await self._done(span, result, time.perf_counter() - started)
            return result

    async def _done(self, span: tracing.Span, result: Any, seconds: float) -> None:
        if isinstance(result, Result):
            span.set_attribute("b2.outcome", result.outcome.value)
            if result.reason is not None:
                span.set_attribute("b2.block_reason", result.reason.value)
            observability.record_pipeline(result.outcome.value, seconds, result)
        elif isinstance(result, messages.Message) and self.sends is not None:
            span.set_attribute("b2.delivery_state", str(result.delivery_state))
            await self.sends.sent(result)

    async def _failed(self, message: Any, error: BaseException, seconds: float) -> None:
        if isinstance(message, pipeline_commands.HandleInboundMessage):
            observability.record_pipeline("ERROR", seconds)
        elif isinstance(message, conversation_commands.SendOutboundMessage) and self.sends:
            await self.sends.raised(message, error)


# Span names of the commands on the hot path; every other command gets "command.<Name>".
SPAN_NAMES: Mapping[type[Any], str] = {
    pipeline_commands.HandleInboundMessage: "pipeline.inbound",
    conversation_commands.SendOutboundMessage: tracing.SPAN_SEND,
}


def traced_resolve(
    resolve: Callable[[type[Any]], Any],
    tracer: tracing.Tracer,
    sends: SendObserver,
    commands: Mapping[type[Any], type[Any]],
) -> Callable[[type[Any]], Any]:
    """A ``resolve`` for the bus that wraps every command handler in :class:`TracedHandler`."""
    command_of = {handler: command for command, handler in commands.items()}

    def resolve_traced(handler_type: type[Any]) -> Any:
        handler = resolve(handler_type)
        command = command_of.get(handler_type)
        if command is None:
            return handler
        name = SPAN_NAMES.get(command, f"{tracing.SPAN_COMMAND}.{command.__name__}")
        return TracedHandler(handler, name, command.__name__, tracer, sends)

    return resolve_traced


@attrs.frozen
class TracedLlmClient:
    """The LlmClient port with a span and the LLM metrics around each call."""

    inner: llm.LlmClient
    tracer: tracing.Tracer

    async def complete(self, request: llm.CompletionRequest) -> llm.Completion:
        """Ask the wrapped client; the span carries the model and the tokens spent."""
        attributes = {"b2.tenant_id": str(request.tenant_id), "llm.model": request.model}
        started = time.perf_counter()
        with self.tracer.span(tracing.SPAN_LLM, attributes) as span:
            try:
                completion = await self.inner.complete(request)
            except BaseException:
                observability.record_llm("error", time.perf_counter() - started)
                raise
            observability.record_llm("ok", time.perf_counter() - started)
            span.set_attribute("llm.input_tokens", completion.input_tokens)
            span.set_attribute("llm.output_tokens", completion.output_tokens)
            span.set_attribute("llm.confidence", completion.reply.confidence)
            return completion


@attrs.frozen
class TracedTaskQueue:
    """The TaskQueue port with a span around each enqueue (webhooks hand work over here)."""

    inner: tasks.TaskQueue
    tracer: tracing.Tracer

    async def enqueue(self, job: tasks.Job, *, delay: timedelta | None = None) -> None:
        """Queue ``job`` through the wrapped queue."""
        attributes = {"b2.actor": job.actor_name, "b2.queue": job.queue_name}
        with self.tracer.span(tracing.SPAN_ENQUEUE, attributes):
            await self.inner.enqueue(job, delay=delay)


@attrs.frozen
class TracedWebhookDeduper:
    """The webhook deduper with a span per delivery check (the first step of every webhook)."""

    inner: dedupe.WebhookDeduper
    tracer: tracing.Tracer

    async def first_seen(self, tenant_id: str, event_key: str) -> bool:
        """Whether this delivery is new; the span says which."""
        with self.tracer.span(tracing.SPAN_WEBHOOK, {"b2.tenant_id": tenant_id}) as span:
            fresh = await self.inner.first_seen(tenant_id, event_key)
            span.set_attribute("b2.duplicate", not fresh)
            return fresh

    async def forget(self, tenant_id: str, event_key: str) -> None:
        """Forget a delivery (its enqueue failed, so a redelivery must be taken)."""
        await self.inner.forget(tenant_id, event_key)


def register(wiring: Wiring) -> None:
    """Register the tracer, wrap the hot-path adapters and rebuild the bus with traced handlers."""
    from b2app.workers import broker as worker_broker

    container, kind = wiring.container, wiring.config.tracing
    tracer = make_tracer(kind)
    container.register(tracing.Tracer, instance=tracer)
    app_logging.set_trace_id_source(trace_id_source(kind))
    observability.QUEUE_DEPTH.watch(worker_broker.configure(wiring.config))
    container.register(
        llm.LlmClient,
        instance=TracedLlmClient(container.resolve(llm.LlmClient), tracer),
    )
    container.register(
        tasks.TaskQueue,
        instance=TracedTaskQueue(container.resolve(tasks.TaskQueue), tracer),
    )
    container.register(
        dedupe.WebhookDeduper,
        instance=TracedWebhookDeduper(container.resolve(dedupe.WebhookDeduper), tracer),
    )

    def kinds() -> conversation_ports.ChannelKinds:
        found: conversation_ports.ChannelKinds = container.resolve(conversation_ports.ChannelKinds)
        return found

    resolve = traced_resolve(container.resolve, tracer, SendObserver(kinds), registry.COMMANDS)
    container.register(
        MessageBus, instance=MessageBus(registry.COMMANDS, registry.EVENTS, resolve=resolve)
    )
