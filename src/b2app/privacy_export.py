"""The JSON documents of privacy exports: stable, sorted, byte-for-byte repeatable."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import attrs

from b2core.privacy import model

CUSTOMER_FORMAT = "b2.privacy.customer/1"
TENANT_FORMAT = "b2.privacy.tenant/1"


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if attrs.has(type(value)):
        return {
            field.name: _value(getattr(value, field.name)) for field in attrs.fields(type(value))
        }
    if isinstance(value, tuple | list):
        return [_value(item) for item in value]
    return value


def _customer_body(data: model.CustomerData) -> dict[str, Any]:
    return {
        "customer_id": data.customer_id,
        "conversations": _value(data.conversations),
        "messages": _value(data.messages),
        "orders": _value(data.orders),
        "media": _value(data.media),
    }


def customer_document(data: model.CustomerData) -> dict[str, Any]:
    """Everything held about one customer as a JSON object."""
    return {"format": CUSTOMER_FORMAT, "tenant_id": data.tenant_id, **_customer_body(data)}


def tenant_document(data: model.TenantData) -> dict[str, Any]:
    """Everything held about every customer of a tenant as a JSON object."""
    return {
        "format": TENANT_FORMAT,
        "tenant_id": data.tenant_id,
        "customers": [_customer_body(customer) for customer in data.customers],
    }


def dumps(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a document: sorted keys, no spaces, UTF-8."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def report_document(report: model.ErasureReport) -> dict[str, Any]:
    """What an erasure did, and whether anything was left to erase."""
    return {**report.counts(), "nothing_left": report.nothing_left}
