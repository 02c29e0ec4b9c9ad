"""What each carrier's tracking numbers and tracking events look like.

Tracking numbers follow each carrier's real format, check digit included:
UPS ``1Z`` + shipper account + service + package number (18 characters), DHL Express
10-digit waybills (mod 7), FedEx 12-digit numbers (mod 11), USPS 22-digit IMpb
numbers (mod 10), Royal Mail S10 numbers (``TM123456785GB``) and DPD 14-digit parcel
numbers. Serial parts are counters, so numbers never collide at any scale.

Events are written with the carrier's own raw code beside the normalised status.
UPS (three-digit Track API ``statusCode`` values), DHL (unified API ``statusCode``),
FedEx (scan event codes) and USPS (event codes) use their real codes, mapped as the
carrier plugins under ``plugins/`` map them; the Royal Mail ``EV...`` and DPD codes
are representative of those carriers' style. A raw code always maps to the same
normalised status within a carrier, so a plugin reproduces the ``status`` column
from ``raw_code`` alone; the codes in :data:`UNMAPPED_CODES` (real codes the
plugins do not know) have an empty status, for "unmapped" reports.
"""

from __future__ import annotations

import random

EventCode = tuple[str, str, str]
"""(raw_code, normalised status, description)"""

EVENT_CODES: dict[str, dict[str, EventCode]] = {
    "ups": {
        "label": (
            "003",
            "pre_transit",
            "Shipper created a label, UPS has not received the package yet.",
        ),
        "pickup": ("038", "picked_up", "Picked Up by UPS"),
        "origin_scan": ("005", "in_transit", "Origin Scan"),
        "depart": ("005", "in_transit", "Departed from Facility"),
        "arrive": ("005", "in_transit", "Arrived at Facility"),
        "export": ("005", "in_transit", "Export Scan"),
        "import": ("012", "in_transit", "Import Scan: clearance in progress"),
        "customs_hold": (
            "058",
            "exception",
            "Clearance information required: your package "
            "is being held for a customs clearance review.",
        ),
        "customs_ok": (
            "014",
            "in_transit",
            "Your package has been released by the government agency.",
        ),
        "delay": ("048", "exception", "Due to operating conditions, your package may be delayed."),
        "arrive_dest": ("071", "in_transit", "Preparing for Delivery"),
        "ofd": ("021", "out_for_delivery", "Out For Delivery Today"),
        "delivered": ("011", "delivered", "DELIVERED"),
        "attempt": (
            "022",
            "attempt_failed",
            "The receiver was not available for delivery. "
            "We'll make a second attempt the next business day.",
        ),
        "pickup_point": (
            "161",
            "available_for_pickup",
            "Delivered to UPS Access Point\u2122. Awaiting customer pickup.",
        ),
        "collected": ("011", "delivered", "Delivered: picked up at UPS Access Point\u2122"),
        "address_issue": (
            "050",
            "exception",
            "The address is incomplete. We're attempting to update the address.",
        ),
        "address_fixed": ("028", "in_transit", "The address has been corrected."),
        "rts": (
            "035",
            "return_to_sender",
            "Returning to Sender: the receiver did not collect "
            "the package from the UPS Access Point\u2122.",
        ),
        "returned": ("034", "return_to_sender", "Returned to Sender: delivered to shipper."),
        "unknown": ("W", "", "Warehouse Scan"),
    },
    "dhl": {
        "label": ("pre-transit", "pre_transit", "Shipment information received"),
        "pickup": ("transit", "in_transit", "Shipment picked up"),
        "origin_scan": ("transit", "in_transit", "Processed at origin facility"),
        "depart": ("transit", "in_transit", "Departed Facility"),
        "arrive": ("transit", "in_transit", "Arrived at DHL Sort Facility"),
        "export": ("transit", "in_transit", "Customs status updated: export cleared"),
        "import": ("transit", "in_transit", "Arrived at destination gateway"),
        "customs_hold": (
            "failure",
            "exception",
            "Clearance event: further documents required from the receiver",
        ),
        "customs_ok": ("transit", "in_transit", "Clearance processing complete"),
        "delay": ("transit", "in_transit", "Scheduled for delivery: delayed by network volume"),
        "arrive_dest": ("transit", "in_transit", "Arrived at Delivery Facility"),
        "ofd": ("transit", "in_transit", "With delivery courier"),
        "delivered": ("delivered", "delivered", "Delivered"),
        "attempt": (
            "failure",
            "exception",
            "Recipient not available; delivery will be attempted again",
        ),
        "pickup_point": (
            "transit",
            "in_transit",
            "Shipment is ready for collection at the DHL ServicePoint",
        ),
        "collected": ("delivered", "delivered", "Delivered - collected at DHL ServicePoint"),
        "address_issue": ("failure", "exception", "Incorrect or incomplete delivery address"),
        "address_fixed": ("transit", "in_transit", "Delivery address updated"),
        "rts": ("failure", "exception", "Returned to shipper: not collected"),
        "returned": ("failure", "exception", "Returned to shipper"),
        "unknown": ("unknown", "unknown", "Status not available"),
    },
    "fedex": {
        "label": ("OC", "pre_transit", "Shipment information sent to FedEx"),
        "pickup": ("PU", "picked_up", "Picked up"),
        "origin_scan": ("AR", "in_transit", "Arrived at FedEx location"),
        "depart": ("DP", "in_transit", "Left FedEx origin facility"),
        "arrive": ("AR", "in_transit", "Arrived at FedEx location"),
        "export": ("IT", "in_transit", "International shipment release - Export"),
        "import": ("CP", "in_transit", "Clearance in progress"),
        "customs_hold": ("CD", "exception", "Clearance delay - Import"),
        "customs_ok": ("CC", "in_transit", "International shipment release - Import"),
        "delay": ("DY", "exception", "Delay: local weather conditions"),
        "arrive_dest": ("FD", "in_transit", "At local FedEx facility"),
        "ofd": ("OD", "out_for_delivery", "On FedEx vehicle for delivery"),
        "delivered": ("DL", "delivered", "Delivered"),
        "attempt": (
            "DE",
            "exception",
            "Delivery exception: customer not available or business closed",
        ),
        "pickup_point": ("HL", "available_for_pickup", "Ready for pickup at FedEx location"),
        "collected": ("DL", "delivered", "Delivered: picked up at FedEx location"),
        "address_issue": ("SE", "exception", "Shipment exception: incorrect address"),
        "address_fixed": ("AS", "in_transit", "Address corrected"),
        "rts": ("RS", "return_to_sender", "Return to shipper"),
        "returned": ("RS", "return_to_sender", "Returned to shipper: delivered"),
        "unknown": ("TR", "", "Transfer"),
    },
    "usps": {
        "label": ("GX", "pre_transit", "Shipping Label Created, USPS Awaiting Item"),
        "pickup": ("03", "picked_up", "USPS picked up item"),
        "origin_scan": ("10", "in_transit", "Processed Through USPS Facility"),
        "depart": ("EF", "in_transit", "Departed USPS Regional Facility"),
        "arrive": ("10", "in_transit", "Arrived at USPS Regional Facility"),
        "export": ("EF", "in_transit", "Departed USPS Facility"),
        "import": ("10", "in_transit", "Processed Through USPS Facility"),
        "customs_hold": ("05", "exception", "Held in customs"),
        "customs_ok": ("10", "in_transit", "Processed Through USPS Facility"),
        "delay": ("71", "exception", "Rescheduled to Next Delivery Day"),
        "arrive_dest": ("07", "in_transit", "Arrived at Post Office"),
        "ofd": ("OF", "out_for_delivery", "Out for Delivery"),
        "delivered": ("01", "delivered", "Delivered, Front Door/Porch"),
        "attempt": ("02", "attempt_failed", "Notice Left (No Authorized Recipient Available)"),
        "pickup_point": ("16", "available_for_pickup", "Available for Pickup"),
        "collected": ("01", "delivered", "Delivered, Individual Picked Up at Post Office"),
        "address_issue": ("05", "exception", "Undeliverable as Addressed"),
        "address_fixed": ("10", "in_transit", "Processed Through USPS Facility"),
        "rts": ("31", "return_to_sender", "Return to Sender: Not Picked Up"),
        "returned": ("09", "return_to_sender", "Delivered, To Original Sender"),
        "unknown": ("L1", "", "Departed USPS Regional Facility"),
    },
    "royalmail": {
        "label": ("EVPPA", "pre_transit", "Sender preparing item"),
        "pickup": ("EVNCO", "picked_up", "Item collected from sender"),
        "origin_scan": ("EVNMI", "in_transit", "Item received at mail centre"),
        "depart": ("EVAIP", "in_transit", "Item leaving mail centre"),
        "arrive": ("EVORI", "in_transit", "Item received at distribution centre"),
        "export": ("EVAIE", "in_transit", "Item leaving the UK"),
        "import": ("EVIMP", "in_transit", "Item arrived in destination country"),
        "customs_hold": ("EVCHS", "exception", "Item held by customs"),
        "customs_ok": ("EVCRL", "in_transit", "Item released by customs"),
        "delay": ("EVDLY", "exception", "Item delayed - we're working to get it to you"),
        "arrive_dest": ("EVDAV", "in_transit", "Item arrived at delivery office"),
        "ofd": ("EVGPD", "out_for_delivery", "Out for delivery"),
        "delivered": ("EVKSP", "delivered", "Delivered"),
        "attempt": ("EVKNA", "attempt_failed", "We tried to deliver your item - card left"),
        "pickup_point": (
            "EVDLC",
            "available_for_pickup",
            "Item ready for collection at the delivery office",
        ),
        "collected": ("EVKSC", "delivered", "Collected from the delivery office"),
        "address_issue": ("EVNAI", "exception", "Delivery office is checking the address"),
        "address_fixed": ("EVNAR", "in_transit", "Address checked - item back in the network"),
        "rts": ("EVRTS", "return_to_sender", "Item being returned to sender"),
        "returned": ("EVRTD", "return_to_sender", "Item returned to sender"),
        "unknown": ("EVLUX", "", "Item scanned"),
    },
    "dpd": {
        "label": ("DATA_RECEIVED", "pre_transit", "We have your parcel details"),
        "pickup": ("ACCEPTED", "picked_up", "Your parcel has been collected"),
        "origin_scan": ("AT_SENDING_DEPOT", "in_transit", "Your parcel is at the sending depot"),
        "depart": ("ON_THE_ROAD", "in_transit", "Your parcel is on its way"),
        "arrive": ("ON_THE_ROAD", "in_transit", "Your parcel has arrived at our hub"),
        "export": ("ON_THE_ROAD", "in_transit", "Your parcel has left the country of origin"),
        "import": (
            "ON_THE_ROAD",
            "in_transit",
            "Your parcel has arrived in the destination country",
        ),
        "customs_hold": ("CUSTOMS", "exception", "Your parcel is held by customs"),
        "customs_ok": ("CUSTOMS_CLEARED", "in_transit", "Your parcel has cleared customs"),
        "delay": ("DELAYED", "exception", "Your parcel is delayed"),
        "arrive_dest": ("AT_DELIVERY_DEPOT", "in_transit", "Your parcel is at the delivery depot"),
        "ofd": ("OUT_FOR_DELIVERY", "out_for_delivery", "Your parcel is out for delivery"),
        "delivered": ("DELIVERED", "delivered", "Your parcel has been delivered"),
        "attempt": ("NOT_DELIVERED", "attempt_failed", "We were unable to deliver your parcel"),
        "pickup_point": (
            "PARCELSHOP",
            "available_for_pickup",
            "Your parcel is ready to collect from a Pickup Shop",
        ),
        "collected": (
            "PICKED_UP_FROM_PARCELSHOP",
            "delivered",
            "Your parcel has been collected from the Pickup Shop",
        ),
        "address_issue": ("ADDRESS_ERROR", "exception", "We need more address details"),
        "address_fixed": ("ON_THE_ROAD", "in_transit", "Your parcel is on its way"),
        "rts": ("RETURN", "return_to_sender", "Your parcel is being returned to the sender"),
        "returned": ("RETURNED", "return_to_sender", "Your parcel has been returned to the sender"),
        "unknown": ("SCAN_99", "", "Parcel scanned"),
    },
}

UNMAPPED_CODES = {
    carrier: codes["unknown"][0]
    for carrier, codes in EVENT_CODES.items()
    if not codes["unknown"][1]
}
"""Per carrier, the raw code planted with an empty status (the "unmapped" examples)."""


def _ups_check_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(body, start=1):
        value = int(char) if char.isdigit() else (ord(char) - 63) % 10
        total += value * (2 if position % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def _fedex_check_digit(body: str) -> str:
    weights = (1, 3, 7)
    total = sum(int(char) * weights[index % 3] for index, char in enumerate(reversed(body)))
    return str(total % 11 % 10)


def _mod10_check_digit(body: str) -> str:
    total = sum(
        int(char) * (3 if index % 2 == 0 else 1) for index, char in enumerate(reversed(body))
    )
    return str((10 - total % 10) % 10)


def _s10_check_digit(serial: str) -> str:
    weights = (8, 6, 4, 2, 3, 5, 9, 7)
    total = sum(int(char) * weight for char, weight in zip(serial, weights, strict=True))
    check = 11 - total % 11
    return "0" if check == 10 else "5" if check == 11 else str(check)


_UPS_ACCOUNTS = {"GB": "A8R471", "NL": "V2E951", "IE": "D47F20", "US": "R9W223"}
_UPS_SERVICE_CODES = {"standard": "11", "express": "65", "economy": "03"}
_ROYAL_MAIL_PREFIXES = {"economy": "TN", "standard": "TM", "express": "ZW"}


class TrackingNumbers:
    """Issues unique tracking numbers in each carrier's format."""

    def __init__(self, rng: random.Random) -> None:
        self._serials = {
            "ups": 3_100_000,
            "dhl": 0,
            "fedex": 0,
            "usps": 0,
            "royalmail": 0,
            "dpd": 0,
        }
        self._dhl_base = 100_000_000 + int(rng.random() * 600_000_000)
        self._fedex_base = 77_000_000_000 + int(rng.random() * 9_000_000_000)
        self._usps_mailer = 900_000 + int(rng.random() * 90_000)
        self._dpd_base = int(rng.random() * 4_000_000_000)

    def issue(self, carrier: str, service: str, origin_country: str, dest_country: str) -> str:
        """The next tracking number of a carrier, for a parcel on a given service and lane."""
        serial = self._serials[carrier]
        self._serials[carrier] = serial + 1
        if carrier == "ups":
            body = (
                _UPS_ACCOUNTS[origin_country]
                + _UPS_SERVICE_CODES.get(service, "11")
                + f"{serial % 10_000_000:07d}"
            )
            return "1Z" + body + _ups_check_digit(body)
        if carrier == "dhl":
            waybill = self._dhl_base + serial
            return f"{waybill:09d}{waybill % 7}"
        if carrier == "fedex":
            body = f"{self._fedex_base + serial * 7:011d}"
            return body + _fedex_check_digit(body)
        if carrier == "usps":
            service_code = {"economy": "001", "standard": "055", "express": "701"}[service]
            body = f"94{service_code}1{self._usps_mailer:06d}{serial:09d}"
            return body + _mod10_check_digit(body)
        if carrier == "royalmail":
            prefix = "LX" if dest_country != "GB" else _ROYAL_MAIL_PREFIXES[service]
            digits = f"{(serial * 37 + 10_000_000) % 100_000_000:08d}"
            return f"{prefix}{digits}{_s10_check_digit(digits)}GB"
        depot = {"GB": "1550", "NL": "0534", "IE": "1565"}.get(origin_country, "0100")
        return f"{depot}{(self._dpd_base + serial) % 10_000_000_000:010d}"
