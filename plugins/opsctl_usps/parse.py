"""Reading answers of the USPS Tracking 3.0 API (pure functions, no I/O).

The answer to ``GET /tracking/v3/tracking/{n}?expand=DETAIL`` is::

    {"trackingNumber": "9400...", "mailClass": "PRIORITY_MAIL",
     "expectedDeliveryTimeStamp": "2024-04-05T21:00:00",
     "predictedDeliveryDate": "2024-04-05",
     "predictedDeliveryWindowStartTime": "10:00", "predictedDeliveryWindowEndTime": "14:00",
     "trackingEvents": [{"eventType": "Delivered, In/At Mailbox", "eventCode": "01",
                         "eventTimestamp": "2024-04-05T12:55:00", "GMTTimestamp": "...Z",
                         "GMTOffset": "-4:00", "eventCity": "FALMOUTH", "eventState": "MA",
                         "eventZIP": "02540", "eventCountry": "", "actionCode": "",
                         "reasonCode": ""}]}

Event times: ``eventTimestamp`` is the scan's local time. The moment is that
time with its own offset when it has one, else with ``GMTOffset``, else
``GMTTimestamp`` (UTC), else the local time read in the carrier's ``timezone``
setting, flagged in ``extra["timezone_assumed"]``. Expected delivery times have
no offset and are read in that setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timezone, tzinfo
from typing import Any

from opsctl.tracking import (
    DeliveryEstimate,
    ParcelTracking,
    TrackingEvent,
    UnreadablePayload,
    parse_timestamp,
    parse_utc_offset,
    sorted_events,
)
from opsctl_usps.codes import USPS_CODES

CARRIER = "usps"
_CLOCK_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p")


def event_moment(event: Mapping[str, Any], *, assume: tzinfo) -> tuple[datetime, bool]:
    """When an event happened, and whether its timezone was assumed (module docstring)."""
    text = event.get("eventTimestamp")
    local = parse_timestamp(str(text), assume=assume) if text else None
    if local and not local[1]:
        return local
    if local and event.get("GMTOffset"):
        return local[0].replace(tzinfo=parse_utc_offset(str(event["GMTOffset"]))), False
    if event.get("GMTTimestamp"):
        return parse_timestamp(str(event["GMTTimestamp"]), assume=timezone.utc)[0], False
    if local is None:
        raise UnreadablePayload(f"event without a timestamp: {dict(event)!r:.120}")
    return local


def format_location(event: Mapping[str, Any]) -> str | None:
    """``"FALMOUTH, MA, 02540"`` from an event's city, state, ZIP and country."""
    keys = ("eventCity", "eventState", "eventZIP", "eventZIPCode", "eventCountry")
    text = ", ".join(str(event[key]) for key in keys if event.get(key))
    return text or None


def parse_event(event: Any, tracking_number: str, *, assume: tzinfo) -> TrackingEvent:
    """One USPS tracking event as a :class:`TrackingEvent`."""
    if not isinstance(event, Mapping):
        raise UnreadablePayload(f"tracking event is not an object: {event!r:.80}")
    occurred_at, assumed = event_moment(event, assume=assume)
    raw_code = event.get("eventCode") or None
    extra: dict[str, Any] = {
        "action_code": event.get("actionCode") or None,
        "reason_code": event.get("reasonCode") or None,
    }
    if assumed:
        extra["timezone_assumed"] = str(assume)
    return TrackingEvent(
        tracking_number=tracking_number,
        occurred_at=occurred_at,
        status=USPS_CODES.status_of(raw_code),
        carrier=CARRIER,
        raw_code=raw_code,
        description=event.get("eventType"),
        location=format_location(event),
        extra=extra,
    )


def parse_clock(text: Any) -> time:
    """A delivery-window time as USPS writes it: ``14:00``, ``14:00:00``, ``2:00 PM``..."""
    value = str(text).strip().upper()
    for pattern in _CLOCK_FORMATS:
        try:
            return datetime.strptime(value, pattern).time()
        except ValueError:
            continue
    raise UnreadablePayload(f"{text!r} is not a time of day")


def parse_estimate(details: Mapping[str, Any], *, assume: tzinfo) -> DeliveryEstimate | None:
    """The expected delivery (``expectedDeliveryTimeStamp`` or ``expectedDeliveryDate``),
    else the predicted one with its window."""
    expected = details.get("expectedDeliveryTimeStamp")
    if expected:
        moment = parse_timestamp(str(expected), assume=assume)[0]
        return DeliveryEstimate(moment.date(), None, moment)
    if details.get("expectedDeliveryDate"):
        return DeliveryEstimate(_date(details["expectedDeliveryDate"]))
    if not details.get("predictedDeliveryDate"):
        return None
    day = _date(details["predictedDeliveryDate"])

    def at(value: Any) -> datetime | None:
        return datetime.combine(day, parse_clock(value)).replace(tzinfo=assume) if value else None

    return DeliveryEstimate(
        day,
        at(details.get("predictedDeliveryWindowStartTime")),
        at(details.get("predictedDeliveryWindowEndTime")),
    )


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise UnreadablePayload(f"{value!r} is not an ISO date") from None


def parse_tracking_details(
    document: Any, tracking_number: str, *, assume: tzinfo
) -> ParcelTracking:
    """The parcel in a Tracking 3.0 ``DETAIL`` answer."""
    if not isinstance(document, Mapping):
        raise UnreadablePayload("the answer is not an object")
    raw_events = document.get("trackingEvents")
    if not isinstance(raw_events, list):
        raise UnreadablePayload("the answer has no 'trackingEvents' list (ask for expand=DETAIL)")
    events = [parse_event(event, tracking_number, assume=assume) for event in raw_events]
    return ParcelTracking(
        tracking_number=tracking_number,
        events=sorted_events(events),
        estimated_delivery=parse_estimate(document, assume=assume),
        service=document.get("mailClass"),
    )
