"""USPS's tracking event codes and what they mean in opsctl's normalised statuses.

The Tracking 3.0 API (``GET /tracking/v3/tracking/{n}?expand=DETAIL``) gives
each ``trackingEvents[]`` an ``eventCode`` from USPS Publication 199, Appendix
G-4 "USPS Domestic Tracking Scan Events" (the lookup the API's schema points
to; the same codes as the Web Tools Track/Confirm API and Publication 97's
extract file). The list below is those codes with USPS's event names as
published in the open-source ``USPS::WebTools::Tracking::Codes`` module
(``%return_to_sender``, ``%attempted_notice_left`` and ``%codes`` tables), plus
the pre-shipment and acceptance codes (GX, OA, UA, AD, GC, 83, 89) listed with
USPS's descriptions in eHub's "Tracking Event Descriptions" reference.

Codes compare case-insensitively. Return-to-sender reasons (09, 21-29, 31) map
to ``return_to_sender``; notices left and blocked or closed receptacles to
``attempt_failed``; missent, mis-shipped and undeliverable items to
``exception``.
"""

from __future__ import annotations

from opsctl.tracking import CodeTable
from opsctl.tracking import TrackingStatus as S

_IN, _PRE, _EXC = S.IN_TRANSIT, S.PRE_TRANSIT, S.EXCEPTION
_RTS, _FAIL = S.RETURN_TO_SENDER, S.ATTEMPT_FAILED


def event_code_key(code: str) -> str:
    return code.strip().upper()


#: (raw code, normalised status, USPS event name)
USPS_CODES = CodeTable(
    [
        # -- before USPS has the item ---------------------------------------------------
        ("MA", _PRE, "Manifest Acknowledgement (pre-shipment info sent to USPS)"),
        ("GX", _PRE, "Shipping Label Created"),
        ("TM", _PRE, "Shipment Received, Package Acceptance Pending"),
        ("83", _PRE, "Tendered to Postal Service"),
        ("89", _PRE, "Merchant Order Receipt Notification, USPS Awaiting Item"),
        ("GC", _PRE, "Return Receipt Associated"),
        # -- acceptance -------------------------------------------------------------------
        ("03", S.PICKED_UP, "Accept or Pickup (by carrier)"),
        ("OA", S.PICKED_UP, "Origin Acceptance"),
        ("UA", S.PICKED_UP, "Accepted at USPS Facility"),
        ("AD", S.PICKED_UP, "Acceptance at Destination"),
        ("PA", S.PICKED_UP, "Passive Acceptance"),
        ("43", S.PICKED_UP, "Picked Up"),
        ("80", S.PICKED_UP, "Picked Up by Shipping Partner"),
        # -- on the way -------------------------------------------------------------------
        ("06", _IN, "Forwarded"),
        ("07", _IN, "Arrival at Unit"),
        ("10", _IN, "Processed"),
        ("14", _IN, "Arrival at Pickup Point"),
        ("19", _IN, "DC eVS Arrive"),
        ("41", _IN, "Received at Opening Unit"),
        ("42", _IN, "USPS Handoff to Shipping Partner"),
        ("81", _IN, "Arrived Shipping Partner Facility"),
        ("82", _IN, "Departed Shipping Partner Facility"),
        ("EF", _IN, "Departed Sort Facility"),
        ("SF", _IN, "Departed Post Office"),
        ("PC", _IN, "Sorting / Processing Complete"),
        ("OF", S.OUT_FOR_DELIVERY, "Out for Delivery"),
        ("16", S.AVAILABLE_FOR_PICKUP, "Available for Pickup"),
        # -- delivered ----------------------------------------------------------------------
        ("01", S.DELIVERED, "Delivered"),
        ("17", S.DELIVERED, "Picked Up By Agent"),
        # -- failed attempts ----------------------------------------------------------------
        ("02", _FAIL, "Attempted / Notice Left"),
        ("30", _FAIL, "Delivery Attempted - No Access to Delivery Location"),
        ("51", _FAIL, "Business Closed"),
        ("52", _FAIL, "Notice Left"),
        ("53", _FAIL, "Receptacle Blocked"),
        ("54", _FAIL, "Receptacle Full / Item Oversized"),
        ("55", _FAIL, "No Secure Location Available"),
        ("56", _FAIL, "No Authorized Recipient Available"),
        # -- exceptions -----------------------------------------------------------------------
        ("04", _EXC, "Refused"),
        ("05", _EXC, "Undeliverable as Addressed"),
        ("08", _EXC, "Missent"),
        ("11", _EXC, "Dead Letter"),
        ("15", _EXC, "Mis-shipped"),
        ("71", _EXC, "Rescheduled to Next Delivery Day"),
        ("DX", _EXC, "Delivery Status Not Updated"),
        # -- returns ---------------------------------------------------------------------------
        ("09", _RTS, "Return to Sender"),
        ("21", _RTS, "Return to Sender: No Such Number"),
        ("22", _RTS, "Return to Sender: Insufficient Address"),
        ("23", _RTS, "Return to Sender: Moved, Left No Address"),
        ("24", _RTS, "Return to Sender: Forward Expired"),
        ("25", _RTS, "Return to Sender: Addressee Unknown"),
        ("26", _RTS, "Return to Sender: Vacant"),
        ("27", _RTS, "Return to Sender: Unclaimed"),
        ("28", _RTS, "Return to Sender: Deceased"),
        ("29", _RTS, "Return to Sender: Other"),
        ("31", _RTS, "Return to Sender: Not Picked Up"),
        ("44", _RTS, "Customer Recall"),
    ],
    source=(
        "USPS Publication 199 Appendix G-4 'USPS Domestic Tracking Scan Events' (as listed in "
        "USPS::WebTools::Tracking::Codes) and eHub 'Tracking Event Descriptions'; response "
        "schema from USPS Tracking 3.0 OpenAPI (as vendored by karrio)"
    ),
    normalize=event_code_key,
)
