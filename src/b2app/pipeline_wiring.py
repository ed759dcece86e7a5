"""Composition of the inbound pipeline: governance stores, the LLM, channels, the outbox.

Part of the composition root (``b2app.bootstrap`` calls it); split out to keep both small.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from b2adapters.llm.offline import OfflineResponder
from b2adapters.llm.openai_client import OpenAiCompatibleClient
from b2adapters.memory import governance as memory_governance
from b2adapters.memory.claims import InMemorySessionClaims
from b2adapters.simulator.channel import SimulatorDirectory, SimulatorOutbox
from b2adapters.whatsapp import dedupe
from b2core.ai import llm, plans
from b2core.ai import model as ai_model
from b2core.ai import ports as ai_ports
from b2core.conversations import outbound, sessions
from b2core.conversations import ports as conversation_ports
from b2core.orders import catalog
from b2core.pipeline import config, ports, switches
from b2core.platform import ports as platform_ports
from b2core.shared import ids, tasks, time
from b2core.shared import outbox as shared_outbox

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring


def register(wiring: Wiring) -> None:
    """Register every port the pipeline and the outbound path use."""
    container = wiring.container
    _register_governance(wiring)
    _register_llm(wiring)
    outbox = SimulatorOutbox(_clock(container))
    container.register(SimulatorOutbox, instance=outbox)
    container.register(conversation_ports.ChannelDirectory, instance=SimulatorDirectory(outbox))
    wiring.singleton(
        shared_outbox.OutboxRelay,
        lambda: shared_outbox.OutboxRelay(
            container.resolve(conversation_ports.ConversationsUoW),
            container.resolve(tasks.TaskQueue),
            _clock(container),
        ),
    )
    wiring.singleton(
        conversation_ports.OutboundQueue,
        lambda: outbound.TaskOutboundQueue(container.resolve(shared_outbox.OutboxRelay)),
    )
    _register_webhook_dedupe(wiring)
    _register_session_claims(wiring)
    wiring.singleton(
        conversation_ports.SendingSwitches,
        lambda: switches.PipelineSendingSwitches(
            container.resolve(ports.PipelineUoW),
            container.resolve(platform_ports.SystemSettingsReader),
        ),
    )


def _clock(container: Any) -> time.Clock:
    class LateClock:
        """Reads the container's clock at each call, so test overrides apply."""

        def now(self) -> Any:
            return container.resolve(time.Clock).now()

    return LateClock()


def _register_webhook_dedupe(wiring: Wiring) -> None:
    """Webhook message and status ids, remembered for 7 days by every process (Redis)."""
    if wiring.redis is not None:
        from b2adapters.redis.keys import KeySpace

        deduper: Any = dedupe.RedisWebhookDeduper(
            wiring.redis, KeySpace(wiring.config.redis_prefix)
        )
    else:
        deduper = dedupe.InMemoryWebhookDeduper(_clock(wiring.container))
    wiring.container.register(dedupe.WebhookDeduper, instance=deduper)


def _register_session_claims(wiring: Wiring) -> None:
    """Who owns a bridge session: shared through Redis, or one process's memory."""
    if wiring.redis is not None:
        from b2adapters.redis.claims import RedisSessionClaims
        from b2adapters.redis.keys import KeySpace

        claims: Any = RedisSessionClaims(wiring.redis, KeySpace(wiring.config.redis_prefix))
    else:
        claims = InMemorySessionClaims(_clock(wiring.container))
    wiring.container.register(sessions.SessionClaims, instance=claims)


def _register_governance(wiring: Wiring) -> None:
    container = wiring.container
    if wiring.redis is not None:
        from b2adapters.redis import governance as redis_governance
        from b2adapters.redis.keys import KeySpace

        keys = KeySpace(wiring.config.redis_prefix)
        container.register(
            ai_ports.QuotaLedger, instance=redis_governance.RedisQuotaLedger(wiring.redis, keys)
        )
        container.register(
            ai_ports.RateLimiter, instance=redis_governance.RedisRateLimiter(wiring.redis, keys)
        )
        container.register(
            ai_ports.GovernanceGate,
            instance=redis_governance.RedisGovernanceGate(wiring.redis, keys),
        )
        return
    ledger = memory_governance.InMemoryQuotaLedger(_clock(container))
    limiter = memory_governance.InMemoryRateLimiter(_clock(container))
    container.register(ai_ports.QuotaLedger, instance=ledger)
    container.register(ai_ports.RateLimiter, instance=limiter)
    container.register(
        ai_ports.GovernanceGate, instance=memory_governance.InMemoryGovernanceGate(ledger, limiter)
    )


def _register_llm(wiring: Wiring) -> None:
    settings, container = wiring.config, wiring.container
    if settings.llm_url is None:
        reader = _catalog_reader(container)
        container.register(llm.LlmClient, instance=OfflineResponder(reader, quote_prices=False))
        _register_config(container, config.PipelineConfig())
        return
    client = OpenAiCompatibleClient(settings.llm_url, settings.llm_api_key)
    wiring.lifecycle.on_shutdown(client.aclose)
    container.register(llm.LlmClient, instance=client)
    spec = ai_model.ModelSpec(name=settings.llm_model or "gpt-4o-mini", tier=ai_model.AiTier.FREE)
    models = ai_model.ModelCatalog(models=(spec,))
    _register_config(container, config.PipelineConfig(catalog=models))


def _register_config(container: Any, pipeline: config.PipelineConfig) -> None:
    container.register(config.PipelineConfig, instance=pipeline)
    container.register(plans.PlanTable, instance=pipeline.plans)


def _catalog_reader(container: Any) -> Any:
    async def read(tenant_id: ids.TenantId) -> Sequence[catalog.Service]:
        uow: ports.PipelineUoW = container.resolve(ports.PipelineUoW)
        async with uow.tenant(tenant_id) as tx:
            return tuple(await tx.services.list_active())

    return read
