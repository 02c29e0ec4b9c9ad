"""Standard transit times of UPS services, in business days.

The SLA engine uses these only when a shipment's service has no row in the
``carrier_services`` data. Sources: UPS's service descriptions on ups.com
(Next Day Air: next business day; 2nd Day Air: two; 3 Day Select: three;
UPS Ground: 1-5 business days in the contiguous US; Worldwide Express, Express
Plus and Saver: 1-3 business days to most destinations; Worldwide Expedited:
2-5; UPS Standard within Europe and to Canada/Mexico: 1-5; Ground Saver and
SurePost: 2-7). Aliases are the names the Track API reports in
``package.service.description`` and UPS's shipping service codes.
"""

from __future__ import annotations

from opsctl.tracking import TransitTable, TransitTime

TRANSIT_TIMES = TransitTable(
    [
        TransitTime("UPS Next Day Air", 1, 1, aliases=("01", "Next Day Air")),
        TransitTime(
            "UPS Next Day Air Early",
            1,
            1,
            aliases=("14", "UPS Next Day Air Early A.M.", "Next Day Air Early"),
        ),
        TransitTime("UPS Next Day Air Saver", 1, 1, aliases=("13", "Next Day Air Saver")),
        TransitTime("UPS 2nd Day Air", 2, 2, aliases=("02", "2nd Day Air")),
        TransitTime("UPS 2nd Day Air A.M.", 2, 2, aliases=("59", "2nd Day Air A.M.")),
        TransitTime("UPS 3 Day Select", 3, 3, aliases=("12", "3 Day Select")),
        TransitTime("UPS Ground", 1, 5, aliases=("03", "Ground"), note="contiguous US"),
        TransitTime(
            "UPS Standard",
            1,
            5,
            aliases=("11", "Standard"),
            note="within Europe, to Canada and Mexico",
        ),
        TransitTime("UPS Worldwide Express", 1, 3, aliases=("07", "UPS Express")),
        TransitTime("UPS Worldwide Express Plus", 1, 3, aliases=("54", "UPS Express Plus")),
        TransitTime("UPS Worldwide Saver", 1, 3, aliases=("65", "UPS Saver", "UPS Express Saver")),
        TransitTime("UPS Worldwide Expedited", 2, 5, aliases=("08", "UPS Expedited")),
        TransitTime("UPS Ground Saver", 2, 7),
        TransitTime("UPS SurePost", 2, 7),
    ],
    source="UPS service descriptions (ups.com)",
)
