"""A shipment's tracking events folded into the facts an SLA verdict needs.

Events may arrive in any order (files are rarely sorted, carriers resend old
scans), so every fact is kept as a minimum or maximum: folding the same
events in another order, or twice, gives the same timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from opsctl.tracking import TrackingEvent, TrackingStatus

S = TrackingStatus

#: Statuses that show the carrier has the parcel (a "carrier scan").
CARRIER_SCANS = frozenset(
    {
        S.PICKED_UP,
        S.IN_TRANSIT,
        S.OUT_FOR_DELIVERY,
        S.AVAILABLE_FOR_PICKUP,
        S.ATTEMPT_FAILED,
        S.EXCEPTION,
        S.RETURN_TO_SENDER,
        S.DELIVERED,
    }
)
#: Statuses that count as delivery for the promise: the carrier reached the
#: customer (a first attempt) or the parcel waits at a pickup point.
REACHED_CUSTOMER = frozenset({S.DELIVERED, S.ATTEMPT_FAILED, S.AVAILABLE_FOR_PICKUP})

#: When two events share a timestamp, the later stage wins as "latest status".
STAGE_RANK = {
    S.UNKNOWN: 0,
    S.PRE_TRANSIT: 1,
    S.PICKED_UP: 2,
    S.IN_TRANSIT: 3,
    S.EXCEPTION: 4,
    S.OUT_FOR_DELIVERY: 5,
    S.ATTEMPT_FAILED: 6,
    S.AVAILABLE_FOR_PICKUP: 7,
    S.RETURN_TO_SENDER: 8,
    S.DELIVERED: 9,
    S.CANCELLED: 10,
}


@dataclass(slots=True)
class Timeline:
    """What a shipment's events say, independent of their order.

    ``latest_status`` is the status of the most recent mapped event;
    ``unmapped`` counts events whose raw code the carrier did not know.
    """

    first_event_at: datetime | None = None
    last_event_at: datetime | None = None
    label_created_at: datetime | None = None
    first_scan_at: datetime | None = None
    last_scan_at: datetime | None = None
    reached_customer_at: datetime | None = None
    delivered_at: datetime | None = None
    latest_status: TrackingStatus | None = None
    latest_status_at: datetime | None = None
    latest_reason: str | None = None
    events: int = 0
    unmapped: int = 0
    #: The carrier and code of the latest status's event: of two events at one instant
    #: with one stage, the greater (carrier, code) gives the latest reason, as the state
    #: store's fold and the DuckDB fold choose, whatever the order of the events.
    latest_tie: tuple[str, str] = field(default=("", ""), compare=False, repr=False)

    def add(self, event: TrackingEvent) -> None:
        """Fold one event in."""
        reason = event.reason or event.description
        tie = (event.carrier or "", event.code)
        self.add_status(event.status, event.occurred_at, reason, tie)

    def add_status(
        self,
        status: TrackingStatus | None,
        at: datetime,
        reason: str | None = None,
        tie: tuple[str, str] = ("", ""),
    ) -> None:
        """Fold one event in, given its parts (the fast path for bulk loads); ``tie`` is its
        carrier and code (the raw code, else the status), which order events of one
        instant and stage (see :attr:`latest_tie`)."""
        self.events += 1
        if self.first_event_at is None or at < self.first_event_at:
            self.first_event_at = at
        if self.last_event_at is None or at > self.last_event_at:
            self.last_event_at = at
        if status is None:
            self.unmapped += 1
            return
        if status is S.PRE_TRANSIT:
            if self.label_created_at is None or at < self.label_created_at:
                self.label_created_at = at
        elif status in CARRIER_SCANS:
            if self.first_scan_at is None or at < self.first_scan_at:
                self.first_scan_at = at
            if self.last_scan_at is None or at > self.last_scan_at:
                self.last_scan_at = at
            if status in REACHED_CUSTOMER and (
                self.reached_customer_at is None or at < self.reached_customer_at
            ):
                self.reached_customer_at = at
            if status is S.DELIVERED and (self.delivered_at is None or at < self.delivered_at):
                self.delivered_at = at
        latest_at = self.latest_status_at
        if (
            latest_at is None
            or at > latest_at
            or (at == latest_at and (STAGE_RANK[status], tie) >= self._latest_key())
        ):
            self.latest_status, self.latest_status_at = status, at
            self.latest_reason, self.latest_tie = reason, tie

    def _latest_key(self) -> tuple[int, tuple[str, str]]:
        """How the latest status's event orders among events at its instant."""
        return STAGE_RANK[self.latest_status], self.latest_tie


def fold(events: list[TrackingEvent] | tuple[TrackingEvent, ...]) -> Timeline:
    """The timeline of a list of events."""
    timeline = Timeline()
    for event in events:
        timeline.add(event)
    return timeline
