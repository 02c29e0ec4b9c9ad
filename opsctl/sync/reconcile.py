"""One carrier answer for one batch of shipments: new events and polling states, no I/O.

Carriers answer with a parcel's whole history every time, so an event is new
when its natural key (tracking number, time, raw code or status) is not among
the keys already stored for the shipment's carrier. Stored events take the
shipment's carrier and tracking number as the store knows them, so that a
carrier answering ``file`` (the file carrier) or a number with other spacing
never makes a duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from opsctl.store.tracking import EventKey, PollState, TrackedShipment
from opsctl.sync.policy import SyncPolicy
from opsctl.tracking import (
    ParcelTracking,
    ProblemKind,
    TrackingEvent,
    TrackingProblem,
    TrackingStatus,
    TrackResult,
)


@dataclass
class BatchOutcome:
    """What one batch of polls found, ready to store."""

    new_events: list[TrackingEvent] = field(default_factory=list)
    polls: list[PollState] = field(default_factory=list)
    #: (shipment id, the carrier's estimated delivery day)
    estimates: list[tuple[str, date]] = field(default_factory=list)
    #: Shipments the carrier answered for (with events or a per-number problem).
    polled: int = 0
    #: Answered without a new event.
    unchanged: int = 0
    #: Whose latest status is now delivered or cancelled.
    now_final: int = 0
    #: Numbers the carrier did not know, refused or answered unreadably.
    problems: int = 0


def event_key(event: TrackingEvent, tracking_number: str) -> EventKey:
    """The key an event is stored under (within its carrier)."""
    code = event.raw_code if event.raw_code is not None else str(event.status)
    return (tracking_number, event.occurred_at, code)


def latest_status(events: Sequence[TrackingEvent]) -> TrackingStatus | None:
    """The status of the latest event that has one (events are oldest first)."""
    return next((e.status for e in reversed(events) if e.status is not None), None)


def reconcile(
    shipments: Sequence[TrackedShipment],
    result: TrackResult,
    stored: set[EventKey],
    now: datetime,
    policy: SyncPolicy,
) -> BatchOutcome:
    """The new events and next polling states of ``shipments`` after ``result``.

    ``stored`` holds the keys of the events already stored for these numbers.
    """
    outcome = BatchOutcome()
    parcels = {parcel.tracking_number: parcel for parcel in result}
    seen = set(stored)
    for shipment in shipments:
        parcel = parcels.get(shipment.tracking_number.strip()) or ParcelTracking(
            shipment.tracking_number,
            problem=TrackingProblem(ProblemKind.UNREADABLE, "the carrier did not answer for it"),
        )
        outcome.polled += 1
        first_polled_at = shipment.poll.first_polled_at if shipment.poll else None
        if parcel.problem is not None:
            failures = (shipment.poll.failures if shipment.poll else 0) + 1
            outcome.problems += 1
            outcome.polls.append(
                PollState(
                    shipment.shipment_id,
                    shipment.carrier,
                    shipment.tracking_number,
                    first_polled_at=first_polled_at or now,
                    last_polled_at=now,
                    next_poll_at=now + policy.retry_delay(failures),
                    failures=failures,
                    problem=f"{parcel.problem.kind}: {parcel.problem.message}",
                )
            )
            continue
        fresh = _fresh_events(shipment, parcel, seen)
        outcome.new_events += fresh
        if not fresh:
            outcome.unchanged += 1
        if parcel.estimated_delivery is not None:
            outcome.estimates.append((shipment.shipment_id, parcel.estimated_delivery.date))
        status = latest_status(parcel.events) or shipment.latest_status
        final = status is not None and status.is_final
        outcome.now_final += final
        outcome.polls.append(
            PollState(
                shipment.shipment_id,
                shipment.carrier,
                shipment.tracking_number,
                first_polled_at=first_polled_at or now,
                last_polled_at=now,
                next_poll_at=None if final else now + policy.poll_interval,
                final=final,
                final_reason=status.value if final and status else None,
            )
        )
    return outcome


def _fresh_events(
    shipment: TrackedShipment, parcel: ParcelTracking, seen: set[EventKey]
) -> list[TrackingEvent]:
    """The parcel's events not in ``seen`` (which they join), as the shipment's events."""
    number, carrier = shipment.tracking_number, shipment.carrier
    fresh = []
    for event in parcel.events:
        if event.status is None and event.raw_code is None:
            continue  # nothing to store it under: neither a status nor a raw code
        key = event_key(event, number)
        if key in seen:
            continue
        seen.add(key)
        if event.tracking_number != number or event.carrier != carrier:
            event = replace(event, tracking_number=number, carrier=carrier)
        fresh.append(event)
    return fresh
