"""Reading answers of the UPS Track API (pure functions, no I/O).

The answer to ``GET /api/track/v1/details/{inquiryNumber}`` is::

    {"trackResponse": {"shipment": [{"inquiryNumber": "1Z...",
        "warnings": [{"code": "TW0001", "message": "Tracking Information Not Found"}],
        "package": [{"trackingNumber": "1Z...",
            "service": {"code": "003", "description": "UPS Ground"},
            "deliveryDate": [{"type": "SDD", "date": "20240307"}],
            "deliveryTime": {"type": "EDW", "startTime": "090000", "endTime": "130000"},
            "activity": [{"date": "20240305", "time": "210400",
                          "gmtDate": "20240306", "gmtTime": "02:04:00", "gmtOffset": "-05:00",
                          "location": {"address": {"city", "stateProvince", "postalCode",
                                                   "country"}},
                          "status": {"type": "I", "code": "DP", "statusCode": "005",
                                     "description": "Departed from Facility"}}]}]}]}}

Times: an activity's ``date`` (YYYYMMDD) and ``time`` (HHMMSS) are local to the
scan. The moment is, in order of preference: local date and time with
``gmtOffset``; else ``gmtDate`` and ``gmtTime`` as UTC; else the local date and
time read in the carrier's ``timezone`` setting, and the event's
``extra["timezone_assumed"]`` says so. The delivery window of
``deliveryTime`` has no offset and is read in that setting too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timezone, tzinfo
from typing import Any

from opsctl.tracking import (
    DeliveryEstimate,
    ParcelTracking,
    TrackingEvent,
    TrackingStatus,
    UnreadablePayload,
    parse_utc_offset,
    sorted_events,
)
from opsctl_ups.codes import UPS_CODES

CARRIER = "ups"
#: Warning and error codes of the Track API that mean "no such tracking number".
NOT_FOUND_CODES = frozenset({"TW0001", "TV1002"})
#: ``deliveryTime.type`` values that carry a window or a committed time.
WINDOW_TYPES = frozenset({"EDW", "CDW", "IDW", "CMT"})


def parse_date(text: Any) -> date:
    """``YYYYMMDD`` as a date."""
    value = str(text or "").strip()
    if len(value) != 8 or not value.isdigit():
        raise UnreadablePayload(f"{text!r} is not a YYYYMMDD date")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as exc:
        raise UnreadablePayload(f"{text!r} is not a valid date ({exc})") from None


def parse_time(text: Any) -> time:
    """``HHMMSS``, ``HMMSS`` (UPS drops the leading zero) or ``HH:MM:SS`` as a time."""
    value = str(text or "").strip().replace(":", "")
    if not value.isdigit() or len(value) > 6:
        raise UnreadablePayload(f"{text!r} is not an HHMMSS time")
    value = value.zfill(6)
    try:
        return time(int(value[:2]), int(value[2:4]), int(value[4:]))
    except ValueError as exc:
        raise UnreadablePayload(f"{text!r} is not a valid time ({exc})") from None


def activity_moment(activity: Mapping[str, Any], *, assume: tzinfo) -> tuple[datetime, bool]:
    """When an activity happened, and whether its timezone was assumed (module docstring)."""
    local = None
    if activity.get("date"):
        clock = parse_time(activity.get("time") or "000000")
        local = datetime.combine(parse_date(activity["date"]), clock)
    if local and activity.get("gmtOffset"):
        return local.replace(tzinfo=parse_utc_offset(str(activity["gmtOffset"]))), False
    if activity.get("gmtDate") and activity.get("gmtTime"):
        utc = datetime.combine(parse_date(activity["gmtDate"]), parse_time(activity["gmtTime"]))
        return utc.replace(tzinfo=timezone.utc), False
    if local is None:
        raise UnreadablePayload(f"activity without a date: {dict(activity)!r:.120}")
    return local.replace(tzinfo=assume), True


def classify(status: Mapping[str, Any]) -> tuple[str | None, TrackingStatus | None]:
    """The raw code of an activity (``statusCode``, else ``type``) and its status."""
    raw_code = status.get("statusCode") or status.get("type") or None
    return raw_code, UPS_CODES.status_of(raw_code)


def format_location(location: Any) -> str | None:
    """``"Louisville, KY, 40213, US"`` from an activity's ``location.address``."""
    address = location.get("address") if isinstance(location, Mapping) else None
    if not isinstance(address, Mapping):
        return None
    keys = ("city", "stateProvince", "postalCode", "country")
    text = ", ".join(str(address[key]) for key in keys if address.get(key))
    return text or None


def parse_activity(activity: Any, tracking_number: str, *, assume: tzinfo) -> TrackingEvent:
    """One UPS activity as a :class:`TrackingEvent`."""
    if not isinstance(activity, Mapping):
        raise UnreadablePayload(f"activity is not an object: {activity!r:.80}")
    status = activity.get("status") if isinstance(activity.get("status"), Mapping) else {}
    occurred_at, assumed = activity_moment(activity, assume=assume)
    raw_code, normalised = classify(status)
    extra: dict[str, Any] = {"status_type": status.get("type"), "activity_code": status.get("code")}
    if not activity.get("time"):
        extra["time_missing"] = True
    if assumed:
        extra["timezone_assumed"] = str(assume)
    return TrackingEvent(
        tracking_number=tracking_number,
        occurred_at=occurred_at,
        status=normalised,
        carrier=CARRIER,
        raw_code=raw_code,
        description=status.get("description"),
        location=format_location(activity.get("location")),
        extra=extra,
    )


def parse_estimate(package: Mapping[str, Any], *, assume: tzinfo) -> DeliveryEstimate | None:
    """The scheduled (or rescheduled) delivery day, with its window when UPS gives one."""
    dates = {
        d.get("type"): d.get("date")
        for d in package.get("deliveryDate") or []
        if isinstance(d, Mapping)
    }
    planned = dates.get("RDD") or dates.get("SDD")
    if not planned:
        return None
    day = parse_date(planned)
    slot = package.get("deliveryTime") if isinstance(package.get("deliveryTime"), Mapping) else {}
    if slot.get("type") not in WINDOW_TYPES:
        return DeliveryEstimate(day)

    def at(value: Any) -> datetime | None:
        return datetime.combine(day, parse_time(value)).replace(tzinfo=assume) if value else None

    return DeliveryEstimate(day, at(slot.get("startTime")), at(slot.get("endTime")))


def not_found_message(document: Any) -> str | None:
    """UPS's "not found" message when the answer says the number is unknown, else ``None``."""
    notes: list[Any] = []
    if isinstance(document, Mapping):
        response = document.get("response") if isinstance(document.get("response"), Mapping) else {}
        notes += response.get("errors") or []
        for shipment in (document.get("trackResponse") or {}).get("shipment") or []:
            if isinstance(shipment, Mapping):
                notes += shipment.get("warnings") or []
    for note in notes:
        if isinstance(note, Mapping) and note.get("code") in NOT_FOUND_CODES:
            return str(note.get("message") or "UPS has no information for this tracking number")
    return None


def parse_track_response(document: Any, tracking_number: str, *, assume: tzinfo) -> ParcelTracking:
    """The parcel for ``tracking_number`` in a Track API answer with packages."""
    shipments = (
        (document.get("trackResponse") or {}).get("shipment")
        if isinstance(document, Mapping)
        else None
    )
    if not isinstance(shipments, list) or not shipments:
        raise UnreadablePayload("the answer has no 'trackResponse.shipment' list")
    packages = [
        p
        for s in shipments
        if isinstance(s, Mapping)
        for p in s.get("package") or []
        if isinstance(p, Mapping)
    ]
    if not packages:
        raise UnreadablePayload("the shipment has no 'package'")
    matching = [p for p in packages if p.get("trackingNumber") == tracking_number]
    package = matching[0] if matching else packages[0]
    events = [
        parse_activity(a, tracking_number, assume=assume) for a in package.get("activity") or []
    ]
    service = package.get("service") if isinstance(package.get("service"), Mapping) else {}
    return ParcelTracking(
        tracking_number=tracking_number,
        events=sorted_events(events),
        estimated_delivery=parse_estimate(package, assume=assume),
        service=service.get("description") or service.get("code"),
    )
