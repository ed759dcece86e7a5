"""Rows of the catalog and orders tables and back; items, history and actors go as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from b2adapters.sql import paging
from b2core.orders import catalog, model, policy
from b2core.shared import ids, money


def money_from(amount_minor: int, currency: str) -> money.Money:
    """Money from its stored parts (drivers may hand back any integer type)."""
    return money.Money(int(amount_minor), currency)


def joined_key(service: catalog.Service) -> str:
    """The stored name key: words never hold a space, so it sorts like the tuple key."""
    return " ".join(service.key)


def service_to_row(service: catalog.Service) -> dict[str, Any]:
    """The ``services`` row of ``service``."""
    return {
        "id": service.id,
        "tenant_id": service.tenant_id,
        "name": service.name,
        "name_key": joined_key(service),
        "description": service.description,
        "price_minor": service.price.amount_minor,
        "currency": service.price.currency,
        "active": service.active,
        "version": service.version,
        "created_at": service.created_at,
        "updated_at": service.updated_at,
    }


def service_from_row(row: RowMapping) -> catalog.Service:
    """The service stored in a ``services`` row."""
    return catalog.Service(
        id=ids.ServiceId(row["id"]),
        tenant_id=ids.TenantId(row["tenant_id"]),
        name=row["name"],
        price=money_from(row["price_minor"], row["currency"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        description=row["description"],
        active=bool(row["active"]),
        version=row["version"],
    )


def actor_to_json(actor: policy.Actor) -> dict[str, Any]:
    """An actor as JSON."""
    return {"kind": actor.kind.value, "user_id": actor.user_id, "role": actor.role}


def actor_from_json(raw: dict[str, Any]) -> policy.Actor:
    """The actor stored by :func:`actor_to_json`."""
    user_id = raw.get("user_id")
    return policy.Actor(
        policy.ActorKind(raw["kind"]),
        None if user_id is None else ids.UserId(user_id),
        raw.get("role"),
    )


def _item_to_json(item: model.OrderItem) -> dict[str, Any]:
    return {
        "service_id": item.service_id,
        "name": item.name,
        "unit_price_minor": item.unit_price.amount_minor,
        "currency": item.unit_price.currency,
        "quantity": item.quantity,
    }


def _item_from_json(raw: dict[str, Any]) -> model.OrderItem:
    return model.OrderItem(
        ids.ServiceId(raw["service_id"]),
        raw["name"],
        money_from(raw["unit_price_minor"], raw["currency"]),
        raw["quantity"],
    )


def _step_to_json(step: model.Transition) -> dict[str, Any]:
    return {
        "from": step.from_status.value,
        "to": step.to_status.value,
        "by": actor_to_json(step.by),
        "at": paging.time_key(step.at),
        "reason": step.reason,
    }


def _step_from_json(raw: dict[str, Any]) -> model.Transition:
    return model.Transition(
        model.OrderStatus(raw["from"]),
        model.OrderStatus(raw["to"]),
        actor_from_json(raw["by"]),
        datetime.fromisoformat(raw["at"]),
        raw.get("reason"),
    )


def order_to_row(order: model.Order) -> dict[str, Any]:
    """The ``orders`` row of ``order``."""
    customer = order.customer
    return {
        "id": order.id,
        "tenant_id": order.tenant_id,
        "conversation_id": order.conversation_id,
        "customer_id": customer.id,
        "customer_name": customer.name,
        "customer_phone": customer.phone,
        "customer_email": customer.email,
        "status": order.status.value,
        "items": [_item_to_json(item) for item in order.items],
        "history": [_step_to_json(step) for step in order.history],
        "created_by": actor_to_json(order.created_by),
        "version": order.version,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def order_from_row(row: RowMapping) -> model.Order:
    """The order stored in an ``orders`` row."""
    conversation_id = row["conversation_id"]
    return model.Order(
        id=ids.OrderId(row["id"]),
        tenant_id=ids.TenantId(row["tenant_id"]),
        customer=model.Customer(
            row["customer_id"], row["customer_name"], row["customer_phone"], row["customer_email"]
        ),
        items=tuple(_item_from_json(item) for item in row["items"]),
        status=model.OrderStatus(row["status"]),
        created_by=actor_from_json(row["created_by"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        conversation_id=None if conversation_id is None else ids.ConversationId(conversation_id),
        history=tuple(_step_from_json(step) for step in row["history"]),
        version=row["version"],
    )
