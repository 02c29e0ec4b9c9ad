"""The schemas of every entity of the data contract (``docs/formats.md``).

Closed enums (a value outside the list is a bad row): tracking ``status``.
Open vocabularies (any text; the usual values are documented): order
``status``, ``customer_type`` and ``service_level``, review ``source``,
checkout ``event_name`` and ``device_category``.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from opsctl.model.records import (
    CarrierService,
    CheckoutEvent,
    Location,
    Order,
    OrderLine,
    Return,
    Review,
    Shipment,
    StockLevel,
)
from opsctl.model.schema import Column, EntitySchema
from opsctl.model.types import (
    BOOLEAN,
    CALENDAR,
    COUNTRY,
    COUNTRY_OR_ANY,
    CURRENCY,
    DEADLINE,
    DECIMAL,
    EPOCH_OR_TIMESTAMP,
    FLOAT,
    INTEGER,
    LIST,
    LOCAL_TIME,
    STRING,
    TIMESTAMP,
    TIMEZONE,
    WEEKDAYS,
)
from opsctl.tracking import TrackingEvent, TrackingStatus


def _required(name: str, kind=STRING, **options: Any) -> Column:
    return Column(name, kind, required=True, **options)


def _latitude(name: str) -> Column:
    return Column(name, FLOAT, minimum=-90, maximum=90)


def _longitude(name: str) -> Column:
    return Column(name, FLOAT, minimum=-180, maximum=180)


def _money_needs_currency(*amounts: str):
    """A check: an amount needs a currency on the same record."""

    def check(record: Any) -> tuple[str, Any, str] | None:
        if record.currency is None:
            for amount in amounts:
                if getattr(record, amount) is not None:
                    return "currency", "", f"missing value: {amount} needs a currency"
        return None

    return check


def _transit_days_in_order(service: CarrierService) -> tuple[str, Any, str] | None:
    low, high = service.transit_days_min, service.transit_days_max
    if low is not None and low > high:
        return "transit_days_min", str(low), f"'{low}' is more than transit_days_max ({high})"
    return None


def _status_or_raw_code(event: TrackingEvent) -> tuple[str, Any, str] | None:
    if event.status is None and event.raw_code is None:
        return "status", "", "missing value: a tracking event needs a status or a raw_code"
    return None


def _tracking_key(event: TrackingEvent) -> tuple[Any, ...]:
    code = event.raw_code if event.raw_code is not None else event.status.value
    return (event.carrier or "", event.tracking_number, event.occurred_at, code)


LOCATIONS = EntitySchema(
    "locations",
    Location,
    (
        _required("location_id"),
        _required("country", COUNTRY),
        Column("postal_code", STRING),
        _latitude("latitude"),
        _longitude("longitude"),
        _required("timezone", TIMEZONE),
        Column("cutoff_local", LOCAL_TIME, default=time(14, 0)),
        Column("handling_days", INTEGER, default=0, minimum=0),
        Column("daily_capacity", INTEGER, minimum=0, doc="empty = unlimited"),
        Column("channels", LIST, default=(), doc="empty = all channels"),
        Column("priority", INTEGER, default=0, doc="lower = preferred"),
        Column("calendar", CALENDAR, default_from="country"),
    ),
    ("location_id",),
    doc="Warehouses, stores and 3PL sites that ship orders.",
)

STOCK = EntitySchema(
    "stock",
    StockLevel,
    (
        _required("location_id"),
        _required("sku"),
        _required("on_hand", INTEGER, doc="may be negative when a system oversold"),
        Column("reserved", INTEGER, default=0, minimum=0),
        Column("safety_stock", INTEGER, default=0, minimum=0),
    ),
    ("location_id", "sku"),
    doc="Units of each SKU at each location.",
)

CARRIER_SERVICES = EntitySchema(
    "carrier_services",
    CarrierService,
    (
        _required("carrier"),
        _required("service"),
        _required("origin_country", COUNTRY),
        _required("dest_country", COUNTRY_OR_ANY),
        Column("transit_days_min", INTEGER, minimum=0),
        _required("transit_days_max", INTEGER, minimum=0, doc="business days"),
        Column("base_cost", DECIMAL, minimum=0),
        Column("cost_per_kg", DECIMAL, minimum=0),
        Column("max_weight_kg", DECIMAL, minimum=0),
        _required("currency", CURRENCY),
        Column("pickup_days", WEEKDAYS, default=(0, 1, 2, 3, 4), doc="default Mon-Fri"),
        Column("saturday_delivery", BOOLEAN, default=False),
        Column("calendar", CALENDAR, default_from="origin_country"),
    ),
    ("carrier", "service", "origin_country", "dest_country"),
    checks=(_transit_days_in_order,),
    doc="What each carrier service costs and how long it takes, per lane.",
)

ORDERS = EntitySchema(
    "orders",
    Order,
    (
        _required("order_id"),
        _required("channel"),
        _required("placed_at", TIMESTAMP),
        Column("customer_type", STRING, default="retail", doc="retail, wholesale, ..."),
        _required("currency", CURRENCY),
        _required("ship_to_country", COUNTRY),
        Column("ship_to_postal_code", STRING),
        _latitude("ship_to_latitude"),
        _longitude("ship_to_longitude"),
        Column("service_level", STRING, default="standard", doc="standard, express, same_day, ..."),
        Column("promised_by", DEADLINE),
        Column("shipping_paid", DECIMAL, minimum=0),
        Column("status", STRING, default="open", doc="open, cancelled, ..."),
        Column("cancel_reason", STRING),
    ),
    ("order_id",),
    doc="Orders as the sales channels placed them.",
)

ORDER_LINES = EntitySchema(
    "order_lines",
    OrderLine,
    (
        _required("order_id"),
        _required("sku"),
        _required("quantity", INTEGER, minimum=1),
        _required("unit_price", DECIMAL, minimum=0, doc="in the order's currency"),
        Column("line_id", STRING, default_from="sku"),
        Column("weight_kg", DECIMAL, minimum=0, doc="per unit"),
    ),
    ("order_id", "line_id"),
    doc="The SKUs of each order.",
)

SHIPMENTS = EntitySchema(
    "shipments",
    Shipment,
    (
        _required("shipment_id"),
        _required("order_id"),
        _required("carrier"),
        _required("tracking_number"),
        Column("service", STRING),
        Column("location_id", STRING),
        Column("shipped_at", TIMESTAMP),
        Column("promised_by", DEADLINE),
        Column("carrier_edd", DEADLINE, doc="the carrier's estimated delivery"),
        Column("delivered_at", TIMESTAMP),
        Column("shipping_cost", DECIMAL, minimum=0),
        Column("currency", CURRENCY),
    ),
    ("shipment_id",),
    checks=(_money_needs_currency("shipping_cost"),),
    doc="Parcels sent for orders.",
)

TRACKING_EVENTS = EntitySchema(
    "tracking_events",
    TrackingEvent,
    (
        _required("tracking_number"),
        _required("occurred_at", TIMESTAMP),
        Column("status", STRING, choices={status.value: status for status in TrackingStatus}),
        Column("carrier", STRING),
        Column("raw_code", STRING, doc="the carrier's own code"),
        Column("description", STRING),
        Column("location", STRING),
        Column("reason", STRING),
    ),
    ("carrier", "tracking_number", "occurred_at", "raw_code"),
    checks=(_status_or_raw_code,),
    key_parts=_tracking_key,
    doc="Scans and status changes of parcels; status or raw_code is required.",
)

RETURNS = EntitySchema(
    "returns",
    Return,
    (
        _required("return_id"),
        _required("order_id"),
        _required("sku"),
        _required("quantity", INTEGER, minimum=1),
        Column("requested_at", TIMESTAMP),
        Column("received_at", TIMESTAMP),
        Column("refunded_at", TIMESTAMP),
        Column("reason", STRING),
        Column("refund_amount", DECIMAL, minimum=0),
        Column("currency", CURRENCY),
    ),
    ("return_id", "sku"),
    checks=(_money_needs_currency("refund_amount"),),
    doc="Units customers send back, one row per return and SKU.",
)

REVIEWS = EntitySchema(
    "reviews",
    Review,
    (
        _required("review_id"),
        _required("source", doc="trustpilot, google, amazon, ..."),
        _required("rating", INTEGER, minimum=1, maximum=5),
        Column("text", STRING),
        Column("title", STRING),
        Column("language", STRING),
        _required("created_at", TIMESTAMP),
        Column("order_id", STRING),
    ),
    ("source", "review_id"),
    doc="Customer reviews from review sites and marketplaces.",
)

CHECKOUT_EVENTS = EntitySchema(
    "checkout_events",
    CheckoutEvent,
    (
        _required("event_timestamp", EPOCH_OR_TIMESTAMP),
        _required("event_name", doc="begin_checkout, add_shipping_info, purchase, ..."),
        _required("user_pseudo_id"),
        Column("ga_session_id", STRING),
        Column("transaction_id", STRING),
        Column("device_category", STRING, doc="desktop, mobile, tablet, ..."),
        Column("value", DECIMAL),
        Column("currency", CURRENCY),
    ),
    ("user_pseudo_id", "event_timestamp", "event_name"),
    checks=(_money_needs_currency("value"),),
    doc="Checkout funnel events in the shape of a GA4 export.",
)

#: Every entity, in dependency order (an entity comes after those it refers to).
ENTITIES: dict[str, EntitySchema] = {
    schema.name: schema
    for schema in (
        LOCATIONS,
        CARRIER_SERVICES,
        STOCK,
        ORDERS,
        ORDER_LINES,
        SHIPMENTS,
        TRACKING_EVENTS,
        RETURNS,
        REVIEWS,
        CHECKOUT_EVENTS,
    )
}
