"""Commands of the scheduling context: what the edge and the workers ask for.

Staff commands carry the caller as plain values from the verified token: ``tenant_id``,
``user_id`` and ``role`` (an ``iam`` role value; this context does not import ``iam``). They
never come from a request body.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import attrs

from b2core.scheduling import model, templates
from b2core.shared import ids, pagination

#: How long the dispatcher keeps finished messages when not told otherwise.
DEFAULT_RETENTION = timedelta(days=30)


@attrs.frozen
class CreateTemplate:
    """Add a message template to the tenant."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    name: str
    content: str
    variables: tuple[str, ...] = ()
    whatsapp: templates.WhatsAppTemplate | None = None


@attrs.frozen
class UpdateTemplate:
    """Change some fields of a template; None leaves a field as it is."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    template_id: ids.TemplateId
    name: str | None = None
    content: str | None = None
    variables: tuple[str, ...] | None = None
    whatsapp: templates.WhatsAppTemplate | None = None
    remove_whatsapp: bool = False


@attrs.frozen
class DeleteTemplate:
    """Remove a template; messages scheduled from it keep their text."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    template_id: ids.TemplateId


@attrs.frozen
class GetTemplate:
    """One template of the tenant."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    template_id: ids.TemplateId


@attrs.frozen
class ListTemplates:
    """A page of the tenant's templates by name."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)


@attrs.frozen
class PreviewTemplate:
    """Render a template with sample values; variables without one show as ``[name]``."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    template_id: ids.TemplateId
    samples: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class ScheduleMessage:
    """Schedule one message: ``text``, or ``template_id`` with ``variables`` (not both).

    ``send_at`` is ISO 8601 with an offset (a wall time without one is the tenant's time zone).
    """

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    recipient: str
    send_at: str | datetime
    text: str | None = None
    template_id: ids.TemplateId | None = None
    variables: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class BulkRecipient:
    """One row of a bulk request: a phone and the variables only this row uses."""

    recipient: str
    variables: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class ScheduleBulk:
    """The same message (or template) to many recipients at one time, one row per recipient.

    Row ``variables`` are merged over the common ``variables``. Rows that fail are reported with
    their index and error code; the others are scheduled.
    """

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    recipients: tuple[BulkRecipient, ...]
    send_at: str | datetime
    text: str | None = None
    template_id: ids.TemplateId | None = None
    variables: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class UpdateScheduledMessage:
    """Change a PENDING message: its recipient, its time, or its content (text, or template
    with variables); None leaves a part as it is."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    message_id: ids.ScheduledMessageId
    recipient: str | None = None
    send_at: str | datetime | None = None
    text: str | None = None
    template_id: ids.TemplateId | None = None
    variables: Mapping[str, str] | None = None


@attrs.frozen
class CancelScheduledMessage:
    """Withdraw a PENDING message."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    message_id: ids.ScheduledMessageId


@attrs.frozen
class DeleteScheduledMessage:
    """Remove a SENT, FAILED or CANCELED message (cancel a PENDING one first)."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    message_id: ids.ScheduledMessageId


@attrs.frozen
class GetScheduledMessage:
    """One scheduled message of the tenant."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    message_id: ids.ScheduledMessageId


@attrs.frozen
class ListScheduledMessages:
    """A page of the tenant's scheduled messages by send time, optionally filtered."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)
    status: model.ScheduleStatus | None = None
    recipient: str | None = None
    send_from: datetime | None = None
    send_until: datetime | None = None


@attrs.frozen
class SetQuietHours:
    """Set the tenant's quiet hours (``HH:MM`` local), or clear them with both None."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    start: str | None
    end: str | None


@attrs.frozen
class GetSchedulingSettings:
    """The tenant's scheduling settings (defaults when never set)."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str


@attrs.frozen
class DispatchDueMessages:
    """Send what is due: claim up to ``batch_size`` messages for ``claim_ttl`` as ``worker_id``.

    ``now`` is the dispatcher's clock (None: the handler's clock). ``claim_ttl`` must exceed the
    time one batch takes to send, or another dispatcher may take messages over (harmlessly,
    thanks to the idempotency key, but wastefully).
    """

    worker_id: str
    now: datetime | None = None
    batch_size: int = 50
    claim_ttl: timedelta = timedelta(minutes=5)


@attrs.frozen
class PurgeOldMessages:
    """Delete finished (SENT, FAILED, CANCELED) messages older than ``older_than``."""

    older_than: timedelta = DEFAULT_RETENTION
    now: datetime | None = None
