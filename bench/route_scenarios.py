"""Seeded routing scenarios for the benchmarks: a European + US network and a batch of orders.

``throughput``: 8 locations in six countries, 12 carrier services, 100,000
orders of 1 to 5 lines placed over a week, stock for most of the demand,
realistic rules (wholesale consolidated, US from US sites, express must be on
time, Europe from the nearest site). ``scarce``: the same network, ~2,000
orders over three days and stock for about 80 % of the demand spread thin, so
not every promise can be kept and where each unit goes matters.

Files go to ``bench/data/route-<kind>-<orders>/`` (git-ignored) with an
``opsctl.toml`` whose ``[data]`` names them, so ``opsctl route`` runs on them
as on a shop's own exports.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path

from harness import DATA_DIR

START = datetime(2026, 3, 2, tzinfo=timezone.utc)  # a Monday


@dataclass(frozen=True)
class Site:
    location_id: str
    country: str
    postal_code: str
    latitude: float
    longitude: float
    timezone: str
    cutoff: str
    handling_days: int
    capacity_share: float  # of the average daily orders
    channels: str
    priority: int
    calendar: str
    assortment: float  # share of SKUs it carries
    stock_share: float  # share of the demand it holds


SITES = (
    Site(
        "leeds-dc",
        "GB",
        "LS10 1RJ",
        53.7703,
        -1.5283,
        "Europe/London",
        "15:00",
        0,
        0.32,
        "web;amazon;ebay;wholesale",
        1,
        "GB-ENG",
        1.0,
        0.34,
    ),
    Site(
        "venlo-3pl",
        "NL",
        "5928 LN",
        51.3937,
        6.1567,
        "Europe/Amsterdam",
        "16:00",
        0,
        0.22,
        "web;amazon;ebay;wholesale",
        2,
        "NL",
        0.8,
        0.20,
    ),
    Site(
        "berlin-3pl",
        "DE",
        "12529",
        52.3906,
        13.5186,
        "Europe/Berlin",
        "14:00",
        0,
        0.12,
        "web;amazon",
        3,
        "DE-BE",
        0.6,
        0.10,
    ),
    Site(
        "lyon-dc",
        "FR",
        "69800",
        45.7260,
        4.9130,
        "Europe/Paris",
        "13:00",
        0,
        0.10,
        "web;amazon;wholesale",
        3,
        "FR",
        0.6,
        0.09,
    ),
    Site(
        "madrid-3pl",
        "ES",
        "28906",
        40.3046,
        -3.7320,
        "Europe/Madrid",
        "14:00",
        0,
        0.07,
        "web;amazon",
        4,
        "ES-MD",
        0.5,
        0.06,
    ),
    Site(
        "dublin-store",
        "IE",
        "D02 XY45",
        53.3418,
        -6.2625,
        "Europe/Dublin",
        "12:00",
        1,
        0.02,
        "web",
        5,
        "IE",
        0.15,
        0.02,
    ),
    Site(
        "newark-3pl",
        "US",
        "07114",
        40.7066,
        -74.1745,
        "America/New_York",
        "14:00",
        0,
        0.12,
        "web;amazon",
        2,
        "US-NJ",
        0.6,
        0.11,
    ),
    Site(
        "reno-3pl",
        "US",
        "89502",
        39.4997,
        -119.7745,
        "America/Los_Angeles",
        "12:00",
        0,
        0.08,
        "web;amazon",
        3,
        "US-NV",
        0.5,
        0.08,
    ),
)
EU = ("NL", "DE", "FR", "ES", "IE")

# carrier, service, origin, destinations, transit min, max, base, per kg, max kg, currency,
# pickup days, saturday delivery: twelve carrier services over the six origin countries.
SERVICES = (
    ("royalmail", "tracked48", "GB", "GB", 2, 3, "2.95", "0.30", "20", "GBP", "Mon-Sat", True),
    ("royalmail", "tracked24", "GB", "GB", 1, 2, "3.85", "0.35", "20", "GBP", "Mon-Sat", True),
    ("dpd", "next-day", "GB", "GB", 1, 1, "4.60", "0.15", "30", "GBP", "Mon-Fri", False),
    ("dpd", "next-day", "NL", "NL", 1, 1, "4.95", "0.10", "31.5", "EUR", "Mon-Fri", False),
    ("dpd", "next-day", "DE", "DE", 1, 1, "4.90", "0.10", "31.5", "EUR", "Mon-Fri", False),
    ("dpd", "next-day", "FR", "FR", 1, 1, "5.40", "0.12", "31.5", "EUR", "Mon-Fri", False),
    ("dpd", "next-day", "ES", "ES", 1, 1, "5.10", "0.12", "31.5", "EUR", "Mon-Fri", False),
    ("dpd", "next-day", "IE", "IE", 1, 1, "5.50", "0.20", "30", "EUR", "Mon-Fri", False),
    (
        "dpd",
        "classic",
        "GB",
        "NL DE FR ES IE",
        2,
        4,
        "8.95",
        "0.85",
        "31.5",
        "GBP",
        "Mon-Fri",
        False,
    ),
    ("dpd", "classic", "NL", "*", 1, 3, "6.80", "0.50", "31.5", "EUR", "Mon-Fri", False),
    ("dpd", "classic", "DE", "*", 1, 3, "6.90", "0.50", "31.5", "EUR", "Mon-Fri", False),
    ("dpd", "classic", "FR", "*", 2, 3, "7.20", "0.55", "31.5", "EUR", "Mon-Fri", False),
    ("dpd", "classic", "ES", "*", 2, 4, "7.40", "0.55", "31.5", "EUR", "Mon-Fri", False),
    ("dpd", "classic", "IE", "*", 2, 4, "10.50", "0.90", "31.5", "EUR", "Mon-Fri", False),
    (
        "ups",
        "standard",
        "GB",
        "NL DE FR ES IE",
        2,
        5,
        "9.40",
        "1.35",
        "70",
        "GBP",
        "Mon-Fri",
        False,
    ),
    ("ups", "standard", "NL", "*", 1, 4, "8.10", "0.70", "70", "EUR", "Mon-Fri", False),
    ("ups", "express-saver", "GB", "*", 1, 2, "18.50", "3.90", "70", "GBP", "Mon-Fri", False),
    ("ups", "express-saver", "NL", "*", 1, 2, "21.00", "3.40", "70", "EUR", "Mon-Fri", False),
    ("ups", "express-saver", "US", "*", 1, 3, "24.00", "5.20", "70", "USD", "Mon-Fri", False),
    ("dhl", "parcel", "NL", "NL", 1, 1, "4.95", "0.10", "31.5", "EUR", "Mon-Sat", True),
    ("dhl", "parcel", "DE", "DE", 1, 2, "4.49", "0.10", "31.5", "EUR", "Mon-Sat", True),
    ("dhl", "express", "GB", "*", 1, 3, "16.90", "3.60", "70", "GBP", "Mon-Fri", False),
    ("dhl", "express", "NL", "*", 1, 2, "19.50", "3.20", "70", "EUR", "Mon-Fri", False),
    ("dhl", "express", "DE", "*", 1, 2, "19.00", "3.20", "70", "EUR", "Mon-Fri", False),
    ("dhl", "express", "US", "*", 2, 3, "29.00", "4.80", "70", "USD", "Mon-Fri", False),
    ("colissimo", "domicile", "FR", "FR", 2, 2, "4.95", "0.25", "30", "EUR", "Mon-Sat", True),
    ("correos", "paq-standard", "ES", "ES", 2, 3, "4.20", "0.30", "30", "EUR", "Mon-Fri", False),
    ("usps", "ground-advantage", "US", "US", 2, 5, "5.90", "0.95", "31.7", "USD", "Mon-Sat", True),
    ("fedex", "2day", "US", "US", 2, 2, "22.10", "3.00", "68", "USD", "Mon-Fri", False),
)

# destination country: share of orders, cities (latitude, longitude, postal code)
DESTINATIONS = {
    "GB": (
        0.36,
        (
            (51.51, -0.13, "E1 6AN"),
            (53.48, -2.24, "M1 1AE"),
            (52.49, -1.89, "B1 1AA"),
            (55.86, -4.25, "G1 1AA"),
            (51.45, -2.59, "BS1 4DJ"),
            (54.97, -1.61, "NE1 4ST"),
        ),
    ),
    "DE": (
        0.15,
        (
            (52.52, 13.40, "10115"),
            (48.14, 11.58, "80331"),
            (53.55, 9.99, "20095"),
            (50.94, 6.96, "50667"),
        ),
    ),
    "FR": (
        0.12,
        (
            (48.86, 2.35, "75001"),
            (45.76, 4.84, "69001"),
            (43.30, 5.37, "13001"),
            (44.84, -0.58, "33000"),
        ),
    ),
    "NL": (0.08, ((52.37, 4.90, "1011"), (51.92, 4.48, "3011"), (52.09, 5.12, "3511"))),
    "ES": (0.07, ((40.42, -3.70, "28001"), (41.39, 2.17, "08001"), (39.47, -0.38, "46001"))),
    "IE": (0.04, ((53.35, -6.26, "D01"), (51.90, -8.48, "T12"))),
    "US": (
        0.18,
        (
            (40.71, -74.01, "10001"),
            (41.88, -87.63, "60601"),
            (37.77, -122.42, "94102"),
            (47.61, -122.33, "98101"),
            (30.27, -97.74, "78701"),
        ),
    ),
}
CURRENCY = {"GB": "GBP", "US": "USD"}

RULES = """
[routing]
currency = "EUR"
exchange_rates = { GBP = "1.17", USD = "0.92" }
capacity_spill_days = 3

[routing.groups]
europe = ["venlo-3pl", "berlin-3pl", "lyon-dc", "madrid-3pl", "dublin-store"]
us = ["newark-3pl", "reno-3pl"]

[[routing.rules]]
name = "wholesale"
when = { customer_type = "wholesale" }
locations = ["leeds-dc", "venlo-3pl", "lyon-dc"]
strategy = "fewest-shipments"
split = true
max_shipments = 3
on_no_fit = "hold"

[[routing.rules]]
name = "united states"
when = { country = "US" }
locations = ["us"]
split = true
on_no_fit = "next-rule"

[[routing.rules]]
name = "express"
when = { service_level = "express" }
require_on_time = true
split = true
on_no_fit = "next-rule"

[[routing.rules]]
name = "europe"
when = { country = ["NL", "DE", "FR", "ES", "IE"] }
locations = ["europe", "leeds-dc"]
strategy = "nearest"
split = true
on_no_fit = "next-rule"

[[routing.rules]]
name = "everything else"
split = true
max_shipments = 2
"""

SCARCE_RULES = """
[routing]
currency = "EUR"
exchange_rates = { GBP = "1.17", USD = "0.92" }
capacity_spill_days = 2

[[routing.rules]]
name = "wholesale"
when = { customer_type = "wholesale" }
strategy = "cheapest-on-time"
split = true
max_shipments = 2

[[routing.rules]]
name = "retail"
strategy = "cheapest-on-time"
"""


def _write(path: Path, header: list[str], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _business_days_after(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def generate(folder: Path, *, orders: int, kind: str, seed: int = 11) -> Path:
    """Write a scenario's CSV files and ``opsctl.toml`` into ``folder``; return ``folder``."""
    rng = random.Random(seed)
    scarce = kind == "scarce"
    folder.mkdir(parents=True, exist_ok=True)
    days = 5 if scarce else 7
    skus = 150 if scarce else 3000
    catalogue = [
        (f"SKU-{n:05d}", round(rng.lognormvariate(-0.7, 0.8), 3), 1 / (n + 8) ** 0.9)
        for n in range(skus)
    ]
    popularity = list(accumulate(p for _, _, p in catalogue))
    countries = list(DESTINATIONS)
    country_weights = [DESTINATIONS[c][0] for c in countries]

    demand: dict[str, int] = {}
    order_rows, line_rows = [], []
    for number in range(orders):
        order_id = f"R-{number:07d}"
        placed = START + timedelta(seconds=int(number * days * 86400 / orders) + rng.randrange(60))
        country = rng.choices(countries, country_weights)[0]
        latitude, longitude, postal = rng.choice(DESTINATIONS[country][1])
        wholesale = rng.random() < (0.06 if scarce else 0.08)
        channel = (
            "wholesale"
            if wholesale
            else rng.choices(["web", "amazon", "ebay"], [0.62, 0.28, 0.10])[0]
        )
        express = not wholesale and rng.random() < (0.25 if scarce else 0.18)
        # promise: next business day for express, two to four business days otherwise
        local_day = placed.date()
        if express:
            promise = _business_days_after(local_day, 1 + (country == "US"))
        else:
            slack = rng.choice((2, 3, 3, 4)) + (country == "US") + (not scarce)
            promise = _business_days_after(local_day, slack)
        order_rows.append(
            [
                order_id,
                channel,
                placed.isoformat(),
                "wholesale" if wholesale else "retail",
                CURRENCY.get(country, "EUR"),
                country,
                postal,
                f"{latitude + rng.uniform(-0.2, 0.2):.4f}",
                f"{longitude + rng.uniform(-0.2, 0.2):.4f}",
                "express" if express else "standard",
                promise.isoformat(),
                "open",
            ]
        )
        count = (
            rng.randint(2, 4)
            if wholesale
            else rng.choices((1, 2, 3, 4, 5), (60, 25, 10, 4, 1) if scarce else (50, 25, 13, 8, 4))[
                0
            ]
        )
        chosen = set()
        while len(chosen) < count:
            chosen.add(rng.choices(range(skus), cum_weights=popularity)[0])
        for line_number, index in enumerate(sorted(chosen), start=1):
            sku, weight, _ = catalogue[index]
            quantity = rng.randint(2, 5) if wholesale else rng.choices((1, 2, 3), (80, 15, 5))[0]
            demand[sku] = demand.get(sku, 0) + quantity
            line_rows.append(
                [
                    order_id,
                    str(line_number),
                    sku,
                    quantity,
                    f"{rng.randrange(900, 25000) / 100:.2f}",
                    f"{weight:.3f}",
                ]
            )

    stock_rows = []
    cover = 0.95 if scarce else 1.6
    for index, (sku, _, _) in enumerate(catalogue):
        holders = [
            site
            for site in SITES
            if index < 8 or rng.random() < site.assortment + (0 if scarce else 0.25)
        ]
        holders = holders or [SITES[0]]
        shares = sum(site.stock_share for site in holders)
        sku_cover = cover * (rng.choice((0.5, 0.9, 1.0, 1.1, 1.25)) if scarce else 1.0)
        for site in holders:
            expected = demand.get(sku, 0) * sku_cover * site.stock_share / shares
            on_hand = int(expected * rng.uniform(0.6, 1.4) + rng.random())
            reserved = rng.choice((0, 0, 1)) if on_hand > 4 else 0
            stock_rows.append([site.location_id, sku, on_hand, reserved, int(on_hand > 10)])
    stock_rows.sort(key=lambda row: ([s.location_id for s in SITES].index(row[0]), row[1]))

    per_day = orders / days
    _write(
        folder / "locations.csv",
        [
            "location_id",
            "country",
            "postal_code",
            "latitude",
            "longitude",
            "timezone",
            "cutoff_local",
            "handling_days",
            "daily_capacity",
            "channels",
            "priority",
            "calendar",
        ],
        [
            [
                s.location_id,
                s.country,
                s.postal_code,
                s.latitude,
                s.longitude,
                s.timezone,
                s.cutoff,
                s.handling_days,
                "" if scarce else max(5, int(per_day * s.capacity_share)),
                s.channels,
                s.priority,
                s.calendar,
            ]
            for s in SITES
        ],
    )
    service_rows = []
    for (
        carrier,
        service,
        origin,
        dests,
        tmin,
        tmax,
        base,
        per_kg,
        max_kg,
        currency,
        pickup,
        sat,
    ) in SERVICES:
        for dest in dests.split():
            service_rows.append(
                [
                    carrier,
                    service,
                    origin,
                    dest,
                    tmin,
                    tmax,
                    base,
                    per_kg,
                    max_kg,
                    currency,
                    pickup,
                    "true" if sat else "false",
                ]
            )
    _write(
        folder / "carrier_services.csv",
        [
            "carrier",
            "service",
            "origin_country",
            "dest_country",
            "transit_days_min",
            "transit_days_max",
            "base_cost",
            "cost_per_kg",
            "max_weight_kg",
            "currency",
            "pickup_days",
            "saturday_delivery",
        ],
        service_rows,
    )
    _write(
        folder / "stock.csv",
        ["location_id", "sku", "on_hand", "reserved", "safety_stock"],
        stock_rows,
    )
    _write(
        folder / "orders.csv",
        [
            "order_id",
            "channel",
            "placed_at",
            "customer_type",
            "currency",
            "ship_to_country",
            "ship_to_postal_code",
            "ship_to_latitude",
            "ship_to_longitude",
            "service_level",
            "promised_by",
            "status",
        ],
        order_rows,
    )
    _write(
        folder / "order_lines.csv",
        ["order_id", "line_id", "sku", "quantity", "unit_price", "weight_kg"],
        line_rows,
    )
    data = "\n".join(
        f'{entity} = "{entity}.csv"'
        for entity in ("locations", "carrier_services", "stock", "orders", "order_lines")
    )
    (folder / "opsctl.toml").write_text(
        f'[defaults]\ntimezone = "UTC"\ncurrency = "EUR"\n\n[data]\n{data}\n'
        + (SCARCE_RULES if scarce else RULES),
        encoding="utf-8",
    )
    return folder


def scenario(kind: str, orders: int) -> Path:
    """The cached scenario folder, generated on first use."""
    folder = DATA_DIR / f"route-{kind}-{orders}"
    if not (folder / "opsctl.toml").exists():
        generate(folder, orders=orders, kind=kind)
    return folder
