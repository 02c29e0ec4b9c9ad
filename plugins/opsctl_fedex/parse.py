"""Reading answers of the FedEx Track API (pure functions, no I/O).

The answer to ``POST /track/v1/trackingnumbers`` (up to 30 numbers) is::

    {"transactionId": "...",
     "output": {"completeTrackResults": [{"trackingNumber": "...", "trackResults": [{
         "trackingNumberInfo": {"trackingNumber": "...", "carrierCode": "FDXG"},
         "error": {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND", "message": "..."},
         "serviceDetail": {"type": "FEDEX_GROUND", "description": "FedEx Ground"},
         "estimatedDeliveryTimeWindow": {"window": {"begins": "...", "ends": "..."}},
         "standardTransitTimeWindow": {"window": {"ends": "..."}},
         "dateAndTimes": [{"type": "ESTIMATED_DELIVERY", "dateTime": "..."}],
         "scanEvents": [{"date": "2024-03-05T10:22:00-06:00", "eventType": "PU",
                         "eventDescription": "Picked up", "derivedStatusCode": "PU",
                         "exceptionCode": "", "exceptionDescription": "",
                         "scanLocation": {"city", "stateOrProvinceCode", "postalCode",
                                          "countryCode"}}]}]}]}}

Scan dates carry the scan's UTC offset; one without is read in the carrier's
``timezone`` setting and flagged in ``extra["timezone_assumed"]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from opsctl.tracking import (
    DeliveryEstimate,
    ParcelTracking,
    ProblemKind,
    TrackingEvent,
    TrackingProblem,
    UnreadablePayload,
    parse_timestamp,
    sorted_events,
)
from opsctl_fedex.codes import FEDEX_CODES

CARRIER = "fedex"


def format_location(location: Any) -> str | None:
    """``"MEMPHIS, TN, 38118, US"`` from a scan's ``scanLocation``."""
    if not isinstance(location, Mapping):
        return None
    keys = ("city", "stateOrProvinceCode", "postalCode", "countryCode")
    text = ", ".join(str(location[key]) for key in keys if location.get(key))
    return text or None


#: The form of FedEx's scan dates, ``2024-03-05T10:22:00-06:00``: read by
#: ``datetime.fromisoformat`` directly, to the same value as ``parse_timestamp``.
_SCAN_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-5][0-9]"
)


def scan_time(text: str, assume: tzinfo) -> tuple[datetime, bool]:
    """``parse_timestamp(text, assume=assume)``, by the short road for FedEx's usual form."""
    if _SCAN_DATE.fullmatch(text):
        try:
            return datetime.fromisoformat(text), False
        except ValueError:  # out of range: parse_timestamp says why
            pass
    return parse_timestamp(text, assume=assume)


def parse_scan(scan: Any, tracking_number: str, *, assume: tzinfo) -> TrackingEvent:
    """One FedEx scan event as a :class:`TrackingEvent`."""
    if not isinstance(scan, Mapping) or not scan.get("date"):
        raise UnreadablePayload(f"scan event without a date: {scan!r:.120}")
    occurred_at, assumed = scan_time(str(scan["date"]), assume)
    raw_code = scan.get("eventType") or scan.get("derivedStatusCode") or None
    extra: dict[str, Any] = {
        "derived_status_code": scan.get("derivedStatusCode"),
        "exception_code": scan.get("exceptionCode") or None,
    }
    if assumed:
        extra["timezone_assumed"] = str(assume)
    return TrackingEvent(
        tracking_number=tracking_number,
        occurred_at=occurred_at,
        status=FEDEX_CODES.status_of(raw_code),
        carrier=CARRIER,
        raw_code=raw_code,
        description=scan.get("eventDescription") or scan.get("derivedStatus"),
        location=format_location(scan.get("scanLocation")),
        reason=scan.get("exceptionDescription") or None,
        extra=extra,
    )


def _moment(value: Any, assume: tzinfo) -> datetime | None:
    return parse_timestamp(str(value), assume=assume)[0] if value else None


def parse_estimate(result: Mapping[str, Any], *, assume: tzinfo) -> DeliveryEstimate | None:
    """The estimated window, else the ``ESTIMATED_DELIVERY`` time, else the standard window."""
    window = (result.get("estimatedDeliveryTimeWindow") or {}).get("window") or {}
    start, end = _moment(window.get("begins"), assume), _moment(window.get("ends"), assume)
    if not (start or end):
        for stamp in result.get("dateAndTimes") or []:
            if isinstance(stamp, Mapping) and stamp.get("type") == "ESTIMATED_DELIVERY":
                end = _moment(stamp.get("dateTime"), assume)
    if not (start or end):
        standard = (result.get("standardTransitTimeWindow") or {}).get("window") or {}
        end = _moment(standard.get("ends"), assume)
    moment = end or start
    return DeliveryEstimate(moment.date(), start, end) if moment else None


def problem_of(result: Mapping[str, Any]) -> TrackingProblem | None:
    """The per-number error of a track result, if it has one."""
    error = result.get("error")
    if not isinstance(error, Mapping):
        return None
    code = str(error.get("code") or "")
    kind = ProblemKind.NOT_FOUND if code.endswith("NOTFOUND") else ProblemKind.REJECTED
    message = str(error.get("message") or code or "FedEx could not track this number")
    return TrackingProblem(kind, f"{code}: {message}" if code else message)


def latest_scan_time(result: Mapping[str, Any]) -> str:
    """A sort key: the latest scan date of a track result (ISO strings sort by time)."""
    dates = [str(s.get("date")) for s in result.get("scanEvents") or [] if isinstance(s, Mapping)]
    return max(dates, default="")


def parse_complete_result(complete: Mapping[str, Any], *, assume: tzinfo) -> ParcelTracking:
    """The parcel of one ``completeTrackResults`` entry.

    A number FedEx reused has several ``trackResults``; the one with the latest
    scan is the current shipment.
    """
    number = str(complete.get("trackingNumber") or "")
    results = [r for r in complete.get("trackResults") or [] if isinstance(r, Mapping)]
    if not results:
        raise UnreadablePayload(f"no trackResults for {number!r}")
    result = max(results, key=latest_scan_time)
    problem = problem_of(result)
    if problem:
        return ParcelTracking(number, problem=problem)
    events = [parse_scan(scan, number, assume=assume) for scan in result.get("scanEvents") or []]
    service = (
        result.get("serviceDetail") if isinstance(result.get("serviceDetail"), Mapping) else {}
    )
    return ParcelTracking(
        tracking_number=number,
        events=sorted_events(events),
        estimated_delivery=parse_estimate(result, assume=assume),
        service=service.get("description") or service.get("type"),
    )


def complete_results(document: Any) -> list[Mapping[str, Any]]:
    """The ``output.completeTrackResults`` of an answer; a whole-answer shape error raises."""
    output = document.get("output") if isinstance(document, Mapping) else None
    results = output.get("completeTrackResults") if isinstance(output, Mapping) else None
    if not isinstance(results, list):
        raise UnreadablePayload("the answer has no 'output.completeTrackResults' list")
    return [r for r in results if isinstance(r, Mapping)]
