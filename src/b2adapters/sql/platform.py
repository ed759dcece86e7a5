"""SQL repositories of the platform context: the settings singletons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Table, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import statements
from b2adapters.sql.schema import platform as tables
from b2core.platform import model

if TYPE_CHECKING:
    from b2core.platform import ports


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def system_to_row(settings: model.SystemSettings) -> dict[str, Any]:
    """The ``system_settings`` row of ``settings``."""
    return {
        "id": tables.SINGLETON_ID,
        "global_ai_enabled": settings.global_ai_enabled,
        "global_whatsapp_enabled": settings.global_whatsapp_enabled,
        "default_llm_provider": settings.default_llm_provider,
        "default_llm_model": settings.default_llm_model,
        "max_tenants": settings.max_tenants,
        "max_messages_per_hour": settings.max_messages_per_hour,
        "email_enabled": settings.email_enabled,
        "email_verification_required": settings.email_verification_required,
        "password_reset_enabled": settings.password_reset_enabled,
        "payment_emails_enabled": settings.payment_emails_enabled,
        "email_provider": str(settings.email_provider),
        "smtp_host": settings.smtp_host,
        "smtp_port": settings.smtp_port,
        "smtp_username": settings.smtp_username,
        "smtp_password_sealed": settings.smtp_password_sealed,
        "smtp_security": str(settings.smtp_security),
        "email_from": settings.email_from,
        "updated_at": settings.updated_at,
    }


def system_from_row(row: RowMapping) -> model.SystemSettings:
    """The system settings stored in a ``system_settings`` row."""
    return model.SystemSettings(
        global_ai_enabled=bool(row["global_ai_enabled"]),
        global_whatsapp_enabled=bool(row["global_whatsapp_enabled"]),
        default_llm_provider=row["default_llm_provider"],
        default_llm_model=row["default_llm_model"],
        max_tenants=row["max_tenants"],
        max_messages_per_hour=row["max_messages_per_hour"],
        email_enabled=bool(row["email_enabled"]),
        email_verification_required=bool(row["email_verification_required"]),
        password_reset_enabled=bool(row["password_reset_enabled"]),
        payment_emails_enabled=bool(row["payment_emails_enabled"]),
        email_provider=row["email_provider"],
        smtp_host=row["smtp_host"],
        smtp_port=row["smtp_port"],
        smtp_username=row["smtp_username"],
        smtp_password_sealed=row["smtp_password_sealed"],
        smtp_security=row["smtp_security"],
        email_from=row["email_from"],
        updated_at=row["updated_at"],
    )


def growth_to_row(settings: model.GrowthSettings) -> dict[str, Any]:
    """The ``growth_settings`` row of ``settings``."""
    return {
        "id": tables.SINGLETON_ID,
        "google_analytics_id": settings.google_analytics_id,
        "facebook_pixel_id": settings.facebook_pixel_id,
        "banner_coupon_code": settings.banner_coupon_code,
        "banner_message": settings.banner_message,
        "banner_expires_at": settings.banner_expires_at,
        "updated_at": settings.updated_at,
    }


def growth_from_row(row: RowMapping) -> model.GrowthSettings:
    """The growth settings stored in a ``growth_settings`` row."""
    return model.GrowthSettings(
        google_analytics_id=row["google_analytics_id"],
        facebook_pixel_id=row["facebook_pixel_id"],
        banner_coupon_code=row["banner_coupon_code"],
        banner_message=row["banner_message"],
        banner_expires_at=row["banner_expires_at"],
        updated_at=row["updated_at"],
    )


class SqlSettingsRepository:
    """The two settings singletons, one row each (id 1)."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def system(self) -> model.SystemSettings | None:
        row = await self._row(tables.system_settings)
        return None if row is None else system_from_row(row)

    async def ensure_system(self, defaults: model.SystemSettings) -> bool:
        connection = await self._tx.connection()
        row = system_to_row(defaults)
        return await statements.insert_if_absent(connection, tables.system_settings, row)

    async def save_system(self, settings: model.SystemSettings) -> None:
        connection = await self._tx.connection()
        row = system_to_row(settings)
        await statements.upsert(connection, tables.system_settings, row, key="id")

    async def growth(self) -> model.GrowthSettings | None:
        row = await self._row(tables.growth_settings)
        return None if row is None else growth_from_row(row)

    async def ensure_growth(self, defaults: model.GrowthSettings) -> bool:
        connection = await self._tx.connection()
        row = growth_to_row(defaults)
        return await statements.insert_if_absent(connection, tables.growth_settings, row)

    async def save_growth(self, settings: model.GrowthSettings) -> None:
        connection = await self._tx.connection()
        row = growth_to_row(settings)
        await statements.upsert(connection, tables.growth_settings, row, key="id")

    async def _row(self, table: Table) -> RowMapping | None:
        connection = await self._tx.connection()
        query = select(table).where(table.c.id == tables.SINGLETON_ID)
        return (await connection.execute(query)).mappings().first()


if TYPE_CHECKING:
    _: type[ports.SettingsRepository] = SqlSettingsRepository
