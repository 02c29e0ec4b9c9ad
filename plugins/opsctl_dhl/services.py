"""Standard transit times of DHL services, in business days.

The SLA engine uses these only when a shipment's service has no row in the
``carrier_services`` data. Sources: DHL Express product descriptions (time
definite products such as EXPRESS 9:00/10:30/12:00 are delivered "by the next
possible business day"; EXPRESS WORLDWIDE 1-3 days depending on the lane;
ECONOMY SELECT 2-5 days within Europe) and DHL Paket's published delivery times
(national parcels usually the next working day, 1-2 days; DHL Paket
International 2-8 days within Europe). Aliases are the names and codes the
Unified API reports in ``service`` and ``details.product.productName``, and the
DHL Express global product codes.
"""

from __future__ import annotations

from opsctl.tracking import TransitTable, TransitTime

TRANSIT_TIMES = TransitTable(
    [
        TransitTime(
            "EXPRESS WORLDWIDE",
            1,
            3,
            aliases=("express", "P", "U", "D", "EXPRESS WORLDWIDE doc", "EXPRESS WORLDWIDE nondoc"),
            note="international; depends on the lane",
        ),
        TransitTime("EXPRESS 12:00", 1, 1, aliases=("T", "Y"), note="next possible business day"),
        TransitTime("EXPRESS 10:30", 1, 1, aliases=("L", "M"), note="next possible business day"),
        TransitTime("EXPRESS 9:00", 1, 1, aliases=("K", "E"), note="next possible business day"),
        TransitTime("ECONOMY SELECT", 2, 5, aliases=("W", "H"), note="within Europe"),
        TransitTime(
            "DHL PAKET", 1, 2, aliases=("parcel-de", "DHL PAKET (parcel)"), note="within Germany"
        ),
        TransitTime(
            "DHL PAKET INTERNATIONAL",
            2,
            8,
            aliases=("DHL PAKET INTERNATIONAL (parcel)",),
            note="within Europe",
        ),
    ],
    source="DHL Express product descriptions and DHL Paket delivery times (dhl.com)",
)
