"""When ``track sync`` polls a shipment, and when it stops: pure decisions, no I/O.

A shipment is polled while it is *open*: its latest status is not final
(delivered, cancelled) and it has not expired. It expires when it was shipped
more than ``max_age_days`` ago, or when nothing was heard of it for
``max_silence_days`` (no event since then, counted from its last event, else
its shipping, else its first poll). An open shipment is *due* when it was never
polled or its next poll time has come: ``poll_interval_minutes`` after a poll
that worked, or a backoff after a poll where the carrier did not know (or
refused) the number, doubling from ``not_found_retry_minutes`` up to
``not_found_retry_max_hours``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from opsctl.store.tracking import PollState, TrackedShipment
from opsctl.sync.settings import TRACK_KEYS

EXPIRED = "expired"
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class SyncPolicy:
    """The limits of ``[track]`` (see :mod:`opsctl.sync.settings`), as durations."""

    poll_interval: timedelta = timedelta(minutes=TRACK_KEYS["poll_interval_minutes"][0])
    max_age: timedelta = timedelta(days=TRACK_KEYS["max_age_days"][0])
    max_silence: timedelta = timedelta(days=TRACK_KEYS["max_silence_days"][0])
    retry_first: timedelta = timedelta(minutes=TRACK_KEYS["not_found_retry_minutes"][0])
    retry_max: timedelta = timedelta(hours=TRACK_KEYS["not_found_retry_max_hours"][0])
    batch_size: int = TRACK_KEYS["batch_size"][0]

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> SyncPolicy:
        """The policy of a ``[track]`` table (already validated by the config)."""

        def value(key: str) -> int:
            return int(section.get(key, TRACK_KEYS[key][0]))

        return cls(
            poll_interval=timedelta(minutes=value("poll_interval_minutes")),
            max_age=timedelta(days=value("max_age_days")),
            max_silence=timedelta(days=value("max_silence_days")),
            retry_first=timedelta(minutes=value("not_found_retry_minutes")),
            retry_max=timedelta(hours=value("not_found_retry_max_hours")),
            batch_size=value("batch_size"),
        )

    def retry_delay(self, failures: int) -> timedelta:
        """The wait before polling again after ``failures`` polls in a row went wrong."""
        return min(self.retry_first * 2 ** max(failures - 1, 0), self.retry_max)


def stop_reason(shipment: TrackedShipment, now: datetime, policy: SyncPolicy) -> str | None:
    """Why polling ``shipment`` stops for good (``delivered``, ``cancelled``, ``expired``).

    ``None`` while the shipment is open.
    """
    if shipment.latest_status is not None and shipment.latest_status.is_final:
        return shipment.latest_status.value
    if shipment.shipped_at is not None and now - shipment.shipped_at > policy.max_age:
        return EXPIRED
    first_polled = shipment.poll.first_polled_at if shipment.poll else None
    last_heard = shipment.last_event_at or shipment.shipped_at or first_polled
    if last_heard is not None and now - last_heard > policy.max_silence:
        return EXPIRED
    return None


def is_due(shipment: TrackedShipment, now: datetime) -> bool:
    """Whether ``shipment`` is to be polled now (never polled, or its next poll has come)."""
    poll = shipment.poll
    return poll is None or poll.next_poll_at is None or poll.next_poll_at <= now


def due_order(shipment: TrackedShipment) -> tuple[bool, datetime, str]:
    """Sort key of due shipments: never polled first, then the longest overdue."""
    poll = shipment.poll
    waiting_since = (poll.next_poll_at or poll.last_polled_at or _EPOCH) if poll else _EPOCH
    return (poll is not None, waiting_since, shipment.shipment_id)


def stopped(shipment: TrackedShipment, reason: str) -> PollState:
    """The polling state of a shipment whose polling stops for ``reason``."""
    poll = shipment.poll or PollState(
        shipment.shipment_id, shipment.carrier, shipment.tracking_number
    )
    return replace(poll, next_poll_at=None, final=True, final_reason=reason)
