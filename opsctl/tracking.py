"""Normalised tracking statuses and events, shared by carriers and the SLA engine.

Every carrier plugin maps its raw status codes to :class:`TrackingStatus` and
keeps the raw code beside it. A raw code the carrier does not know maps to
``None`` (reported as *unmapped*), never to a guess such as ``in_transit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Protocol, runtime_checkable


class TrackingStatus(str, Enum):
    """The normalised tracking statuses of ``../shared/FORMATS.md``."""

    PRE_TRANSIT = "pre_transit"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    ATTEMPT_FAILED = "attempt_failed"
    EXCEPTION = "exception"
    RETURN_TO_SENDER = "return_to_sender"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    def __str__(self) -> str:  # so f-strings and CSV show the value
        return self.value

    @property
    def is_final(self) -> bool:
        """No further events are expected after this status."""
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({TrackingStatus.DELIVERED, TrackingStatus.CANCELLED})


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One scan or status change of a parcel, as the carrier reported it.

    ``status`` is ``None`` when the carrier's raw code is not mapped; the raw
    code is then kept in ``raw_code`` and reported by
    ``opsctl carriers codes --unmapped``.
    """

    tracking_number: str
    occurred_at: datetime
    status: TrackingStatus | None
    carrier: str | None = None
    raw_code: str | None = None
    description: str | None = None
    location: str | None = None
    reason: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)


@runtime_checkable
class Carrier(Protocol):
    """What a carrier plugin registers through ``register_carriers``."""

    #: Short, unique, lower-case name used in data files and config (``"dhl"``).
    name: str

    def map_status(self, raw_code: str) -> TrackingStatus | None:
        """The normalised status of one of this carrier's raw codes, or ``None``."""
        ...
