"""Reading answers of DHL's Shipment Tracking – Unified API (pure functions, no I/O).

The answer to ``GET /track/shipments?trackingNumber=...`` is::

    {"shipments": [{"id": "...", "service": "parcel-de",
                    "status": {EVENT}, "events": [{EVENT}, ...],
                    "estimatedTimeOfDelivery": "2024-03-06T18:00:00+01:00",
                    "estimatedDeliveryTimeFrame": {"estimatedFrom": ..., "estimatedThrough": ...},
                    "details": {"product": {"productName": "DHL PAKET (parcel)"}, ...}}]}

where an EVENT is ``{"timestamp", "statusCode", "status", "description",
"location": {"address": {"addressLocality", "postalCode", "countryCode"}}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, tzinfo
from typing import Any

from opsctl.tracking import (
    DeliveryEstimate,
    ParcelTracking,
    TrackingEvent,
    TrackingStatus,
    UnreadablePayload,
    parse_timestamp,
    sorted_events,
)
from opsctl_dhl.codes import DHL_CODES

CARRIER = "dhl"


def classify(
    status_code: str | None, status_text: str | None
) -> tuple[str | None, TrackingStatus | None]:
    """The raw code of an event and its normalised status.

    A ``status`` text listed in the code table is the most specific code;
    otherwise the documented ``statusCode`` is; a code the table does not know
    stays unmapped (``None``).
    """
    if status_text and status_text in DHL_CODES:
        return status_text, DHL_CODES.status_of(status_text)
    if status_code:
        return status_code, DHL_CODES.status_of(status_code)
    return status_text or None, None


def format_location(location: Any) -> str | None:
    """``"Leipzig, 04158, DE"`` from an event's ``location.address``."""
    address = location.get("address") if isinstance(location, Mapping) else None
    if not isinstance(address, Mapping):
        return None
    parts = [address.get(key) for key in ("addressLocality", "postalCode", "countryCode")]
    text = ", ".join(str(part) for part in parts if part)
    return text or None


def parse_event(event: Any, tracking_number: str, *, assume: tzinfo) -> TrackingEvent:
    """One DHL event as a :class:`TrackingEvent`."""
    if not isinstance(event, Mapping) or not event.get("timestamp"):
        raise UnreadablePayload(f"event without a timestamp: {event!r:.120}")
    occurred_at, assumed = parse_timestamp(str(event["timestamp"]), assume=assume)
    raw_code, status = classify(event.get("statusCode"), event.get("status"))
    extra: dict[str, Any] = {"status_code": event.get("statusCode")}
    if assumed:
        extra["timezone_assumed"] = str(assume)
    return TrackingEvent(
        tracking_number=tracking_number,
        occurred_at=occurred_at,
        status=status,
        carrier=CARRIER,
        raw_code=raw_code,
        description=event.get("description") or event.get("status"),
        location=format_location(event.get("location")),
        reason=event.get("remark"),
        extra=extra,
    )


def parse_estimate(shipment: Mapping[str, Any], *, assume: tzinfo) -> DeliveryEstimate | None:
    """DHL's estimated delivery: ``estimatedTimeOfDelivery`` and its time frame."""
    frame = shipment.get("estimatedDeliveryTimeFrame") or {}
    start = frame.get("estimatedFrom") if isinstance(frame, Mapping) else None
    end = frame.get("estimatedThrough") if isinstance(frame, Mapping) else None
    eta = shipment.get("estimatedTimeOfDelivery")
    window_start = parse_timestamp(start, assume=assume)[0] if start else None
    window_end = parse_timestamp(end, assume=assume)[0] if end else None
    if eta:
        if len(str(eta)) == 10:
            return DeliveryEstimate(date.fromisoformat(str(eta)), window_start, window_end)
        moment = parse_timestamp(str(eta), assume=assume)[0]
        return DeliveryEstimate(moment.date(), window_start, window_end or moment)
    if window_end:
        return DeliveryEstimate(window_end.date(), window_start, window_end)
    return None


def parse_shipments(document: Any, tracking_number: str, *, assume: tzinfo) -> ParcelTracking:
    """The parcel for ``tracking_number`` in a ``/track/shipments`` answer."""
    shipments = document.get("shipments") if isinstance(document, Mapping) else None
    if not isinstance(shipments, list) or not shipments:
        raise UnreadablePayload("the answer has no 'shipments' list")
    matching = [s for s in shipments if isinstance(s, Mapping) and s.get("id") == tracking_number]
    shipment = matching[0] if matching else shipments[0]
    if not isinstance(shipment, Mapping):
        raise UnreadablePayload("a shipment is not an object")
    raw_events = shipment.get("events") or ([shipment["status"]] if shipment.get("status") else [])
    events = [parse_event(event, tracking_number, assume=assume) for event in raw_events]
    product = (shipment.get("details") or {}).get("product") or {}
    return ParcelTracking(
        tracking_number=tracking_number,
        events=sorted_events(events),
        estimated_delivery=parse_estimate(shipment, assume=assume),
        service=product.get("productName") or shipment.get("service"),
    )
