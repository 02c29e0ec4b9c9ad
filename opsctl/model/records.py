"""Typed records: one class per entity of the data contract.

Fields come in the order of the entity's schema (:mod:`opsctl.model.entities`),
so loaders build records positionally. ``extra`` keeps the columns a file has
beyond the contract (never rejected): plugins and rules read them as attributes
of the row. Tracking events use :class:`opsctl.tracking.TrackingEvent`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any


@dataclass(slots=True)
class Location:
    """A warehouse, store or 3PL site that ships orders."""

    location_id: str
    country: str
    postal_code: str | None
    latitude: float | None
    longitude: float | None
    timezone: str
    #: Orders placed before this local time leave the same (business) day.
    cutoff_local: time
    #: Business days between the cutoff and the hand-over to the carrier.
    handling_days: int
    #: Orders a day; ``None`` means unlimited.
    daily_capacity: int | None
    #: Channels served; empty means all.
    channels: tuple[str, ...]
    #: Lower is preferred.
    priority: int
    #: Business-day calendar such as ``GB-ENG``; defaults to the country.
    calendar: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class StockLevel:
    """How many units of a SKU a location holds."""

    location_id: str
    sku: str
    on_hand: int
    reserved: int
    safety_stock: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def available(self) -> int:
        """Units that can be promised: on hand less reserved and the safety stock."""
        return self.on_hand - self.reserved - self.safety_stock


@dataclass(slots=True)
class CarrierService:
    """A carrier's service between two countries, with its transit time and cost."""

    carrier: str
    service: str
    origin_country: str
    #: A country, or ``*`` for every destination.
    dest_country: str
    transit_days_min: int | None
    transit_days_max: int
    base_cost: Decimal | None
    cost_per_kg: Decimal | None
    max_weight_kg: Decimal | None
    currency: str
    #: Weekdays the carrier collects (Monday = 0).
    pickup_days: tuple[int, ...]
    saturday_delivery: bool
    calendar: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Order:
    """An order as a sales channel placed it."""

    order_id: str
    channel: str
    placed_at: datetime
    customer_type: str
    currency: str
    ship_to_country: str
    ship_to_postal_code: str | None
    ship_to_latitude: float | None
    ship_to_longitude: float | None
    service_level: str
    #: A date means "by the end of that day" in the destination's local time.
    promised_by: date | datetime | None
    shipping_paid: Decimal | None
    status: str
    cancel_reason: str | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class OrderLine:
    """One SKU of an order."""

    order_id: str
    sku: str
    quantity: int
    unit_price: Decimal
    #: Defaults to the SKU: give one when an order has the same SKU on two lines.
    line_id: str
    weight_kg: Decimal | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Shipment:
    """A parcel sent for an order."""

    shipment_id: str
    order_id: str
    carrier: str
    tracking_number: str
    service: str | None
    location_id: str | None
    shipped_at: datetime | None
    promised_by: date | datetime | None
    carrier_edd: date | datetime | None
    delivered_at: datetime | None
    shipping_cost: Decimal | None
    currency: str | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Return:
    """Units of one SKU that a customer sends back."""

    return_id: str
    order_id: str
    sku: str
    quantity: int
    requested_at: datetime | None
    received_at: datetime | None
    refunded_at: datetime | None
    reason: str | None
    refund_amount: Decimal | None
    currency: str | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Review:
    """A customer review from a review site or marketplace."""

    review_id: str
    source: str
    rating: int
    text: str | None
    title: str | None
    language: str | None
    created_at: datetime
    order_id: str | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class CheckoutEvent:
    """A GA4-shaped analytics event of the checkout funnel."""

    event_timestamp: datetime
    event_name: str
    user_pseudo_id: str
    ga_session_id: str | None
    transaction_id: str | None
    device_category: str | None
    value: Decimal | None
    currency: str | None
    extra: dict[str, Any] = field(default_factory=dict)
