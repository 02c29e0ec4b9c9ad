"""The records the demo shop's generator simulates: period, orders, parcels, shipments."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from typing import TypeVar

from opsctl.demo.calendars import day_number
from opsctl.demo.catalogue import CarrierService, City, Location, Product
from opsctl.demo.timelines import Timeline

AS_OF_DAYS_AFTER_PERIOD = 2
AS_OF_HOUR_UTC = 9
"""The data is exported at 09:00 UTC two days after the period ends (2026-11-02 by default)."""
PACKAGING_GRAMS = 150
T = TypeVar("T")


def money(minor: int) -> str:
    """Minor units as a decimal string with two places (``1234`` -> ``"12.34"``)."""
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"


def kilograms(grams: int) -> str:
    """Grams as kilograms with three decimals."""
    return f"{grams // 1000}.{grams % 1000:03d}"


def zone_of(country: str) -> str:
    """Pricing and promise zone of a destination country."""
    return country if country in ("GB", "US") else "EU"


def weighted_choice(rng: random.Random, shares: Sequence[tuple[T, float]]) -> T:
    """One item of ``(item, share)`` pairs, drawn with probability proportional to its share."""
    draw = rng.random() * sum(share for _, share in shares)
    for name, share in shares:
        if draw < share:
            return name
        draw -= share
    return shares[-1][0]


class Choice:
    """A weighted choice among names, with the cumulative weights computed once."""

    def __init__(self, shares: Sequence[tuple[str, float]]) -> None:
        self._names = [name for name, _ in shares]
        self._cumulative = list(accumulate(share for _, share in shares))
        self._total = self._cumulative[-1]

    def draw(self, rng: random.Random) -> str:
        """One name, drawn with probability proportional to its share."""
        return self._names[bisect(self._cumulative, rng.random() * self._total)]


@dataclass(frozen=True, slots=True)
class Period:
    """The days orders are placed on and the moment the data is exported."""

    start_day: int
    days: int
    as_of: int

    @classmethod
    def of(cls, start: date, days: int, as_of: datetime | None = None) -> Period:
        """A period of ``days`` days from ``start``; ``as_of`` defaults to the export moment."""
        if as_of is None:
            as_of = datetime.combine(
                start + timedelta(days=days + AS_OF_DAYS_AFTER_PERIOD),
                datetime.min.time(),
                tzinfo=timezone.utc,
            )
            as_of += timedelta(hours=AS_OF_HOUR_UTC)
        return cls(day_number(start), days, int(as_of.astimezone(timezone.utc).timestamp()))


@dataclass(slots=True)
class Line:
    """One order line."""

    line_id: str
    product: Product
    quantity: int
    unit_price: int


@dataclass(slots=True)
class Order:
    """One order as the shop's order system holds it."""

    number: int
    order_id: str
    channel: str
    placed_at: int
    city: City
    country: str
    currency: str
    service_level: str
    customer_no: int
    lines: list[Line] = field(default_factory=list)
    promised_day: int = 0
    shipping_paid: int = 0
    cancel_reason: str = ""
    cancelled_at: int = 0
    tags: list[str] = field(default_factory=list)

    items_total: int = 0


@dataclass(slots=True)
class Parcel:
    """Lines that leave one location together."""

    location: Location
    lines: list[Line]
    delay_days: int = 0
    grams: int = 0

    def __post_init__(self) -> None:
        self.grams = PACKAGING_GRAMS + sum(
            line.product.weight_grams * line.quantity for line in self.lines
        )

    def add(self, line: Line) -> None:
        """Pack one more line."""
        self.lines.append(line)
        self.grams += line.product.weight_grams * line.quantity


@dataclass(slots=True)
class Shipment:
    """A parcel handed to a carrier, with its tracking timeline."""

    shipment_id: str
    parcel: Parcel
    service: CarrierService
    tracking_number: str
    shipped_at: int
    scenario: str
    timeline: Timeline
    delivered_at: int | None
