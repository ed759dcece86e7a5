"""Cloud API webhook deliveries in Meta's format, for the parsing and API tests."""

from __future__ import annotations

from typing import Any

PHONE_ID = "106540352242922"


def _value(
    messages: list[dict[str, Any]],
    statuses: list[dict[str, Any]],
    contacts: list[dict[str, Any]],
    phone_id: str = PHONE_ID,
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_id},
    }
    if contacts:
        value["contacts"] = contacts
    if messages:
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return value


def delivery_of_three_and_two(phone_id: str = PHONE_ID, prefix: str = "") -> dict[str, Any]:
    """Two entries: a text and an image, then a document with two delivery reports."""
    first = _value(
        messages=[
            {
                "from": "16315551181",
                "id": f"wamid.{prefix}in1",
                "timestamp": "1767225600",
                "type": "text",
                "text": {"body": "Do you have chocolate cake?"},
            },
            {
                "from": "16315551181",
                "id": f"wamid.{prefix}in2",
                "timestamp": "1767225601",
                "type": "image",
                "image": {
                    "id": "media-img-1",
                    "mime_type": "image/jpeg",
                    "sha256": "abc",
                    "caption": "like this one",
                },
            },
        ],
        statuses=[],
        contacts=[{"profile": {"name": "Kerry Fisher"}, "wa_id": "16315551181"}],
        phone_id=phone_id,
    )
    second = _value(
        messages=[
            {
                "from_user_id": "US.13491208655302741918",
                "id": f"wamid.{prefix}in3",
                "timestamp": "1767225700",
                "type": "document",
                "document": {
                    "id": "media-doc-1",
                    "mime_type": "application/pdf",
                    "filename": "menu.pdf",
                },
            }
        ],
        statuses=[
            {
                "id": f"wamid.{prefix}out1",
                "status": "delivered",
                "timestamp": "1767225650",
                "recipient_id": "16315551181",
            },
            {
                "id": f"wamid.{prefix}out2",
                "status": "failed",
                "timestamp": "1767225660",
                "recipient_id": "16315551182",
                "errors": [{"code": 131047, "title": "Re-engagement message"}],
            },
        ],
        contacts=[{"profile": {"name": "Ana"}, "user_id": "US.13491208655302741918"}],
        phone_id=phone_id,
    )
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "WABA-1", "changes": [{"field": "messages", "value": first}]},
            {"id": "WABA-1", "changes": [{"field": "messages", "value": second}]},
        ],
    }
