"""The fixed facts of the demo shop: who it is, what it sells, where it ships from and with whom.

Fellside Outfitters Ltd is a fictional outdoor clothing and equipment brand from
Leeds. It sells on its own web shop, on Amazon and eBay, and wholesale to
independent outdoor stores; it fulfils from its own Leeds warehouse, a 3PL in
Venlo (NL), its Dublin store (ship-from-store) and a 3PL in Reno (US).

Everything here is static and seed-independent; the generator only draws from it.
Money is held in minor units (pence, cents) so that no float ever reaches a file.
"""

from __future__ import annotations

from dataclasses import dataclass

SHOP_NAME = "Fellside Outfitters"
SHOP_LEGAL_NAME = "Fellside Outfitters Ltd"
SHOP_DOMAIN = "fellside-outfitters.co.uk"
SHOP_TIMEZONE = "Europe/London"
SHOP_CALENDAR = "GB-ENG"
SHOP_CURRENCY = "GBP"
ORDER_CUTOFF_SECOND = 14 * 3600
"""Orders placed before 14:00 shop time on a working day are promised as dispatched that day."""

CURRENCY_OF_COUNTRY = {"GB": "GBP", "US": "USD"}
"""Every other destination (the euro countries) pays in EUR."""

RETAIL_MARKUP = {"GBP": 100, "EUR": 115, "USD": 127}
"""Local list price as a percentage of the GBP price, before rounding to a .99 price point."""


@dataclass(frozen=True, slots=True)
class Product:
    """One sellable SKU."""

    sku: str
    name: str
    category: str  # "apparel" or "equipment"
    price_pence: int  # GBP list price
    weight_grams: int
    popularity: float  # relative demand


def _apparel(
    code: str,
    name: str,
    price: int,
    grams: int,
    sizes: str,
    colours: str = "",
    popularity: float = 1.0,
) -> list[Product]:
    products = []
    for colour in colours.split() or [""]:
        for size in sizes.split():
            suffix = f"{colour}-{size}" if colour else size
            label = f"{name} ({colour + ', ' if colour else ''}{size})"
            products.append(
                Product(
                    f"FS-{code}-{suffix}",
                    label,
                    "apparel",
                    price * 100,
                    grams,
                    popularity * _SIZE_DEMAND.get(size, 1.0),
                )
            )
    return products


def _equipment(
    code: str, name: str, price: int, grams: int, colours: str = "", popularity: float = 1.0
) -> list[Product]:
    if not colours:
        return [Product(f"FS-{code}", name, "equipment", price * 100, grams, popularity)]
    return [
        Product(
            f"FS-{code}-{colour}", f"{name} ({colour})", "equipment", price * 100, grams, popularity
        )
        for colour in colours.split()
    ]


_SIZE_DEMAND = {
    "XS": 0.4,
    "S": 0.8,
    "M": 1.3,
    "L": 1.2,
    "XL": 0.7,
    "30": 0.7,
    "32": 1.2,
    "34": 1.1,
    "36": 0.6,
    "UK6": 0.6,
    "UK7": 0.9,
    "UK8": 1.2,
    "UK9": 1.2,
    "UK10": 0.9,
    "UK11": 0.6,
}

PRODUCTS: tuple[Product, ...] = tuple(
    _apparel("JKT-STORM", "Stormfell Waterproof Jacket", 149, 620, "S M L XL", "NVY RED", 2.2)
    + _apparel("JKT-DOWN", "Skiddaw Down Jacket", 189, 480, "S M L XL", "BLK", 1.4)
    + _apparel("FLC-MID", "Helvellyn Midlayer Fleece", 59, 380, "S M L XL", "GRN GRY", 1.6)
    + _apparel("BSL-MERINO", "Merino Base Layer Top", 65, 220, "S M L XL", "", 1.2)
    + _apparel("TRS-TREK", "Langdale Trekking Trousers", 79, 450, "30 32 34 36", "", 1.3)
    + _apparel("TEE-TECH", "Borrowdale Tech Tee", 29, 160, "S M L XL", "BLU ORG", 1.5)
    + _apparel("SCK-HIKE", "Hiking Socks 2-Pack", 18, 120, "S M L", "", 2.5)
    + _apparel("HAT-BEANIE", "Merino Beanie", 22, 80, "ONE", "CHA MUS", 1.4)
    + _apparel("GLV-WIND", "Windproof Gloves", 27, 100, "S M L", "", 1.1)
    + _apparel("JKT-KIDS", "Kids Puddle Jacket", 45, 350, "4Y 6Y 8Y 10Y", "", 0.8)
    + _apparel(
        "SHO-TRAIL", "Fellrunner Trail Shoes", 119, 850, "UK6 UK7 UK8 UK9 UK10 UK11", "", 0.9
    )
    + _apparel(
        "BOOT-LEATHER", "Scafell Leather Boots", 169, 1550, "UK6 UK7 UK8 UK9 UK10 UK11", "", 0.8
    )
    + _equipment("TNT-2P", "Wasdale 2-Person Tent", 229, 2400, popularity=0.9)
    + _equipment("TNT-4P", "Eskdale 4-Person Tent", 389, 6800, popularity=0.4)
    + _equipment("SLB-3S", "Three-Season Sleeping Bag", 119, 1350, popularity=0.8)
    + _equipment("SLB-DOWN", "Down Sleeping Bag -5C", 249, 1050, popularity=0.5)
    + _equipment("MAT-AIR", "Insulated Air Mat", 79, 550, popularity=0.9)
    + _equipment("PCK-30", "Catbells 30L Daypack", 69, 950, "BLK TEAL", 1.3)
    + _equipment("PCK-65", "Coniston 65L Rucksack", 159, 2100, popularity=0.6)
    + _equipment("POL-TREK", "Carbon Trekking Poles (pair)", 89, 480, popularity=0.8)
    + _equipment("HDL-400", "400-Lumen Headtorch", 39, 90, popularity=1.8)
    + _equipment("STV-GAS", "Compact Gas Stove", 49, 280, popularity=0.9)
    + _equipment("POT-TI", "Titanium Cook Pot", 45, 190, popularity=0.7)
    + _equipment("BTL-STEEL", "Insulated Steel Bottle 750ml", 27, 420, "SLT FOR SUN", 1.2)
    + _equipment("FLK-1L", "Vacuum Flask 1L", 35, 600, popularity=1.0)
    + _equipment("NAV-COMPASS", "Baseplate Compass", 28, 70, popularity=0.8)
    + _equipment("FAK-TREK", "Trek First Aid Kit", 25, 300, popularity=1.0)
    + _equipment("BVY-EMERG", "Emergency Bivvy Bag", 15, 130, popularity=0.9)
    + _equipment("GTR-NEO", "Neoprene Gaiters", 35, 310, "SM LXL", 0.6)
    + _equipment("LMP-CAMP", "Rechargeable Camp Lantern", 32, 260, popularity=0.8)
    + _equipment("CHR-CAMP", "Folding Camp Chair", 55, 1300, popularity=0.7)
    + _equipment("TBL-CAMP", "Aluminium Camp Table", 85, 2900, popularity=0.4)
    + _equipment("SLB-LINER", "Silk Sleeping Bag Liner", 35, 140, popularity=0.6)
    + _equipment("DRY-BAG", "Dry Bag Set (3)", 24, 200, popularity=1.1)
    + _equipment("MAP-CASE", "Waterproof Map Case", 14, 60, popularity=0.7)
)

SOLD_OUT_SKUS = (
    "FS-JKT-STORM-NVY-M",
    "FS-JKT-DOWN-BLK-L",
    "FS-SHO-TRAIL-UK9",
    "FS-HDL-400",
    "FS-PCK-30-TEAL",
    "FS-FLC-MID-GRN-M",
)
"""Popular SKUs that sell out during the period: orders for them late in the month are cancelled."""

LOW_STOCK_SKUS = (
    "FS-TNT-2P",
    "FS-BOOT-LEATHER-UK8",
    "FS-SCK-HIKE-M",
    "FS-BSL-MERINO-L",
    "FS-BTL-STEEL-SUN",
    "FS-TRS-TREK-32",
    "FS-MAT-AIR",
)
"""SKUs whose on-hand stock ends the period at or below safety stock."""


@dataclass(frozen=True, slots=True)
class Location:
    """A place the shop ships from."""

    location_id: str
    name: str
    kind: str
    city: str
    country: str
    postal_code: str
    latitude: str
    longitude: str
    timezone: str
    cutoff_second: int
    handling_days: int
    capacity_share: float  # daily capacity as a share of the average daily order count
    channels: str
    priority: int
    calendar: str
    assortment: str  # "all", "eu" (3PL range), "store" (apparel), "us" (best sellers)

    @property
    def cutoff_local(self) -> str:
        """Cutoff as ``HH:MM``."""
        hours, minutes = divmod(self.cutoff_second // 60, 60)
        return f"{hours:02d}:{minutes:02d}"


LOCATIONS: tuple[Location, ...] = (
    Location(
        "leeds-dc",
        "Fellside Leeds DC",
        "warehouse",
        "Leeds",
        "GB",
        "LS10 1RJ",
        "53.7703",
        "-1.5283",
        "Europe/London",
        15 * 3600,
        0,
        0.85,
        "web;amazon;ebay;wholesale",
        1,
        "GB-ENG",
        "all",
    ),
    Location(
        "venlo-3pl",
        "ShipHub Venlo (3PL)",
        "3pl",
        "Venlo",
        "NL",
        "5928 LN",
        "51.3937",
        "6.1567",
        "Europe/Amsterdam",
        16 * 3600,
        0,
        0.35,
        "web;amazon;ebay",
        2,
        "NL",
        "eu",
    ),
    Location(
        "dublin-store",
        "Fellside Dublin store",
        "store",
        "Dublin",
        "IE",
        "D02 XY45",
        "53.3418",
        "-6.2625",
        "Europe/Dublin",
        12 * 3600,
        1,
        0.05,
        "web",
        3,
        "IE",
        "store",
    ),
    Location(
        "reno-3pl",
        "Sierra Fulfilment Reno (3PL)",
        "3pl",
        "Reno",
        "US",
        "89502",
        "39.4997",
        "-119.7745",
        "America/Los_Angeles",
        12 * 3600,
        0,
        0.10,
        "web;amazon",
        2,
        "US-NV",
        "us",
    ),
)
LOCATION_BY_ID = {location.location_id: location for location in LOCATIONS}


def carries(location: Location, product: Product) -> bool:
    """Whether a location stocks a SKU at all (its assortment)."""
    if location.assortment == "all":
        return True
    if location.assortment == "eu":
        return product.sku not in ("FS-TNT-4P", "FS-TBL-CAMP", "FS-CHR-CAMP") and not (
            product.sku.startswith("FS-JKT-KIDS")
        )
    if location.assortment == "store":
        return product.category == "apparel" and not product.sku.startswith("FS-BOOT")
    return product.popularity >= 1.2 and product.weight_grams < 2000


@dataclass(frozen=True, slots=True)
class CarrierService:
    """One row of a carrier rate card."""

    carrier: str
    service: str  # economy / standard / express: the service level it fulfils
    service_name: str
    origin_country: str
    dest_country: str  # ISO code or "*"
    transit_days_min: int
    transit_days_max: int
    base_cost: int  # minor units
    cost_per_kg: int  # minor units
    max_weight_kg: float
    currency: str
    pickup_days: str
    saturday_delivery: bool
    calendar: str


def _services(origin: str, currency: str, calendar: str, rows: list[tuple]) -> list[CarrierService]:
    services = []
    for carrier, service, name, dests, tmin, tmax, base, per_kg, max_kg, pickup, saturday in rows:
        for dest in dests.split():
            services.append(
                CarrierService(
                    carrier,
                    service,
                    name,
                    origin,
                    dest,
                    tmin,
                    tmax,
                    base,
                    per_kg,
                    max_kg,
                    currency,
                    pickup,
                    saturday,
                    calendar,
                )
            )
    return services


_EU_DESTS = "DE FR NL IE ES"
_ABROAD = "DE FR NL IE ES US"
CARRIER_SERVICES: tuple[CarrierService, ...] = tuple(
    _services(
        "GB",
        "GBP",
        "GB-ENG",
        [
            (
                "royalmail",
                "economy",
                "Royal Mail Tracked 48",
                "GB",
                2,
                3,
                295,
                30,
                20,
                "Mon-Sat",
                True,
            ),
            (
                "royalmail",
                "standard",
                "Royal Mail Tracked 24",
                "GB",
                1,
                2,
                385,
                35,
                20,
                "Mon-Sat",
                True,
            ),
            (
                "royalmail",
                "express",
                "Royal Mail Special Delivery Guaranteed by 1pm",
                "GB",
                1,
                1,
                850,
                40,
                10,
                "Mon-Fri",
                False,
            ),
            (
                "royalmail",
                "standard",
                "Royal Mail International Tracked",
                _ABROAD,
                3,
                7,
                980,
                410,
                2,
                "Mon-Fri",
                False,
            ),
            ("dpd", "standard", "DPD Next Day", "GB", 1, 1, 460, 15, 30, "Mon-Fri", False),
            ("dpd", "express", "DPD Before 12", "GB", 1, 1, 790, 20, 30, "Mon-Fri", False),
            ("dpd", "standard", "DPD Classic", _EU_DESTS, 2, 4, 895, 85, 31.5, "Mon-Fri", False),
            ("ups", "standard", "UPS Standard", _EU_DESTS, 2, 5, 940, 135, 70, "Mon-Fri", False),
            (
                "ups",
                "express",
                "UPS Express Saver",
                _EU_DESTS,
                1,
                2,
                1850,
                390,
                70,
                "Mon-Fri",
                False,
            ),
            (
                "ups",
                "express",
                "UPS Worldwide Express Saver",
                "US",
                2,
                3,
                2400,
                520,
                70,
                "Mon-Fri",
                False,
            ),
            ("dhl", "express", "DHL Express Worldwide", "*", 1, 3, 1690, 360, 70, "Mon-Fri", False),
            (
                "fedex",
                "express",
                "FedEx International Priority",
                _ABROAD,
                1,
                3,
                1750,
                380,
                68,
                "Mon-Fri",
                False,
            ),
            (
                "fedex",
                "economy",
                "FedEx International Economy",
                _ABROAD,
                3,
                6,
                1290,
                240,
                68,
                "Mon-Fri",
                False,
            ),
        ],
    )
    + _services(
        "NL",
        "EUR",
        "NL",
        [
            ("dhl", "standard", "DHL Parcel", "NL", 1, 1, 495, 10, 31.5, "Mon-Sat", True),
            (
                "dhl",
                "standard",
                "DHL Parcel Connect",
                "DE FR IE ES",
                2,
                4,
                720,
                55,
                31.5,
                "Mon-Fri",
                False,
            ),
            ("dhl", "express", "DHL Express Worldwide", "*", 1, 2, 1950, 320, 70, "Mon-Fri", False),
            ("dpd", "standard", "DPD Classic", "*", 1, 4, 680, 50, 31.5, "Mon-Fri", False),
            ("dpd", "economy", "DPD Classic", "*", 1, 4, 680, 50, 31.5, "Mon-Fri", False),
            ("ups", "standard", "UPS Standard", "*", 1, 4, 810, 70, 70, "Mon-Fri", False),
            ("ups", "express", "UPS Express Saver", "*", 1, 2, 2100, 340, 70, "Mon-Fri", False),
            (
                "fedex",
                "economy",
                "FedEx International Economy",
                "*",
                3,
                5,
                1050,
                190,
                68,
                "Mon-Fri",
                False,
            ),
        ],
    )
    + _services(
        "IE",
        "EUR",
        "IE",
        [
            ("dpd", "standard", "DPD Ireland Next Day", "IE", 1, 1, 550, 20, 30, "Mon-Fri", False),
            ("dpd", "economy", "DPD Ireland Next Day", "IE", 1, 1, 550, 20, 30, "Mon-Fri", False),
            ("dpd", "standard", "DPD Classic", "*", 2, 4, 1050, 90, 31.5, "Mon-Fri", False),
            ("ups", "express", "UPS Express Saver", "*", 1, 2, 1790, 310, 70, "Mon-Fri", False),
        ],
    )
    + _services(
        "US",
        "USD",
        "US-NV",
        [
            (
                "usps",
                "economy",
                "USPS Ground Advantage",
                "US",
                2,
                5,
                590,
                95,
                31.7,
                "Mon-Sat",
                True,
            ),
            ("usps", "standard", "USPS Priority Mail", "US", 1, 3, 935, 120, 31.7, "Mon-Sat", True),
            (
                "usps",
                "express",
                "USPS Priority Mail Express",
                "US",
                1,
                2,
                2875,
                240,
                31.7,
                "Mon-Sat",
                True,
            ),
            ("ups", "standard", "UPS Ground", "US", 1, 5, 1080, 85, 68, "Mon-Fri", False),
            ("ups", "express", "UPS 2nd Day Air", "US", 2, 2, 2140, 290, 68, "Mon-Fri", False),
            ("fedex", "standard", "FedEx Home Delivery", "US", 1, 5, 1040, 80, 68, "Mon-Fri", True),
            ("fedex", "express", "FedEx 2Day", "US", 2, 2, 2210, 300, 68, "Mon-Fri", False),
        ],
    )
)

CARRIER_PREFERENCE = {
    "GB": {"royalmail": 5.0, "dpd": 3.0, "ups": 2.0, "dhl": 1.5, "fedex": 1.0},
    "NL": {"dhl": 3.0, "dpd": 3.0, "ups": 2.0, "fedex": 1.0},
    "IE": {"dpd": 3.0, "ups": 1.0},
    "US": {"usps": 4.0, "ups": 2.0, "fedex": 2.0},
}
"""How the shop spreads parcels over the carriers it has accounts with, per origin country."""


@dataclass(frozen=True, slots=True)
class City:
    """A destination city and how its postal codes look."""

    name: str
    country: str
    timezone: str
    latitude: float
    longitude: float
    postal: str  # pattern, see generator.postal_code
    weight: float


def _cities(country: str, zone: str, rows: list[tuple]) -> list[City]:
    return [
        City(name, country, row_zone or zone, lat, lon, postal, weight)
        for name, lat, lon, postal, weight, row_zone in rows
    ]


CITIES: dict[str, tuple[City, ...]] = {
    "GB": tuple(
        _cities(
            "GB",
            "Europe/London",
            [
                ("London", 51.5072, -0.1276, "GB:E1 N7 SW11 SE15 NW3 W5 E17 N16", 9.0, ""),
                ("Manchester", 53.4808, -2.2426, "GB:M1 M14 M20 M21", 3.0, ""),
                ("Birmingham", 52.4862, -1.8904, "GB:B1 B15 B29 B13", 2.8, ""),
                ("Leeds", 53.8008, -1.5491, "GB:LS1 LS6 LS8 LS17", 2.0, ""),
                ("Glasgow", 55.8642, -4.2518, "GB:G1 G12 G41", 2.0, ""),
                ("Edinburgh", 55.9533, -3.1883, "GB:EH1 EH10 EH6", 2.0, ""),
                ("Bristol", 51.4545, -2.5879, "GB:BS1 BS6 BS8", 1.8, ""),
                ("Sheffield", 53.3811, -1.4701, "GB:S1 S10 S11", 1.5, ""),
                ("Newcastle upon Tyne", 54.9783, -1.6178, "GB:NE1 NE2 NE6", 1.3, ""),
                ("Liverpool", 53.4084, -2.9916, "GB:L1 L17 L18", 1.3, ""),
                ("Nottingham", 52.9548, -1.1581, "GB:NG1 NG5 NG7", 1.0, ""),
                ("Cardiff", 51.4816, -3.1791, "GB:CF10 CF11 CF14", 1.0, ""),
                ("Belfast", 54.5973, -5.9301, "GB:BT1 BT7 BT9", 0.8, ""),
                ("Kendal", 54.3280, -2.7463, "GB:LA9", 0.5, ""),
                ("Keswick", 54.6013, -3.1347, "GB:CA12", 0.4, ""),
                ("Inverness", 57.4778, -4.2247, "GB:IV1 IV2 IV3", 0.5, ""),
                ("Aberdeen", 57.1497, -2.0943, "GB:AB10 AB11 AB15", 0.6, ""),
                ("Exeter", 50.7184, -3.5339, "GB:EX1 EX2 EX4", 0.6, ""),
                ("Brighton", 50.8225, -0.1372, "GB:BN1 BN2 BN3", 0.8, ""),
                ("Oxford", 51.7520, -1.2577, "GB:OX1 OX2 OX4", 0.6, ""),
                ("Norwich", 52.6309, 1.2974, "GB:NR1 NR2 NR3", 0.5, ""),
            ],
        )
    ),
    "DE": tuple(
        _cities(
            "DE",
            "Europe/Berlin",
            [
                ("Berlin", 52.5200, 13.4050, "NUM:10115-14199", 3.0, ""),
                ("München", 48.1351, 11.5820, "NUM:80331-81929", 2.5, ""),
                ("Hamburg", 53.5511, 9.9937, "NUM:20095-22769", 2.0, ""),
                ("Köln", 50.9375, 6.9603, "NUM:50667-51149", 1.5, ""),
                ("Frankfurt am Main", 50.1109, 8.6821, "NUM:60311-60599", 1.3, ""),
                ("Stuttgart", 48.7758, 9.1829, "NUM:70173-70629", 1.0, ""),
                ("Leipzig", 51.3397, 12.3731, "NUM:04103-04357", 0.8, ""),
                ("Freiburg im Breisgau", 47.9990, 7.8421, "NUM:79098-79117", 0.6, ""),
            ],
        )
    ),
    "FR": tuple(
        _cities(
            "FR",
            "Europe/Paris",
            [
                ("Paris", 48.8566, 2.3522, "NUM:75001-75020", 3.0, ""),
                ("Lyon", 45.7640, 4.8357, "NUM:69001-69009", 1.5, ""),
                ("Marseille", 43.2965, 5.3698, "NUM:13001-13016", 1.0, ""),
                ("Toulouse", 43.6047, 1.4442, "NUM:31000-31500", 0.9, ""),
                ("Grenoble", 45.1885, 5.7245, "NUM:38000-38100", 0.8, ""),
                ("Annecy", 45.8992, 6.1294, "NUM:74000-74000", 0.5, ""),
                ("Bordeaux", 44.8378, -0.5792, "NUM:33000-33800", 0.8, ""),
                ("Lille", 50.6292, 3.0573, "NUM:59000-59800", 0.7, ""),
            ],
        )
    ),
    "NL": tuple(
        _cities(
            "NL",
            "Europe/Amsterdam",
            [
                ("Amsterdam", 52.3676, 4.9041, "NL:1011-1109", 2.5, ""),
                ("Rotterdam", 51.9244, 4.4777, "NL:3011-3089", 1.5, ""),
                ("Utrecht", 52.0907, 5.1214, "NL:3511-3585", 1.2, ""),
                ("Den Haag", 52.0705, 4.3007, "NL:2511-2597", 1.0, ""),
                ("Eindhoven", 51.4416, 5.4697, "NL:5611-5658", 0.8, ""),
                ("Groningen", 53.2194, 6.5665, "NL:9711-9747", 0.6, ""),
            ],
        )
    ),
    "IE": tuple(
        _cities(
            "IE",
            "Europe/Dublin",
            [
                ("Dublin", 53.3498, -6.2603, "IE:D01 D02 D04 D06 D6W D08 D12 D14 D18 D24", 3.0, ""),
                ("Cork", 51.8985, -8.4756, "IE:T12 T23", 1.0, ""),
                ("Galway", 53.2707, -9.0568, "IE:H91", 0.6, ""),
                ("Limerick", 52.6638, -8.6267, "IE:V94", 0.5, ""),
                ("Waterford", 52.2593, -7.1101, "IE:X91", 0.3, ""),
            ],
        )
    ),
    "US": tuple(
        _cities(
            "US",
            "America/New_York",
            [
                ("New York", 40.7128, -74.0060, "NUM:10001-10282", 2.0, ""),
                ("Brooklyn", 40.6782, -73.9442, "NUM:11201-11256", 1.0, ""),
                ("Boston", 42.3601, -71.0589, "NUM:02108-02215", 0.9, ""),
                ("Chicago", 41.8781, -87.6298, "NUM:60601-60661", 1.0, "America/Chicago"),
                ("Austin", 30.2672, -97.7431, "NUM:78701-78759", 0.6, "America/Chicago"),
                ("Denver", 39.7392, -104.9903, "NUM:80202-80239", 1.0, "America/Denver"),
                ("Salt Lake City", 40.7608, -111.8910, "NUM:84101-84128", 0.5, "America/Denver"),
                ("Seattle", 47.6062, -122.3321, "NUM:98101-98199", 1.1, "America/Los_Angeles"),
                ("Portland", 45.5152, -122.6784, "NUM:97201-97239", 0.8, "America/Los_Angeles"),
                (
                    "San Francisco",
                    37.7749,
                    -122.4194,
                    "NUM:94102-94134",
                    0.9,
                    "America/Los_Angeles",
                ),
                ("Burlington", 44.4759, -73.2121, "NUM:05401-05408", 0.3, ""),
            ],
        )
    ),
    "ES": tuple(
        _cities(
            "ES",
            "Europe/Madrid",
            [
                ("Madrid", 40.4168, -3.7038, "NUM:28001-28055", 2.0, ""),
                ("Barcelona", 41.3874, 2.1686, "NUM:08001-08042", 1.8, ""),
                ("Valencia", 39.4699, -0.3763, "NUM:46001-46026", 0.8, ""),
                ("Bilbao", 43.2630, -2.9350, "NUM:48001-48015", 0.6, ""),
                ("Granada", 37.1773, -3.5986, "NUM:18001-18015", 0.4, ""),
            ],
        )
    ),
}

CUSTOMS_UNION = frozenset({"DE", "FR", "NL", "IE", "ES"})


def crosses_customs(origin: str, dest: str) -> bool:
    """Whether a parcel clears customs on the way (GB and US are outside the EU customs union)."""
    return origin != dest and not (origin in CUSTOMS_UNION and dest in CUSTOMS_UNION)


HUBS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("ups", "GB"): (
        ("East Midlands Airport, GB", "Europe/London"),
        ("Tamworth, GB", "Europe/London"),
    ),
    ("ups", "NL"): (("Eindhoven, NL", "Europe/Amsterdam"),),
    ("ups", "IE"): (("Dublin, IE", "Europe/Dublin"),),
    ("ups", "DE"): (("Köln, DE", "Europe/Berlin"), ("Neuss, DE", "Europe/Berlin")),
    ("ups", "FR"): (("Roissy CDG, FR", "Europe/Paris"),),
    ("ups", "ES"): (("Madrid, ES", "Europe/Madrid"),),
    ("ups", "US"): (
        ("Louisville, KY, US", "America/New_York"),
        ("Hodgkins, IL, US", "America/Chicago"),
    ),
    ("dhl", "GB"): (("East Midlands Hub, GB", "Europe/London"),),
    ("dhl", "NL"): (("Amsterdam Hub, NL", "Europe/Amsterdam"), ("Venlo, NL", "Europe/Amsterdam")),
    ("dhl", "DE"): (("Leipzig Hub, DE", "Europe/Berlin"),),
    ("dhl", "FR"): (("Paris CDG Gateway, FR", "Europe/Paris"),),
    ("dhl", "IE"): (("Dublin, IE", "Europe/Dublin"),),
    ("dhl", "ES"): (("Madrid Gateway, ES", "Europe/Madrid"),),
    ("dhl", "US"): (("Cincinnati Hub, US", "America/New_York"),),
    ("fedex", "GB"): (("Stansted, GB", "Europe/London"), ("Coventry, GB", "Europe/London")),
    ("fedex", "NL"): (("Amsterdam, NL", "Europe/Amsterdam"),),
    ("fedex", "FR"): (("Roissy CDG, FR", "Europe/Paris"),),
    ("fedex", "DE"): (("Köln, DE", "Europe/Berlin"),),
    ("fedex", "US"): (
        ("Memphis, TN, US", "America/Chicago"),
        ("Indianapolis, IN, US", "America/New_York"),
    ),
    ("usps", "US"): (
        ("Reno, NV Distribution Center, US", "America/Los_Angeles"),
        ("Sacramento, CA Network Distribution Center, US", "America/Los_Angeles"),
        ("Chicago, IL Network Distribution Center, US", "America/Chicago"),
    ),
    ("royalmail", "GB"): (
        ("Leeds Mail Centre, GB", "Europe/London"),
        ("National Distribution Centre Daventry, GB", "Europe/London"),
    ),
    ("dpd", "GB"): (("Hinckley Hub, GB", "Europe/London"),),
    ("dpd", "NL"): (("Oirschot Hub, NL", "Europe/Amsterdam"),),
    ("dpd", "IE"): (("Athlone Hub, IE", "Europe/Dublin"),),
    ("dpd", "DE"): (("Aschaffenburg, DE", "Europe/Berlin"),),
    ("dpd", "FR"): (("Ris-Orangis, FR", "Europe/Paris"),),
    ("dpd", "ES"): (("Madrid, ES", "Europe/Madrid"),),
}
"""Sort hubs each carrier scans parcels at, per country, with the hub's time zone."""

COUNTRY_TIMEZONE = {
    "GB": "Europe/London",
    "NL": "Europe/Amsterdam",
    "IE": "Europe/Dublin",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "ES": "Europe/Madrid",
    "US": "America/New_York",
}


def hubs(carrier: str, country: str) -> tuple[tuple[str, str], ...]:
    """A carrier's hubs in a country, or a generic national hub when the table has none."""
    found = HUBS.get((carrier, country))
    if found:
        return found
    return ((f"{carrier.upper()} Hub, {country}", COUNTRY_TIMEZONE[country]),)
