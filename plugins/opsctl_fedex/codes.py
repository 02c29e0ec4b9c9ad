"""FedEx's tracking codes and what they mean in opsctl's normalised statuses.

The Track API (``POST /track/v1/trackingnumbers``) reports each scan's
``scanEvents[].eventType`` (and ``latestStatusDetail.code``) with FedEx's
tracking status codes, the same two-letter codes as the "Tracking Status Codes"
table of the FedEx Web Services Track Service guide
(FedEx_WebServices_TrackService_WSDLGuide_v2020). The list below is that table
as reproduced, with FedEx's description of each code, in the open-source FedEx
Track API type definitions (``_FedExTrackingStatusCodeEnum``) and in a FedEx
carrier module that cites the WSDL guide (BR Broker, CP Clearance in progress,
CU Customs); karrio's FedEx mapping (``modules/connectors/fedex/.../units.py``,
``TrackingStatus``) was used to cross-check DE/SE as holds, HL as
ready-for-pickup and AD/ED/OD as out-for-delivery.

Codes compare case-insensitively. Delays (DD, DY, PD) and customs delays (CD)
map to ``exception``; "Custom Delivery Option" requests (RR, RM, RC) only record
a customer's choice and map to ``in_transit``.
"""

from __future__ import annotations

from opsctl.tracking import CodeTable
from opsctl.tracking import TrackingStatus as S

_IN, _OFD, _PRE, _EXC = S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.PRE_TRANSIT, S.EXCEPTION


def event_type_key(code: str) -> str:
    return code.strip().upper()


#: (raw code, normalised status, FedEx description)
FEDEX_CODES = CodeTable(
    [
        ("AA", _IN, "At Airport"),
        ("AC", _IN, "At Canada Post facility"),
        ("AD", _OFD, "At Delivery"),
        ("AE", _IN, "Shipment arriving early"),
        ("AF", _IN, "At FedEx Facility"),
        ("AO", _IN, "Shipment arriving On-time"),
        ("AP", _PRE, "At Pickup"),
        ("AR", _IN, "Arrived"),
        ("AS", _IN, "Address corrected"),
        ("AX", _IN, "At USPS facility"),
        ("BR", _IN, "Broker"),
        ("CA", S.CANCELLED, "Shipment Cancelled"),
        ("CC", _IN, "International shipment release (cleared customs)"),
        ("CD", _EXC, "Clearance delay"),
        ("CH", _IN, "Location Changed"),
        ("CP", _IN, "Clearance in progress"),
        ("CU", _IN, "Customs"),
        ("DD", _EXC, "Delivery Delay"),
        ("DE", _EXC, "Delivery Exception"),
        ("DL", S.DELIVERED, "Delivered"),
        ("DO", S.DELIVERED, "Delivered (at Original Destination)"),
        ("DP", _IN, "Departed"),
        ("DR", _PRE, "Vehicle furnished but not used"),
        ("DS", _PRE, "Vehicle Dispatched"),
        ("DY", _EXC, "Delay"),
        ("EA", _IN, "Enroute to Airport"),
        ("ED", _OFD, "Enroute to Delivery"),
        ("EO", _IN, "Enroute to Origin Airport"),
        ("EP", _PRE, "Enroute to Pickup"),
        ("FD", _IN, "At FedEx Destination"),
        ("HA", _IN, "Hold at location request accepted"),
        ("HL", S.AVAILABLE_FOR_PICKUP, "Hold at Location"),
        ("HP", S.AVAILABLE_FOR_PICKUP, "Ready for recipient pickup"),
        ("IP", _IN, "In transit"),
        ("IT", _IN, "In Transit"),
        ("IX", _IN, "In transit (see Details)"),
        ("LO", _IN, "Left Origin"),
        ("LP", S.CANCELLED, "Return label link cancelled by shipment originator"),
        ("OC", _PRE, "Order Created"),
        ("OD", _OFD, "Out for Delivery"),
        ("OF", _IN, "At FedEx origin facility"),
        ("OX", _IN, "Shipment information sent to USPS"),
        ("PD", _EXC, "Pickup Delay"),
        ("PF", _IN, "Plane in Flight"),
        ("PL", _IN, "Plane Landed"),
        ("PM", _IN, "In Progress"),
        ("PU", S.PICKED_UP, "Picked Up"),
        ("PX", S.PICKED_UP, "Picked up (see Details)"),
        ("RC", _IN, "CDO Cancelled"),
        ("RD", S.CANCELLED, "Return label link expired"),
        ("RG", _PRE, "Return label link expiring soon"),
        ("RM", _IN, "CDO Modified"),
        ("RP", _PRE, "Return label link emailed to return sender"),
        ("RR", _IN, "CDO requested"),
        ("RS", S.RETURN_TO_SENDER, "Return to Shipper"),
        ("SE", _EXC, "Shipment Exception"),
        ("SF", _IN, "At Sort Facility"),
        ("SP", _IN, "Split Status"),
    ],
    source=(
        "FedEx Web Services Track Service guide v2020, 'Tracking Status Codes' (as reproduced "
        "in open-source FedEx Track API type definitions); cross-checked with karrio's FedEx "
        "TrackingStatus mapping"
    ),
    normalize=event_type_key,
)
