"""Use cases of the platform settings: read and change them, one audit entry per change."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

import attrs

from b2core.platform import cache, commands, model, ports, settings_rules
from b2core.shared import audit, errors, ids, time, uow


class SettingsTx(uow.Transaction, Protocol):
    """A platform transaction that changes settings and records the change."""

    @property
    def settings(self) -> ports.SettingsRepository: ...

    @property
    def audit(self) -> audit.AuditLog: ...


class SettingsUoW(Protocol):
    """Opens settings transactions."""

    def platform(self) -> AbstractAsyncContextManager[SettingsTx]: ...


class SecretSealer(Protocol):
    """Seals a secret for storage (the app's field cipher serves it)."""

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """The sealed form of ``plaintext``, bound to ``context``."""
        ...


_KEEP = object()


def _email_complete(settings: model.SystemSettings) -> None:
    if settings.email_provider == model.EmailProvider.SMTP and not (
        settings.smtp_host and settings.email_from
    ):
        raise errors.InvalidInput(
            "the SMTP provider needs smtp_host and email_from", code="settings.email_incomplete"
        )


def _system_audit(
    current: model.SystemSettings, changed: dict[str, object]
) -> dict[str, dict[str, Any]]:
    # The password is never written to the trail, sealed or not: only whether one is set now.
    return {
        ("smtp_password" if name == "smtp_password_sealed" else name): (
            {"set": value is not None}
            if name == "smtp_password_sealed"
            else {"old": getattr(current, name), "new": value}
        )
        for name, value in changed.items()
    }


@attrs.frozen
class Banner:
    """The promotional banner a front end may show."""

    message: str | None
    coupon_code: str | None
    expires_at: datetime | None


@attrs.frozen
class PublicGrowth:
    """Growth settings a public front end may see: tracking ids and a live banner, if any."""

    google_analytics_id: str | None
    facebook_pixel_id: str | None
    banner: Banner | None


def public_view(growth: model.GrowthSettings, now: datetime) -> PublicGrowth:
    """What the public sees at ``now``: no banner once it expired or when it says nothing."""
    live = growth.banner_expires_at is None or growth.banner_expires_at > now
    says_something = growth.banner_message is not None or growth.banner_coupon_code is not None
    banner = (
        Banner(growth.banner_message, growth.banner_coupon_code, growth.banner_expires_at)
        if live and says_something
        else None
    )
    return PublicGrowth(growth.google_analytics_id, growth.facebook_pixel_id, banner)


def _differences(before: object, changes: dict[str, object]) -> dict[str, Any]:
    return {name: value for name, value in changes.items() if getattr(before, name) != value}


def _entry(
    handler: _Recorder, cmd: Any, action: str, target: str, metadata: dict[str, Any]
) -> audit.AuditEntry:
    return audit.record(
        handler.id_generator,
        handler.clock,
        cmd.actor,
        action,
        target=("settings", target),
        metadata=metadata,
        ip=cmd.ip,
    )


class _Recorder(Protocol):
    @property
    def id_generator(self) -> ids.IdGenerator: ...

    @property
    def clock(self) -> time.Clock: ...


@attrs.frozen
class GetSystemSettingsHandler:
    """The stored system settings, read from storage (not the cache)."""

    uow: SettingsUoW

    async def __call__(self, cmd: commands.GetSystemSettings) -> model.SystemSettings:
        async with self.uow.platform() as tx:
            stored = await tx.settings.system()
        return stored or model.SystemSettings()


@attrs.frozen
class UpdateSystemSettingsHandler:
    """Validate, save, audit the changed fields (old and new values), drop the cached copy.

    ``smtp_password`` is write-only: sealed with ``sealer`` before it is stored, audited only as
    "set" or "cleared" (a new password always counts as a change: sealed values cannot be
    compared). Choosing the SMTP provider needs a host and a sender address
    (``settings.email_incomplete``).
    """

    uow: SettingsUoW
    clock: time.Clock
    id_generator: ids.IdGenerator
    settings_cache: cache.SettingsCache
    sealer: SecretSealer

    async def __call__(self, cmd: commands.UpdateSystemSettings) -> model.SystemSettings:
        wanted = settings_rules.checked(cmd.changes, settings_rules.SYSTEM_FIELDS)
        password = wanted.pop("smtp_password", _KEEP)
        sealed = (
            self.sealer.encrypt(password, context=model.SMTP_PASSWORD_CONTEXT)
            if isinstance(password, str)
            else None
        )
        async with self.uow.platform() as tx:
            current = await tx.settings.system() or model.SystemSettings()
            changed = _differences(current, wanted)
            if password is not _KEEP and (sealed or current.smtp_password_sealed):
                changed["smtp_password_sealed"] = sealed
            if not changed:
                return current
            updated = attrs.evolve(current, updated_at=self.clock.now(), **changed)
            _email_complete(updated)
            await tx.settings.save_system(updated)
            metadata = {"changed": _system_audit(current, changed)}
            await tx.audit.append(
                _entry(self, cmd, "platform.settings_updated", "system", metadata)
            )
            await tx.commit()
        # This process sees the change at once; the others within the cache's TTL.
        self.settings_cache.invalidate()
        return updated


@attrs.frozen
class GetGrowthSettingsHandler:
    """The stored growth settings (empty before bootstrap)."""

    uow: SettingsUoW

    async def __call__(self, cmd: commands.GetGrowthSettings) -> model.GrowthSettings:
        async with self.uow.platform() as tx:
            stored = await tx.settings.growth()
        return stored or model.GrowthSettings()


@attrs.frozen
class UpdateGrowthSettingsHandler:
    """Validate, save and audit the names of the changed growth fields."""

    uow: SettingsUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.UpdateGrowthSettings) -> model.GrowthSettings:
        wanted = settings_rules.checked(cmd.changes, settings_rules.GROWTH_FIELDS)
        async with self.uow.platform() as tx:
            current = await tx.settings.growth() or model.GrowthSettings()
            changed = _differences(current, wanted)
            if not changed:
                return current
            updated = attrs.evolve(current, updated_at=self.clock.now(), **changed)
            await tx.settings.save_growth(updated)
            metadata = {"changed": sorted(changed)}
            await tx.audit.append(_entry(self, cmd, "platform.growth_updated", "growth", metadata))
            await tx.commit()
        return updated


@attrs.frozen
class GetPublicGrowthHandler:
    """The public view of the growth settings at this moment."""

    uow: SettingsUoW
    clock: time.Clock

    async def __call__(self, cmd: commands.GetPublicGrowth) -> PublicGrowth:
        async with self.uow.platform() as tx:
            stored = await tx.settings.growth()
        return public_view(stored or model.GrowthSettings(), self.clock.now())
