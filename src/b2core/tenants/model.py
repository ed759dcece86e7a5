"""The Tenant aggregate: profile, working hours and the status lifecycle."""

from __future__ import annotations

import enum
import itertools
import re
import zoneinfo
from collections.abc import Mapping
from datetime import datetime

import attrs

from b2core.shared import errors, ids

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,24}$")


class TenantStatus(enum.StrEnum):
    """ACTIVE -> SUSPENDED -> ACTIVE; any -> ARCHIVED (a soft delete, final)."""

    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    ARCHIVED = "ARCHIVED"


def _check_name(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not value.strip() or len(value) > 200:
        raise errors.InvalidInput(
            "business name must be 1 to 200 characters", code="tenant.bad_name"
        )


def check_timezone(value: str) -> str:
    """Return ``value`` when it names an IANA time zone, else raise ``tenant.bad_timezone``."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise errors.InvalidInput(
            f"unknown time zone {value!r}", code="tenant.bad_timezone"
        ) from exc
    return value


def _check_tz(_: object, __: attrs.Attribute[str], value: str) -> None:
    check_timezone(value)


@attrs.frozen
class OpeningSpan:
    """One open interval of a day, ``HH:MM`` to ``HH:MM`` local time, start before end."""

    opens: str
    closes: str

    def __attrs_post_init__(self) -> None:
        if not (_HHMM.match(self.opens) and _HHMM.match(self.closes)):
            raise errors.InvalidInput("times must be HH:MM", code="tenant.bad_hours")
        if self.opens >= self.closes:
            raise errors.InvalidInput("a span must open before it closes", code="tenant.bad_hours")


WorkingHours = Mapping[int, tuple[OpeningSpan, ...]]  # weekday 0 (Monday) .. 6 -> spans


def check_working_hours(hours: WorkingHours) -> WorkingHours:
    """Weekdays 0-6 only, at most 4 spans a day, spans ordered and not overlapping."""
    for day, spans in hours.items():
        if day not in range(7) or len(spans) > 4:
            raise errors.InvalidInput(
                "working hours take weekdays 0-6 with at most 4 spans", code="tenant.bad_hours"
            )
        ordered = sorted(spans, key=lambda s: s.opens)
        for first, second in itertools.pairwise(ordered):
            if second.opens < first.closes:
                raise errors.InvalidInput("spans overlap", code="tenant.bad_hours")
    return hours


@attrs.frozen
class Profile:
    """What the business tells its customers (and the AI) about itself."""

    phone: str | None = None
    address: str | None = None
    description: str | None = None
    working_hours: WorkingHours = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        if self.phone is not None and not _PHONE.match(self.phone):
            raise errors.InvalidInput("phone number is not valid", code="tenant.bad_phone")
        if self.address is not None and len(self.address) > 500:
            raise errors.InvalidInput("address is too long", code="tenant.bad_address")
        if self.description is not None and len(self.description) > 2000:
            raise errors.InvalidInput("description is too long", code="tenant.bad_description")
        check_working_hours(self.working_hours)


@attrs.frozen
class Tenant:
    """A business using b2. Changes go through the named transitions below."""

    id: ids.TenantId
    name: str = attrs.field(validator=_check_name)
    status: TenantStatus
    created_at: datetime
    updated_at: datetime
    timezone: str = attrs.field(default="UTC", validator=_check_tz)
    profile: Profile = attrs.field(factory=Profile)

    @classmethod
    def register(cls, tenant_id: ids.TenantId, name: str, at: datetime) -> Tenant:
        """A newly onboarded, active tenant."""
        return cls(tenant_id, name.strip(), TenantStatus.ACTIVE, at, at)

    @property
    def usable(self) -> bool:
        """Whether its API, AI and WhatsApp may run (only when ACTIVE)."""
        return self.status is TenantStatus.ACTIVE

    def update_profile(
        self,
        at: datetime,
        *,
        name: str | None = None,
        timezone: str | None = None,
        profile: Profile | None = None,
    ) -> Tenant:
        """Change the name, time zone or profile of a tenant that is not archived."""
        if self.status is TenantStatus.ARCHIVED:
            raise errors.Conflict("an archived tenant cannot change", code="tenant.archived")
        return attrs.evolve(
            self,
            name=self.name if name is None else name.strip(),
            timezone=self.timezone if timezone is None else timezone,
            profile=self.profile if profile is None else profile,
            updated_at=at,
        )

    def suspend(self, at: datetime) -> Tenant:
        """Stop the tenant's API, AI and WhatsApp use; only an active tenant can be suspended."""
        return self._move(TenantStatus.SUSPENDED, {TenantStatus.ACTIVE}, at)

    def reactivate(self, at: datetime) -> Tenant:
        """Lift a suspension."""
        return self._move(TenantStatus.ACTIVE, {TenantStatus.SUSPENDED}, at)

    def archive(self, at: datetime) -> Tenant:
        """Soft-delete the tenant: no access at all from now on."""
        return self._move(TenantStatus.ARCHIVED, {TenantStatus.ACTIVE, TenantStatus.SUSPENDED}, at)

    def _move(self, to: TenantStatus, allowed: set[TenantStatus], at: datetime) -> Tenant:
        if self.status not in allowed:
            raise errors.Conflict(
                f"a {self.status.value} tenant cannot become {to.value}",
                code="tenant.invalid_transition",
            )
        return attrs.evolve(self, status=to, updated_at=at)
