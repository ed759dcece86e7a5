"""The service catalog of a tenant and the lookup the AI uses to find a service by name.

Matching rule of :func:`match_service`, applied to ACTIVE services only:

1. Both sides are reduced to their *name key*: Unicode NFKC, case-folded, split into words
   (runs of letters, digits and underscores). Case, spacing and punctuation therefore never
   matter: ``"  hair-CUT "`` and ``"Hair cut"`` have the same key. An empty key matches nothing.
2. Exact: the services whose key equals the request's key. One such service is the answer;
   several (possible only through legacy duplicates) make the request ambiguous: None.
3. Otherwise partial, on whole words: the services whose key contains the request's words in a
   row (``"beard"`` finds ``"Beard trim"``) or whose words appear in a row inside the request
   (``"a haircut please"`` finds ``"Haircut"``). Exactly one such service is the answer; none
   or several give None, and the caller asks the customer again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

import attrs

from b2core.shared import errors, ids, money, time

MAX_NAME = 120
MAX_DESCRIPTION = 2000
_WORD = re.compile(r"\w+")


def name_key(text: str) -> tuple[str, ...]:
    """The words of ``text`` in a case-, spacing- and punctuation-insensitive form.

    Repositories use it to keep names unique per tenant, so that lookups stay unambiguous.
    """
    return tuple(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def _strip(value: str) -> str:
    return value.strip() if isinstance(value, str) else value


def _check_name(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_NAME or not name_key(value):
        raise errors.InvalidInput(
            f"service name must be 1 to {MAX_NAME} characters with a letter or digit",
            code="service.bad_name",
        )


def _check_description(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise errors.InvalidInput(
            f"service description must be at most {MAX_DESCRIPTION} characters",
            code="service.bad_description",
        )


def _check_price(_: object, __: attrs.Attribute[money.Money], value: money.Money) -> None:
    if not isinstance(value, money.Money) or value.amount_minor < 0:
        raise errors.InvalidInput(
            "service price must be a non-negative amount", code="service.bad_price"
        )


def _check_version(_: object, __: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.InvalidInput(
            "version must be a non-negative integer", code="service.bad_version"
        )


@attrs.frozen
class Service:
    """Something a tenant sells, at a catalog price. Orders copy its name and price.

    ``version`` is the stored version this instance derives from; repositories compare it on
    ``save`` (optimistic concurrency) and bump it. Changes keep it as is.
    """

    id: ids.ServiceId
    tenant_id: ids.TenantId
    name: str = attrs.field(converter=_strip, validator=_check_name)
    price: money.Money = attrs.field(validator=_check_price)
    created_at: datetime
    updated_at: datetime
    description: str = attrs.field(default="", converter=_strip, validator=_check_description)
    active: bool = True
    version: int = attrs.field(default=0, validator=_check_version)

    @classmethod
    def create(
        cls,
        service_id: ids.ServiceId,
        tenant_id: ids.TenantId,
        name: str,
        price: money.Money,
        at: datetime,
        *,
        description: str = "",
        active: bool = True,
    ) -> Service:
        """A new catalog entry, active unless told otherwise."""
        moment = time.ensure_utc(at)
        return cls(
            service_id,
            tenant_id,
            name,
            price,
            moment,
            moment,
            description=description,
            active=active,
        )

    @property
    def key(self) -> tuple[str, ...]:
        """The name key used for lookups and uniqueness (see :func:`name_key`)."""
        return name_key(self.name)

    def rename(self, name: str, at: datetime) -> Service:
        """The same service under a new name."""
        return self.update(at, name=name)

    def reprice(self, price: money.Money, at: datetime) -> Service:
        """The same service at a new price; orders already drafted keep their old price."""
        return self.update(at, price=price)

    def deactivate(self, at: datetime) -> Service:
        """Hide the service from the AI and from new orders (idempotent)."""
        return self.update(at, active=False)

    def activate(self, at: datetime) -> Service:
        """Offer the service again (idempotent)."""
        return self.update(at, active=True)

    def update(
        self,
        at: datetime,
        *,
        name: str | None = None,
        description: str | None = None,
        price: money.Money | None = None,
        active: bool | None = None,
    ) -> Service:
        """Apply the given changes at once; None leaves a field alone, no change returns self."""
        changed = attrs.evolve(
            self,
            name=self.name if name is None else name,
            description=self.description if description is None else description,
            price=self.price if price is None else price,
            active=self.active if active is None else active,
        )
        if changed == self:
            return self
        return attrs.evolve(changed, updated_at=time.ensure_utc(at))


def match_service(services: Iterable[Service], requested: str) -> Service | None:
    """The one ACTIVE service ``requested`` names, or None (see the module docstring)."""
    wanted = name_key(requested)
    if not wanted:
        return None
    active = [s for s in services if s.active]
    exact = [s for s in active if s.key == wanted]
    if exact:
        return exact[0] if len(exact) == 1 else None
    partial = [s for s in active if _contains(s.key, wanted) or _contains(wanted, s.key)]
    return partial[0] if len(partial) == 1 else None


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    """Whether ``part`` appears as consecutive words of ``words``."""
    size = len(part)
    return any(words[i : i + size] == part for i in range(len(words) - size + 1))
