"""Commands of the privacy context: export or erase one customer, or a whole tenant."""

from __future__ import annotations

import attrs

from b2core.shared import audit, ids


@attrs.frozen
class ExportCustomerData:
    """Everything ``tenant_id`` holds about ``customer_id`` (a tenant admin's request)."""

    tenant_id: ids.TenantId
    customer_id: str
    actor: audit.Actor


@attrs.frozen
class EraseCustomerData:
    """Delete the customer's messages and conversations, anonymise their orders, scrub audit."""

    tenant_id: ids.TenantId
    customer_id: str
    actor: audit.Actor


@attrs.frozen
class ExportTenantData:
    """Everything held about every customer of ``tenant_id`` (an operator's request)."""

    tenant_id: ids.TenantId
    actor: audit.Actor


@attrs.frozen
class EraseTenantData:
    """Delete every conversation, message and order of ``tenant_id``; scrub its audit trail."""

    tenant_id: ids.TenantId
    actor: audit.Actor
