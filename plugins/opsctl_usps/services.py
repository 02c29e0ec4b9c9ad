"""Standard transit times of USPS mail classes, in business days.

The SLA engine uses these only when a shipment's service has no row in the
``carrier_services`` data. Sources: USPS's published delivery times on usps.com
(Priority Mail Express: 1-2 days; Priority Mail: 1-3; USPS Ground Advantage:
2-5; First-Class Mail: 1-5; Parcel Select, Media Mail, Library Mail and Bound
Printed Matter: 2-8; Priority Mail Express International: 3-5; Priority Mail
International: 6-10). Aliases are the ``mailClass`` values of the Tracking 3.0
API.
"""

from __future__ import annotations

from opsctl.tracking import TransitTable, TransitTime

TRANSIT_TIMES = TransitTable(
    [
        TransitTime("Priority Mail Express", 1, 2, aliases=("PRIORITY_MAIL_EXPRESS",)),
        TransitTime("Priority Mail", 1, 3, aliases=("PRIORITY_MAIL",)),
        TransitTime(
            "USPS Ground Advantage", 2, 5, aliases=("USPS_GROUND_ADVANTAGE", "Ground Advantage")
        ),
        TransitTime("First-Class Mail", 1, 5, aliases=("FIRST-CLASS_MAIL",)),
        TransitTime("Parcel Select", 2, 8, aliases=("PARCEL_SELECT", "Parcel Select Ground")),
        TransitTime("USPS Retail Ground", 2, 8, aliases=("USPS_RETAIL_GROUND",)),
        TransitTime("Media Mail", 2, 8, aliases=("MEDIA_MAIL",)),
        TransitTime("Library Mail", 2, 8, aliases=("LIBRARY_MAIL",)),
        TransitTime("Bound Printed Matter", 2, 8, aliases=("BOUND_PRINTED_MATTER",)),
        TransitTime(
            "Priority Mail Express International",
            3,
            5,
            aliases=("PRIORITY_MAIL_EXPRESS_INTERNATIONAL",),
        ),
        TransitTime(
            "Priority Mail International",
            6,
            10,
            aliases=("PRIORITY_MAIL_INTERNATIONAL_PARCELS", "Priority Mail International Parcels"),
        ),
    ],
    source="USPS delivery times (usps.com)",
)
