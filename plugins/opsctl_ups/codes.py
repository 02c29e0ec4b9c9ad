"""UPS's tracking codes and what they mean in opsctl's normalised statuses.

Each ``activity[].status`` of the Track API (``GET /api/track/v1/details/{n}``)
carries two documented codes, and opsctl uses the more specific one as the raw
code of the event:

* ``statusCode``: the three-digit package status code ("see API Codes for
  possible values" in the Track API schema, UPS-API/api-documentation
  ``Tracking.yaml``). The list below is UPS's package status code appendix
  (developer.ups.com/api/reference/tracking/appendix) as reproduced, with the
  UPS description of each code, by the public ERPNext integration that loads it
  into a "Parcel Service Settings" status table (``fillup_status_code_data``).
* ``type``: the one-letter status type, the fallback when an activity has no
  ``statusCode``: I In Transit, D Delivered, X Exception, P Pickup, M Manifest
  Pickup (UPS Tracking XML Developer Guide, "Status Type Code"; the same letters
  are listed in the comments of many UPS integrations).

Codes compare with leading zeros ignored: ``"21"``, ``"021"`` and ``"0021"``
are the same code (:func:`status_code_key`). Codes that only record a customer
request (delivery changes, holds, upgrades) map to ``in_transit``: the parcel
keeps moving; delays, holds for payment or instructions, customs information
requests and claims map to ``exception``.
"""

from __future__ import annotations

from opsctl.tracking import CodeTable
from opsctl.tracking import TrackingStatus as S


def status_code_key(code: str) -> str:
    """Three-digit status codes without their leading zeros; letters upper-cased."""
    code = code.strip().upper()
    if code.isdigit():
        return code.lstrip("0") or "0"
    return code


_IN, _OFD, _PRE, _EXC = S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.PRE_TRANSIT, S.EXCEPTION
_RTS, _FAIL, _PICKUP_POINT = S.RETURN_TO_SENDER, S.ATTEMPT_FAILED, S.AVAILABLE_FOR_PICKUP

#: (raw code, normalised status, UPS description)
UPS_CODES = CodeTable(
    [
        # -- statusCode: package status codes -----------------------------------------
        ("000", S.UNKNOWN, "Status Not Available"),
        ("003", _PRE, "Shipment Ready for UPS"),
        ("005", _IN, "On the Way"),
        ("006", _OFD, "Out for Delivery"),
        ("007", S.CANCELLED, "Shipment Information Voided"),
        ("010", _IN, "On the Way"),
        ("011", S.DELIVERED, "Delivered"),
        ("012", _IN, "Clearance in Progress"),
        ("013", _EXC, "Exception"),
        ("014", _IN, "Clearance Completed"),
        ("016", _IN, "In Warehouse"),
        ("017", _PICKUP_POINT, "Held for Customer Pickup"),
        ("018", _IN, "Delivery Change Requested: Hold for Pickup"),
        ("019", _IN, "Held for Future Delivery"),
        ("020", _IN, "Held for Future Delivery Requested"),
        ("021", _OFD, "Out for Delivery"),
        ("022", _FAIL, "First Attempt Made"),
        ("023", _FAIL, "Second Delivery Attempted"),
        ("024", _FAIL, "Final Attempt Made"),
        ("025", _IN, "On the Way"),
        ("026", S.DELIVERED, "Delivered by Local Post Office"),
        ("027", _IN, "Delivery Address Change Requested"),
        ("028", _IN, "Delivery Address Changed"),
        ("029", _EXC, "Exception: Action Required"),
        ("030", _EXC, "Local Post Office Exception"),
        ("032", _EXC, "Adverse Weather May Cause Delay"),
        ("033", _RTS, "Return to Sender Requested"),
        ("034", _RTS, "Returned to Sender"),
        ("035", _RTS, "Returning to Sender"),
        ("036", _RTS, "Returning to Sender: In Transit"),
        ("037", _OFD, "Out for Delivery"),
        ("038", S.PICKED_UP, "Picked Up by UPS"),
        ("039", _IN, "On the Way"),
        ("040", _PICKUP_POINT, "Ready for Customer Pickup"),
        ("041", _IN, "Service Upgrade Requested"),
        ("042", _IN, "Service Upgraded"),
        ("043", _PRE, "Voided Pickup"),
        ("044", _PRE, "On the Way to UPS"),
        ("045", _PRE, "On the Way to UPS"),
        ("046", _EXC, "Delay"),
        ("047", _IN, "On the Way"),
        ("048", _EXC, "Delay"),
        ("049", _EXC, "Delay: Action Required"),
        ("050", _EXC, "Address Information Required"),
        ("051", _EXC, "Delay: Emergency Situation or Severe Weather"),
        ("052", _EXC, "Delay: Severe Weather"),
        ("053", _EXC, "Delay: Severe Weather"),
        ("054", _IN, "Delivery Change Requested"),
        ("055", _IN, "Rescheduled Delivery"),
        ("056", _IN, "Service Upgrade Requested"),
        ("057", _IN, "On the Way to a Local UPS Access Point"),
        ("058", _EXC, "Clearance Information Required"),
        ("059", _EXC, "Damage Reported"),
        ("060", _FAIL, "Delivery Attempted"),
        ("061", _FAIL, "Delivery Attempted: Adult Signature Required"),
        ("062", _FAIL, "Delivery Attempted: Funds Required"),
        ("063", _IN, "Delivery Change Completed"),
        ("064", _EXC, "Delivery Refused"),
        ("065", _PRE, "Pickup Attempted"),
        ("066", _FAIL, "Post Office Delivery Attempted"),
        ("067", _RTS, "Returned to Sender by Post Office"),
        ("068", _EXC, "Sent to Lost and Found"),
        ("069", _EXC, "Unable to Deliver"),
        ("070", _IN, "Package not at UPS Access Point yet"),
        ("071", _IN, "Preparing for Delivery"),
        ("072", _OFD, "Loaded on Delivery Vehicle"),
        ("073", _IN, "In Transit to UPS Delivery Partner"),
        ("074", _IN, "UPS Delivery Partner has Shipment"),
        ("075", _IN, "Scheduled for Delivery"),
        ("076", _EXC, "UPS Delivery Partner Exception"),
        ("077", _PRE, "Scheduled for Pickup Today"),
        ("078", _OFD, "Your Driver is Arriving Soon!"),
        ("079", _PRE, "Order Processed: In Transit to UPS"),
        ("080", _PRE, "Order Processed: Ready for UPS"),
        ("081", _RTS, "Returned - Damage Reported"),
        ("082", _IN, "Delivery Instructions Received"),
        ("083", _EXC, "Held"),
        ("084", _IN, "Cleared"),
        ("085", _EXC, "Held for COD Payment"),
        ("086", _EXC, "Delay"),
        ("087", _IN, "On the Way"),
        ("088", S.UNKNOWN, "Test"),
        ("089", _OFD, "Out for Delivery"),
        ("090", _EXC, "Delay"),
        ("091", _OFD, "Out for Delivery"),
        ("092", _IN, "Customs Clearance in Progress"),
        ("093", _EXC, "Premier Recovery In Progress"),
        ("094", _IN, "Premier Recovery Completed"),
        ("095", _IN, "Additional Attempt Requested"),
        ("096", _IN, "Address Change Confirmed"),
        ("097", _IN, "Address Change Requested"),
        ("098", _IN, "Deliver to Original Address Requested"),
        ("099", _IN, "Deliver to Original Address Confirmed"),
        ("100", _IN, "Hold at UPS Access Point Confirmed"),
        ("101", _IN, "Hold at UPS Access Point Requested"),
        ("102", _IN, "Hold for Courier Requested"),
        ("103", _IN, "Hold for Courier Confirmed"),
        ("104", _EXC, "Hold for Instructions Confirmed"),
        ("105", _EXC, "Hold for Instructions Requested"),
        ("106", _IN, "Hold for Pickup Confirmed"),
        ("107", _IN, "Hold for Pickup Requested"),
        ("108", _IN, "Hold for Pickup Today Confirmed"),
        ("109", _IN, "Hold for Pickup Today Requested"),
        ("110", _IN, "Refrigeration Confirmed"),
        ("111", _IN, "Refrigeration Requested"),
        ("112", _IN, "Re-Ice Confirmed"),
        ("113", _IN, "Re-Ice Requested"),
        ("114", _IN, "Request Canceled"),
        ("115", _IN, "Reschedule Delivery Confirmed"),
        ("116", _IN, "Reschedule Delivery Requested"),
        ("117", _RTS, "Return by Saturday Confirmed"),
        ("118", _RTS, "Return to Sender Confirmed"),
        ("119", _RTS, "Return to Sender Requested"),
        ("120", _IN, "Saturday Delivery Confirmed"),
        ("121", _IN, "Saturday Delivery Requested"),
        ("122", _IN, "Upgrade Confirmed"),
        ("123", _EXC, "Pending Release From Non-UPS Broker"),
        ("124", _EXC, "Clearance Information Needed"),
        ("125", _EXC, "Clearance Information Needed"),
        ("126", _EXC, "Pending Government Agency Release"),
        ("127", _EXC, "Investigation Closed"),
        ("128", _EXC, "Investigation Canceled"),
        ("129", _EXC, "Investigation Opened"),
        ("130", _EXC, "Claim in Progress"),
        ("131", _PRE, "Final Pickup Attempted"),
        ("132", _EXC, "Airport Security Delay"),
        ("133", _PRE, "Return Label Left With Customer"),
        ("134", _IN, "Cleared Import Customs"),
        ("135", _PRE, "Second Pickup Attempted"),
        ("136", _IN, "Delivery Rescheduled for Saturday"),
        ("137", _IN, "Transferred to UPS Delivery Partner"),
        ("138", _IN, "Awaiting Scheduled Departure"),
        ("139", _EXC, "Security Access Required"),
        ("140", _EXC, "Claim Paid - Claim Payment Has Been Processed."),
        ("141", _EXC, "Incomplete Documentation Received"),
        ("142", _EXC, "Claim Voided"),
        ("143", _IN, "Delivered to Agent"),
        ("144", _PICKUP_POINT, "Delivered to Post Office for Pickup"),
        ("145", _FAIL, "Delivery Attempted"),
        ("146", _OFD, "Out for Delivery"),
        ("147", _EXC, "Seized by Law Enforcement, No Longer in UPS possession"),
        ("148", S.UNKNOWN, "Package Information Unavailable"),
        ("149", _EXC, "Prohibited Contents, Package Destroyed No Longer in UPS possession"),
        ("153", _IN, "Updated Delivery Time"),
        ("154", _IN, "Updated Delivery Date"),
        ("155", S.DELIVERED, "Delivery Photo"),
        ("156", S.DELIVERED, "Commercial Inside Release"),
        ("157", _PRE, "Shipment Ready for UPS"),
        ("158", _IN, "On the Way"),
        ("159", _IN, "On the Way"),
        ("160", S.PICKED_UP, "We Have Your Package"),
        ("161", _PICKUP_POINT, "Delivered to UPS Access Point"),
        ("162", _OFD, "Out for Delivery"),
        ("163", S.UNKNOWN, "Package Information Unavailable"),
        ("164", _IN, "On the Way"),
        ("165", _IN, "On the Way"),
        ("166", _IN, "Shipment Ready for Roadie"),
        ("167", S.PICKED_UP, "Dropped off at UPS Store by Customer"),
        ("168", S.PICKED_UP, "Dropped off at Retail Location by Customer"),
        ("169", S.PICKED_UP, "Dropped off at a UPS Access Point by Customer"),
        # -- type: status type letters (fallback) -------------------------------------
        ("I", _IN, "In Transit"),
        ("D", S.DELIVERED, "Delivered"),
        ("X", _EXC, "Exception"),
        ("P", S.PICKED_UP, "Pickup"),
        ("M", _PRE, "Manifest Pickup (billing information received)"),
    ],
    source=(
        "UPS Track API: package status codes (developer.ups.com/api/reference/tracking/appendix, "
        "as reproduced in a public ERPNext UPS integration) and status types (UPS Tracking "
        "XML Developer Guide); response schema UPS-API/api-documentation Tracking.yaml"
    ),
    normalize=status_code_key,
)
