"""What the store keeps for tracking besides the events: the polling state of ``track sync``.

``opsctl track sync`` remembers, per shipment, when it last asked the carrier,
when it may ask again, how many times in a row the carrier did not know the
number, and whether polling has stopped for good (delivered, cancelled or
expired). The events themselves go to the ``tracking_events`` repository.

:class:`TrackingLedger` is the seam: a backend implements it beside its
:class:`~opsctl.store.base.Store` (SQL only in the backend's package), and
:meth:`Store.tracking_ledger` returns it. Writes join the store's current
transaction, so one batch's events and polling state commit together.
"""

from __future__ import annotations

import abc
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from opsctl.tracking import TrackingStatus

#: A stored event's identity within one carrier: (tracking number, moment, event code).
#: The event code is the raw code, else the status (see ``docs/store.md``).
EventKey = tuple[str, datetime, str]


@dataclass(frozen=True, slots=True)
class PollState:
    """What ``track sync`` knows of polling one shipment's tracking number.

    ``failures`` counts consecutive polls where the carrier did not know or
    refused the number; ``next_poll_at`` is the earliest moment of the next
    poll. ``final`` means polling has stopped for good, for ``final_reason``:
    ``delivered``, ``cancelled`` or ``expired``.
    """

    shipment_id: str
    carrier: str
    tracking_number: str
    first_polled_at: datetime | None = None
    last_polled_at: datetime | None = None
    next_poll_at: datetime | None = None
    failures: int = 0
    final: bool = False
    final_reason: str | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class TrackedShipment:
    """A shipment that ``track sync`` may still poll, with what the store knows of it.

    ``latest_status`` is the status of the latest stored event that has one
    (unmapped events are skipped); ``last_event_at`` the time of the latest
    stored event of any kind. ``poll`` is ``None`` before the first poll.
    """

    shipment_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    latest_status: TrackingStatus | None
    last_event_at: datetime | None
    poll: PollState | None = None


@dataclass(frozen=True, slots=True)
class UnmappedCount:
    """Stored events of one carrier and raw code that have no normalised status."""

    carrier: str
    raw_code: str
    events: int


class TrackingLedger(abc.ABC):
    """Polling state per shipment, and the event look-ups ``track sync`` needs."""

    @abc.abstractmethod
    def open_shipments(
        self, carriers: Collection[str] = (), *, due_by: datetime | None = None
    ) -> Iterator[TrackedShipment]:
        """Shipments not known to be over: no ``delivered_at``, polling not stopped.

        ``carriers`` limits them to these carrier names (all when empty);
        ``due_by`` to those never polled or whose next poll is at or before it.
        """

    @abc.abstractmethod
    def open_counts(self, carriers: Collection[str] = ()) -> dict[str, int]:
        """How many shipments :meth:`open_shipments` would give, per carrier name."""

    @abc.abstractmethod
    def event_keys(self, carrier: str, tracking_numbers: Collection[str]) -> set[EventKey]:
        """The keys of the stored events of these numbers, from ``carrier`` or no named one."""

    @abc.abstractmethod
    def record_polls(self, polls: Iterable[PollState]) -> None:
        """Store these polling states, replacing the shipments' previous ones."""

    @abc.abstractmethod
    def poll_state(self, shipment_id: str) -> PollState | None:
        """The polling state of one shipment, or ``None`` if it was never polled."""

    @abc.abstractmethod
    def record_estimates(self, estimates: Iterable[tuple[str, date]]) -> int:
        """Set ``carrier_edd`` of shipments, by shipment id; return how many changed."""

    @abc.abstractmethod
    def unmapped_codes(self) -> list[UnmappedCount]:
        """Stored events without a status, counted per carrier and raw code."""

    @abc.abstractmethod
    def shipment_at(self, index: int) -> str | None:
        """The id of the ``index``-th shipment (from 0) in shipment id order, if there is one."""

    @abc.abstractmethod
    def shipment_timelines(
        self, start: str | None = None, stop: str | None = None
    ) -> Iterator[tuple]:
        """Every shipment with its order's SLA facts and its events' timeline, by shipment id
        (those from id ``start`` on and before id ``stop``, when given).

        Rows of :data:`SHIPMENT_TIMELINE_COLUMNS`, values as stored (timestamps
        as ISO 8601 UTC text, deadlines as dates or timestamps in text, the
        shipment's extra columns as JSON text); the order's columns are NULL
        without a stored order, the timeline's without a stored event. The
        timeline folds every event of the shipment's tracking number, from any
        carrier, as :class:`opsctl.sla.timeline.Timeline` does; the store keeps
        it up to date whenever events are written.
        """


#: The columns of :meth:`TrackingLedger.shipment_timelines`.
SHIPMENT_TIMELINE_COLUMNS = (
    "shipment_id",
    "order_id",
    "carrier",
    "service",
    "tracking_number",
    "location_id",
    "shipped_at",
    "promised_by",
    "carrier_edd",
    "delivered_at",
    "extra",
    "order_channel",
    "order_placed_at",
    "order_ship_to_country",
    "order_ship_to_latitude",
    "order_ship_to_longitude",
    "order_promised_by",
    "events",
    "unmapped",
    "first_event_at",
    "last_event_at",
    "label_created_at",
    "first_scan_at",
    "last_scan_at",
    "reached_customer_at",
    "delivered_at",
    "latest_status",
    "latest_status_at",
    "latest_reason",
)
