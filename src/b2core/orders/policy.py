"""Who acts on orders and what each actor may do: the AI drafts and submits, humans decide.

The orders context must not import ``b2core.iam`` (contexts talk only through the shared kernel),
so a human's role travels here as a plain string. The edge maps ``iam.model.Role`` onto it with
``Actor.user(user.id, user.role.value)``; the strings below equal the iam role values.
"""

from __future__ import annotations

import enum

import attrs

from b2core.shared import errors, ids

TENANT_ADMIN = "TENANT_ADMIN"
STAFF = "STAFF"
# Only people who work inside the tenant act on its orders; a platform SUPER_ADMIN does not.
TENANT_ROLES = frozenset({TENANT_ADMIN, STAFF})


class ActorKind(enum.StrEnum):
    """A person, the AI responder, or the platform itself (jobs, webhooks)."""

    USER = "user"
    AI = "ai"
    SYSTEM = "system"


@attrs.frozen
class Actor:
    """Who performs an action; a user always has an id and a role, the others neither."""

    kind: ActorKind
    user_id: ids.UserId | None = None
    role: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.kind is ActorKind.USER:
            valid = bool(self.user_id) and bool(self.role and self.role.strip())
        else:
            valid = isinstance(self.kind, ActorKind) and self.user_id is None and self.role is None
        if not valid:
            raise errors.InvalidInput(
                "a user actor needs an id and a role; the AI and the system have neither",
                code="order.bad_actor",
            )

    @classmethod
    def ai(cls) -> Actor:
        """The AI responder."""
        return cls(ActorKind.AI)

    @classmethod
    def system(cls) -> Actor:
        """The platform acting on its own."""
        return cls(ActorKind.SYSTEM)

    @classmethod
    def user(cls, user_id: ids.UserId, role: str) -> Actor:
        """A logged-in person with their role (an ``iam`` role value)."""
        return cls(ActorKind.USER, user_id, role)

    @property
    def is_human(self) -> bool:
        """Whether a person (not the AI, not the platform) acts."""
        return self.kind is ActorKind.USER


class OrderAction(enum.StrEnum):
    """Everything an actor can do to an order."""

    DRAFT = "draft"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    COMPLETE = "complete"
    CANCEL = "cancel"


# Decisions with commercial effect: a human of the tenant must take them.
HUMAN_ONLY = frozenset({OrderAction.APPROVE, OrderAction.REJECT, OrderAction.COMPLETE})


def denial(actor: Actor, action: OrderAction) -> str | None:
    """The error code refusing ``action`` to ``actor``, or None when it is allowed.

    * A user needs a tenant role (TENANT_ADMIN or STAFF) for any order action; that the user
      belongs to the order's tenant is checked at the edge, which opens tenant-bound
      repositories from the verified token.
    * The AI and the system may draft, submit and cancel (a customer withdrawing a request
      before anyone approved it), never approve, reject or complete.
    """
    if actor.kind is ActorKind.USER:
        return None if actor.role in TENANT_ROLES else "order.role_not_allowed"
    if action not in HUMAN_ONLY:
        return None
    return "order.ai_not_allowed" if actor.kind is ActorKind.AI else "order.human_required"


def is_allowed(actor: Actor, action: OrderAction) -> bool:
    """Whether ``actor`` may perform ``action`` on an order of their tenant."""
    return denial(actor, action) is None


def check(actor: Actor, action: OrderAction) -> None:
    """Raise ``errors.Forbidden`` unless ``actor`` may perform ``action``."""
    code = denial(actor, action)
    if code is not None:
        raise errors.Forbidden(f"{actor.kind.value} may not {action.value} an order", code=code)
