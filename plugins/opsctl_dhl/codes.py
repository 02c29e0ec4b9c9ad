"""DHL's tracking codes and what they mean in opsctl's normalised statuses.

The Shipment Tracking – Unified API gives each event two things:

* ``statusCode``, one of five documented values (``pre-transit``, ``transit``,
  ``delivered``, ``failure``, ``unknown``). Source: the API reference
  (developer.dhl.com/api-reference/shipment-tracking, response schema of
  ``GET /track/shipments``) and DHL's developer support article 47001197243
  "What are the different status codes available in the DHL Shipment Tracking
  - Unified API?", which defines them. ``failure`` covers failed deliveries,
  customs and returns alike, so it maps to ``exception``.
* ``status``, a text that depends on the DHL division that carried the parcel
  (support article 47001251141: "sometimes a string with underscores,
  sometimes a plain sentence"). The texts below are the ones published in
  open-source DHL trackers; when an event's ``status`` is one of them it is the
  event's raw code and refines the coarse ``statusCode``:

  - Post & Parcel Germany sentences: weboob/woob ``modules/dhl/pages.py``
    (``STATUSES``, taken from parcelok.com's DHL status list) and
    sauladam/shipment-tracker ``src/Trackers/DHL.php`` (``resolveStatus``);
  - DHL Express checkpoint texts: shlee322/delivery-tracker
    ``packages/core/src/carriers/de.dhl`` (``transformDescriptionToStatus``).

Texts are compared case-insensitively, ignoring spacing, a leading "The" and a
trailing full stop (:func:`status_text_key`).
"""

from __future__ import annotations

from opsctl.tracking import CodeTable
from opsctl.tracking import TrackingStatus as S


def status_text_key(text: str) -> str:
    """How DHL codes and texts are compared (see the module docstring)."""
    key = " ".join(text.casefold().split()).rstrip(".").strip()
    return key[4:] if key.startswith("the ") else key


#: (raw code or status text, normalised status, description)
DHL_CODES = CodeTable(
    [
        # -- statusCode: the five documented values --------------------------------
        ("pre-transit", S.PRE_TRANSIT, "Awaiting shipment; tracking updates once DHL has it"),
        ("transit", S.IN_TRANSIT, "DHL has accepted or picked up the shipment; on the way"),
        ("delivered", S.DELIVERED, "The shipment was delivered"),
        (
            "failure",
            S.EXCEPTION,
            "Could not be delivered, or an unforeseen event (customs, expiry, return)",
        ),
        ("unknown", S.UNKNOWN, "No simplified status code is available"),
        # -- Post & Parcel Germany status texts (weboob, sauladam) ---------------------
        (
            "The instruction data for this shipment have been provided by the sender to DHL "
            "electronically",
            S.PRE_TRANSIT,
            "Shipment data received electronically",
        ),
        (
            "The shipment has been posted by the sender at the retail outlet",
            S.PICKED_UP,
            "Dropped off by the sender at a retail outlet",
        ),
        ("The shipment has been picked up", S.PICKED_UP, "Picked up from the sender"),
        (
            "The shipment has been processed in the parcel center of origin",
            S.IN_TRANSIT,
            "Processed in the origin parcel center",
        ),
        (
            "The shipment has been processed in the destination parcel center",
            S.IN_TRANSIT,
            "Processed in the destination parcel center",
        ),
        (
            "The international shipment has been processed in the parcel center of origin",
            S.IN_TRANSIT,
            "Processed in the origin parcel center (international)",
        ),
        (
            "The international shipment has been processed in the export parcel center",
            S.IN_TRANSIT,
            "Processed in the export parcel center",
        ),
        (
            "The shipment will be transported to the destination country and, from there, handed "
            "over to the delivery organization",
            S.IN_TRANSIT,
            "On its way to the destination country's delivery organisation",
        ),
        (
            "The shipment has arrived in the destination country",
            S.IN_TRANSIT,
            "Arrived in the destination country",
        ),
        (
            "The shipment has arrived at the parcel center",
            S.IN_TRANSIT,
            "Arrived at a parcel center",
        ),
        (
            "Shipment is prepared for customs clearance in country of destination",
            S.IN_TRANSIT,
            "Being prepared for import customs clearance",
        ),
        (
            "The shipment is being prepared for delivery in the delivery depot",
            S.IN_TRANSIT,
            "Being prepared for delivery at the depot",
        ),
        ("Scheduled for delivery", S.IN_TRANSIT, "Scheduled for delivery"),
        (
            "Shipment has arrived at delivery location",
            S.IN_TRANSIT,
            "Arrived at the delivery location (depot)",
        ),
        (
            "The shipment is on its way to the PACKSTATION",
            S.IN_TRANSIT,
            "On its way to a Packstation (parcel locker)",
        ),
        (
            "The shipment has been loaded onto the delivery vehicle",
            S.OUT_FOR_DELIVERY,
            "Loaded onto the delivery vehicle",
        ),
        ("With delivery courier", S.OUT_FOR_DELIVERY, "With the delivery courier"),
        (
            "A 2nd attempt at delivery is being made",
            S.OUT_FOR_DELIVERY,
            "Out for a second delivery attempt",
        ),
        (
            "Delivery attempted; consignee premises closed",
            S.ATTEMPT_FAILED,
            "Delivery attempted; the recipient's premises were closed",
        ),
        (
            "The shipment could not be delivered, and the recipient has been notified",
            S.ATTEMPT_FAILED,
            "Delivery failed; the recipient was notified",
        ),
        (
            "The shipment is ready for pick-up at the PACKSTATION",
            S.AVAILABLE_FOR_PICKUP,
            "Ready for pick-up at a Packstation",
        ),
        (
            "The shipment could not be delivered to the PACKSTATION and has been forwarded to a "
            "retail outlet",
            S.AVAILABLE_FOR_PICKUP,
            "Packstation full or unavailable; forwarded to a retail outlet for pick-up",
        ),
        (
            "The shipment has been damaged and is being returned to the parcel center for "
            "repackaging",
            S.EXCEPTION,
            "Damaged; being repackaged",
        ),
        ("The address is incomplete", S.EXCEPTION, "The address is incomplete"),
        (
            "The shipment was misrouted and could not be delivered. The shipment will be "
            "readdressed and forwarded to the recipient",
            S.EXCEPTION,
            "Misrouted; being readdressed to the recipient",
        ),
        ("The shipment is being returned", S.RETURN_TO_SENDER, "Being returned to the sender"),
        ("The shipment has been successfully delivered", S.DELIVERED, "Delivered"),
        (
            "The recipient has picked up the shipment from the retail outlet",
            S.DELIVERED,
            "Collected by the recipient at a retail outlet",
        ),
        (
            "The recipient has picked up the shipment from the PACKSTATION",
            S.DELIVERED,
            "Collected by the recipient at a Packstation",
        ),
        # -- DHL Express checkpoint texts (delivery-tracker) -------------------------------
        ("Shipment picked up", S.PICKED_UP, "Picked up by DHL Express"),
        ("Shipment has departed from a DHL facility", S.IN_TRANSIT, "Departed a DHL facility"),
        ("Shipment is in transit to destination", S.IN_TRANSIT, "In transit to destination"),
        ("Arrived at DHL Sort Facility", S.IN_TRANSIT, "Arrived at a DHL sort facility"),
        ("Arrived at DHL Delivery Facility", S.IN_TRANSIT, "Arrived at the delivery facility"),
        ("Clearance Event", S.IN_TRANSIT, "Customs clearance event"),
        ("Shipment is on hold", S.EXCEPTION, "On hold"),
        ("Shipment is out with courier for delivery", S.OUT_FOR_DELIVERY, "Out for delivery"),
        # Express's "Delivered" text is the statusCode "delivered" above (same key).
    ],
    source=(
        "DHL Shipment Tracking - Unified API reference and developer support articles "
        "47001197243 / 47001251141; status texts from weboob modules/dhl/pages.py, "
        "sauladam/shipment-tracker src/Trackers/DHL.php and shlee322/delivery-tracker "
        "carriers/de.dhl"
    ),
    normalize=status_text_key,
)
