"""Standard transit times of FedEx services, in business days.

The SLA engine uses these only when a shipment's service has no row in the
``carrier_services`` data. Sources: FedEx's service descriptions on fedex.com
(First, Priority and Standard Overnight: next business day; 2Day and 2Day A.M.:
two; Express Saver: three; FedEx Ground: 1-5 business days in the contiguous US,
Home Delivery likewise; Ground Economy: 2-7; International First and Priority:
1-3 business days to most destinations; International Economy and
International Connect Plus: 2-5). Aliases are the ``serviceDetail.type`` codes
of the Track API and FedEx's short names.
"""

from __future__ import annotations

from opsctl.tracking import TransitTable, TransitTime

TRANSIT_TIMES = TransitTable(
    [
        TransitTime("FedEx First Overnight", 1, 1, aliases=("FIRST_OVERNIGHT",)),
        TransitTime("FedEx Priority Overnight", 1, 1, aliases=("PRIORITY_OVERNIGHT",)),
        TransitTime("FedEx Standard Overnight", 1, 1, aliases=("STANDARD_OVERNIGHT",)),
        TransitTime("FedEx 2Day", 2, 2, aliases=("FEDEX_2_DAY",)),
        TransitTime("FedEx 2Day A.M.", 2, 2, aliases=("FEDEX_2_DAY_AM", "FedEx 2Day AM")),
        TransitTime("FedEx Express Saver", 3, 3, aliases=("FEDEX_EXPRESS_SAVER",)),
        TransitTime("FedEx Ground", 1, 5, aliases=("FEDEX_GROUND",), note="contiguous US"),
        TransitTime(
            "FedEx Home Delivery", 1, 5, aliases=("GROUND_HOME_DELIVERY",), note="contiguous US"
        ),
        TransitTime("FedEx Ground Economy", 2, 7, aliases=("SMART_POST", "FedEx SmartPost")),
        TransitTime("FedEx International First", 1, 3, aliases=("INTERNATIONAL_FIRST",)),
        TransitTime(
            "FedEx International Priority",
            1,
            3,
            aliases=("FEDEX_INTERNATIONAL_PRIORITY", "INTERNATIONAL_PRIORITY"),
        ),
        TransitTime("FedEx International Economy", 2, 5, aliases=("INTERNATIONAL_ECONOMY",)),
        TransitTime(
            "FedEx International Connect Plus", 2, 5, aliases=("FEDEX_INTERNATIONAL_CONNECT_PLUS",)
        ),
    ],
    source="FedEx service descriptions (fedex.com)",
)
