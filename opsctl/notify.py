"""Notifications: what SLA checks tell people, and the notifiers that deliver it.

Two audiences get different streams:

* ``ops``: a shipment's SLA verdict changed to one that needs action (late,
  at risk, stalled, failed...), once per change;
* ``customer``: the important stages of a parcel (shipped, out for delivery,
  delivered, delayed, exception), once each, never per scan.

Notifiers are plugins (``register_notifiers``). Each is configured by its own
``[notify.<name>]`` table, whose secrets are ``${ENV_VAR}`` references resolved
only when the notifier sends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

Audience = Literal["ops", "customer"]
#: The customer-facing stages, in the order a parcel goes through them.
CUSTOMER_STAGES = ("shipped", "out_for_delivery", "delivered", "delayed", "exception")


@dataclass(frozen=True)
class Notification:
    """One thing worth telling someone about one shipment."""

    audience: Audience
    event: str
    shipment_id: str
    title: str
    message: str
    occurred_at: datetime
    previous: str | None = None
    order_id: str | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (timestamps as ISO 8601)."""
        from opsctl.output import to_jsonable

        return to_jsonable(asdict(self))

    def line(self) -> str:
        """One line for chat messages and digests."""
        return f"{self.title}: {self.message}"


@dataclass(frozen=True)
class Delivery:
    """How one notifier should send: its settings and a way to resolve its secrets."""

    settings: Mapping[str, Any]
    secret: Callable[[str], str | None]
    digest: bool = False


@runtime_checkable
class Notifier(Protocol):
    """What a plugin registers through ``register_notifiers``."""

    name: str

    def send(self, notifications: Sequence[Notification], delivery: Delivery) -> None:
        """Deliver ``notifications``; raise :class:`~opsctl.errors.ServiceError` on failure.

        With ``delivery.digest`` send them together (one message), else one each.
        """
        ...
