"""Generate the demo shop: a month of Fellside Outfitters' operations as opsctl input files.

Usage::

    python -m opsctl.demo.generator --out fixtures --orders 2000 --seed 20261101

The output is deterministic: the same arguments give byte-identical files. Rows
are streamed to disk one day of orders at a time, so a million orders need no
more memory than two thousand. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from bisect import bisect
from collections.abc import Sequence
from datetime import date, datetime
from itertools import accumulate
from pathlib import Path

from opsctl.demo.aftercare import Aftercare
from opsctl.demo.calendars import (
    SATURDAY,
    SECONDS_PER_DAY,
    Clock,
    add_working_days,
    is_working_day,
    weekday,
)
from opsctl.demo.carrier_codes import EVENT_CODES, TrackingNumbers
from opsctl.demo.catalogue import (
    CARRIER_PREFERENCE,
    CARRIER_SERVICES,
    CITIES,
    CURRENCY_OF_COUNTRY,
    LOCATION_BY_ID,
    LOCATIONS,
    LOW_STOCK_SKUS,
    ORDER_CUTOFF_SECOND,
    PRODUCTS,
    RETAIL_MARKUP,
    SHOP_CALENDAR,
    SHOP_NAME,
    SHOP_TIMEZONE,
    SOLD_OUT_SKUS,
    CarrierService,
    City,
    Location,
    Product,
    carries,
    crosses_customs,
)
from opsctl.demo.checkout import FunnelSimulator, buyer_pseudo_id
from opsctl.demo.model import (
    Choice,
    Line,
    Order,
    Parcel,
    Period,
    Shipment,
    kilograms,
    money,
    weighted_choice,
    zone_of,
)
from opsctl.demo.outputs import DemoOutputs
from opsctl.demo.reference_files import RunFacts, write_reference_files
from opsctl.demo.timelines import Lane, TimelinePlanner, pick_scenario

DEFAULT_ORDERS = 2000
DEFAULT_SEED = 20261101
DEFAULT_START = date(2026, 10, 1)
DEFAULT_DAYS = 30

CHANNEL_SHARES = (("web", 0.50), ("amazon", 0.30), ("ebay", 0.16), ("wholesale", 0.04))
COUNTRY_SHARES = {
    "web": (
        ("GB", 0.62),
        ("DE", 0.09),
        ("FR", 0.07),
        ("NL", 0.06),
        ("IE", 0.07),
        ("US", 0.06),
        ("ES", 0.03),
    ),
    "amazon": (("GB", 0.55), ("DE", 0.18), ("FR", 0.09), ("NL", 0.04), ("ES", 0.06), ("US", 0.08)),
    "ebay": (("GB", 0.80), ("IE", 0.05), ("DE", 0.07), ("FR", 0.03), ("US", 0.05)),
    "wholesale": (("GB", 0.70), ("IE", 0.15), ("NL", 0.10), ("DE", 0.05)),
}
SERVICE_LEVEL_SHARES = {
    "web": (("standard", 0.68), ("express", 0.20), ("economy", 0.12)),
    "amazon": (("standard", 0.62), ("express", 0.38)),
    "ebay": (("standard", 0.75), ("economy", 0.25)),
    "wholesale": (("standard", 1.0),),
}
AMAZON_SITES = {
    "GB": "amazon.co.uk",
    "DE": "amazon.de",
    "FR": "amazon.fr",
    "NL": "amazon.nl",
    "ES": "amazon.es",
    "US": "amazon.com",
    "IE": "amazon.co.uk",
}
RETAIL_LINE_COUNT_SHARES = (0.26, 0.25, 0.20, 0.16, 0.13)
WEEKDAY_DEMAND = (1.10, 1.00, 0.98, 0.97, 0.92, 0.90, 1.13)
RETAIL_HOUR_DEMAND = (
    0.6,
    0.3,
    0.15,
    0.1,
    0.1,
    0.2,
    0.5,
    1.1,
    1.6,
    1.9,
    2.1,
    2.3,
    2.6,
    2.5,
    2.3,
    2.2,
    2.3,
    2.6,
    3.0,
    3.6,
    3.9,
    3.6,
    2.6,
    1.5,
)
OFFICE_HOUR_DEMAND = (
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0.3,
    1.5,
    2.5,
    2.5,
    2.2,
    1.2,
    2.0,
    2.4,
    2.2,
    1.5,
    0.5,
    0.1,
    0,
    0,
    0,
    0,
    0,
)
PROMISE_WORKING_DAYS = {
    "GB": {"economy": 4, "standard": 3, "express": 1},
    "EU": {"economy": 8, "standard": 5, "express": 2},
    "US": {"economy": 9, "standard": 6, "express": 3},
}
WHOLESALE_EXTRA_PROMISE_DAYS = 2
SHIPPING_PRICES = {
    # zone: level -> (price, free-over threshold or 0), in the order's currency (minor units)
    "GB": {"economy": (295, 0), "standard": (395, 5000), "express": (695, 0)},
    "EU": {"economy": (695, 0), "standard": (895, 10000), "express": (1495, 0)},
    "US": {"economy": (995, 0), "standard": (1495, 15000), "express": (2995, 0)},
}
MARKETPLACE_SHIPPING = {"GBP": 299, "EUR": 349, "USD": 499}
FEED_LAG_SHARE = {"web": 0.08, "amazon": 0.25, "ebay": 0.25, "wholesale": 0.0}
"""Chance that a channel still sells a sold-out SKU (its stock feed lags); the order is then
cancelled as out of stock."""
OTHER_CANCELLATIONS = (
    ("customer_request", 0.012, 600, 72_000),
    ("payment_declined", 0.004, 60, 600),
    ("fraud_suspected", 0.002, 3_600, 21_600),
    ("address_invalid", 0.002, 7_200, 86_400),
)
DISPATCH_BACKLOG_SHARE = 0.05
BACKORDER_SHARE = 0.35
WHOLESALE_PARCEL_GRAMS = 18_000


class _PostalCodes:
    """Realistic-looking postal codes per city pattern (see ``catalogue.City.postal``)."""

    _GB_INWARD = "ABDEFGHJLNPQRSTUWXYZ"
    _NL_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
    _EIRCODE = "ACDEFHKNPRTVWXY0123456789"

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def draw(self, city: City) -> str:
        """A postal code in a city."""
        rng = self._rng
        kind, _, spec = city.postal.partition(":")
        if kind == "GB":
            areas = spec.split()
            letters = self._GB_INWARD
            return (
                f"{areas[int(rng.random() * len(areas))]} {int(rng.random() * 10)}"
                f"{letters[int(rng.random() * 20)]}{letters[int(rng.random() * 20)]}"
            )
        if kind == "IE":
            keys = spec.split()
            chars = self._EIRCODE
            return (
                keys[int(rng.random() * len(keys))]
                + " "
                + "".join(chars[int(rng.random() * 25)] for _ in range(4))
            )
        low, _, high = spec.partition("-")
        number = int(low) + int(rng.random() * (int(high) - int(low) + 1))
        if kind == "NL":
            letters = self._NL_LETTERS
            return f"{number} {letters[int(rng.random() * 20)]}{letters[int(rng.random() * 20)]}"
        return f"{number:0{len(low)}d}"


class DemoShopGenerator:
    """Simulates the shop's month and writes every file of the demo data set."""

    def __init__(self, out_dir: Path, orders: int, seed: int, period: Period) -> None:
        self.out_dir = out_dir
        self.order_count = orders
        self.seed = seed
        self.period = period
        self.rng = random.Random(seed)
        self.clock = Clock()
        self.planner = TimelinePlanner(self.rng, self.clock)
        self.tracking_numbers = TrackingNumbers(self.rng)
        self.funnel = FunnelSimulator(self.rng)
        self.aftercare = Aftercare(self.rng, self.clock, period)
        self.postal_codes = _PostalCodes(self.rng)
        self.counts: dict[str, int] = {}
        self._product_cumulative = list(accumulate(p.popularity for p in PRODUCTS))
        self._product_index = {p.sku: index for index, p in enumerate(PRODUCTS)}
        self._line_count_cumulative = list(accumulate(RETAIL_LINE_COUNT_SHARES))
        self._country_choice = {
            channel: Choice(shares) for channel, shares in COUNTRY_SHARES.items()
        }
        self._level_choice = {
            channel: Choice(shares) for channel, shares in SERVICE_LEVEL_SHARES.items()
        }
        self._prices = {
            currency: [self._local_price(p.price_pence, markup) for p in PRODUCTS]
            for currency, markup in RETAIL_MARKUP.items()
        }
        self._stockout_day = {
            sku: period.start_day + int(period.days * (0.35 + 0.45 * (index / len(SOLD_OUT_SKUS))))
            for index, sku in enumerate(SOLD_OUT_SKUS)
        }
        self._sold = {(loc.location_id, p.sku): 0 for loc in LOCATIONS for p in PRODUCTS}
        self._reserved = dict.fromkeys(self._sold, 0)
        self._customers = 0
        self._stockists = [self._stockist() for _ in range(60)]
        self._counters = {"web": 100_000, "shipment": 0}
        self._city_cumulative = {
            country: list(accumulate(c.weight for c in cities))
            for country, cities in CITIES.items()
        }
        self._services = self._index_services()
        self._event_fragments = self._prepare_event_fragments()
        self._place_json: dict[tuple[str, str], str] = {}

    # ----------------------------------------------------------------- reference data
    @staticmethod
    def _local_price(gbp_pence: int, markup: int) -> int:
        if markup == 100:
            return gbp_pence
        whole = -(-gbp_pence * markup // 10_000)
        return whole * 100 - 1

    def _stockist(self) -> tuple[str, City]:
        """An independent outdoor store buying wholesale: its country and town."""
        country = weighted_choice(self.rng, COUNTRY_SHARES["wholesale"])
        cities = CITIES[country]
        return country, cities[int(self.rng.random() * len(cities))]

    @staticmethod
    def _index_services() -> dict[tuple[str, str], list[CarrierService]]:
        index: dict[tuple[str, str], list[CarrierService]] = {}
        for service in CARRIER_SERVICES:
            dests = CITIES if service.dest_country == "*" else (service.dest_country,)
            for dest in dests:
                index.setdefault((service.origin_country, dest), []).append(service)
        return index

    @staticmethod
    def _prepare_event_fragments() -> dict[str, dict[str, str]]:
        fragments: dict[str, dict[str, str]] = {}
        for carrier, codes in EVENT_CODES.items():
            fragments[carrier] = {}
            for kind, (raw_code, status, description) in codes.items():
                status_json = json.dumps(status) if status else "null"
                fragments[carrier][kind] = (
                    f'"status":{status_json},"raw_code":{json.dumps(raw_code)},'
                    f'"description":{json.dumps(description, ensure_ascii=False)}'
                )
        return fragments

    # ----------------------------------------------------------------- the run
    def run(self) -> dict[str, int]:
        """Write every file; return the number of records per file."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        outputs = DemoOutputs(self.out_dir)
        try:
            number = 0
            for day_index, count in enumerate(self._orders_per_day()):
                day = self.period.start_day + day_index
                for placed_at, channel in self._placements(day, count):
                    number += 1
                    self._process_order(outputs, number, day, placed_at, channel)
        finally:
            outputs.close()
        self.counts.update(outputs.counts)
        facts = RunFacts(self.seed, self.order_count, self.period, self.clock)
        write_reference_files(
            self.out_dir, facts, self.rng, self._sold, self._reserved, self.counts
        )
        return dict(sorted(self.counts.items()))

    def _orders_per_day(self) -> list[int]:
        """Orders per day: weekday rhythm and a gentle upward trend, summing exactly."""
        weights = []
        for index in range(self.period.days):
            day = self.period.start_day + index
            weights.append(WEEKDAY_DEMAND[weekday(day)] * (1 + 0.006 * index))
        total = sum(weights)
        exact = [self.order_count * weight / total for weight in weights]
        counts = [int(value) for value in exact]
        remainders = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
        for index in remainders[: self.order_count - sum(counts)]:
            counts[index] += 1
        return counts

    def _placements(self, day: int, count: int) -> list[tuple[int, str]]:
        """When each order of a day is placed (shop time, evening peak) and on which channel."""
        rng = self.rng
        weekend = weekday(day) >= SATURDAY
        channels = [
            (name, 0.0 if weekend and name == "wholesale" else share)
            for name, share in CHANNEL_SHARES
        ]
        retail_hours = list(accumulate(RETAIL_HOUR_DEMAND))
        office_hours = list(accumulate(OFFICE_HOUR_DEMAND))
        channel_choice = Choice(channels)
        placements = []
        for _ in range(count):
            channel = channel_choice.draw(rng)
            hours = office_hours if channel == "wholesale" else retail_hours
            hour = bisect(hours, rng.random() * hours[-1])
            second = int((hour + rng.random()) * 3600)
            placements.append((self.clock.instant(SHOP_TIMEZONE, day, second), channel))
        placements.sort()
        return placements

    # ----------------------------------------------------------------- one order
    def _process_order(
        self, outputs: DemoOutputs, number: int, day: int, placed_at: int, channel: str
    ) -> None:
        order = self._draft_order(number, day, placed_at, channel)
        shipments: list[Shipment] = []
        if not order.cancel_reason:
            shipments = self._fulfil(order)
        self._write_order(outputs, order, shipments)
        if shipments:
            self._write_shipments(outputs, order, shipments)
        returns = self.aftercare.returns(outputs, order, shipments)
        self.aftercare.review(outputs, order, shipments, returns)
        if channel == "web":
            outputs.events(
                "checkout_events",
                self.funnel.order_sessions(
                    order.order_id,
                    order.placed_at,
                    buyer_pseudo_id(order.customer_no),
                    order.currency,
                    order.items_total,
                    order.items_total + order.shipping_paid,
                ),
            )

    def _draft_order(self, number: int, day: int, placed_at: int, channel: str) -> Order:
        rng = self.rng
        wholesale = channel == "wholesale"
        new_customer = False
        if wholesale:
            stockist = int(rng.random() * len(self._stockists))
            country, city = self._stockists[stockist]
            customer_no = -1 - stockist
        else:
            country = self._country_choice[channel].draw(rng)
            cities = CITIES[country]
            city = cities[
                bisect(
                    self._city_cumulative[country],
                    rng.random() * self._city_cumulative[country][-1],
                )
            ]
            customer_no, new_customer = self._customer_no()
        currency = CURRENCY_OF_COUNTRY.get(country, "EUR")
        order = Order(
            number,
            f"FO-{1_000_000 + number}",
            channel,
            placed_at,
            city,
            country,
            currency,
            self._level_choice[channel].draw(rng),
            customer_no,
        )
        self._draw_lines(order, day)
        order.items_total = sum(line.unit_price * line.quantity for line in order.lines)
        order.promised_day = self._promised_day(order)
        order.shipping_paid = self._shipping_paid(order)
        self._maybe_cancel(order, day)
        self._tag(order, new_customer)
        return order

    def _customer_no(self) -> tuple[int, bool]:
        """A retail customer: a returning one (30%) or a new one; and whether it is new."""
        if self._customers and self.rng.random() < 0.3:
            return 1 + int(self.rng.random() * self._customers), False
        self._customers += 1
        return self._customers, True

    def _draw_product(self, channel: str, day: int) -> Product:
        """A SKU by popularity; sold-out SKUs are hidden unless the channel's feed lags."""
        rng = self.rng
        while True:
            product = PRODUCTS[
                bisect(self._product_cumulative, rng.random() * self._product_cumulative[-1])
            ]
            stockout = self._stockout_day.get(product.sku)
            if stockout is None or day < stockout or rng.random() < FEED_LAG_SHARE[channel]:
                return product

    def _draw_lines(self, order: Order, day: int) -> None:
        rng = self.rng
        wholesale = order.channel == "wholesale"
        if wholesale:
            count = 5 + int(rng.random() * 10)
        else:
            count = min(
                1 + bisect(self._line_count_cumulative, rng.random()), len(RETAIL_LINE_COUNT_SHARES)
            )
        seen: set[str] = set()
        promo = order.channel == "web" and rng.random() < 0.08
        if promo:
            order.tags.append("promo:AUTUMN10")
        for _ in range(count):
            product = self._draw_product(order.channel, day)
            if product.sku in seen:
                continue
            seen.add(product.sku)
            index = self._product_index[product.sku]
            if wholesale:
                quantity = (4, 6, 6, 8, 10, 12, 12, 18, 24)[int(rng.random() * 9)]
                price = self._prices[order.currency][index] // 2
            else:
                draw = rng.random()
                quantity = 1 if draw < 0.85 else 2 if draw < 0.96 else 3
                price = self._prices[order.currency][index]
                if promo:
                    price = price * 9 // 10
            order.lines.append(
                Line(f"{order.order_id}-{len(order.lines) + 1}", product, quantity, price)
            )

    def _promised_day(self, order: Order) -> int:
        """The delivery date promised at checkout: dispatch day plus the zone's working days."""
        local_day = self.clock.local_day(SHOP_TIMEZONE, order.placed_at)
        second = self.clock.local_second(SHOP_TIMEZONE, order.placed_at)
        dispatch = local_day
        if not is_working_day(SHOP_CALENDAR, local_day) or second >= ORDER_CUTOFF_SECOND:
            dispatch = add_working_days(SHOP_CALENDAR, local_day, 1)
        days = PROMISE_WORKING_DAYS[zone_of(order.country)][order.service_level]
        if order.channel == "wholesale":
            days += WHOLESALE_EXTRA_PROMISE_DAYS
        return add_working_days(SHOP_CALENDAR, dispatch, days)

    def _shipping_paid(self, order: Order) -> int:
        rng, items = self.rng, order.items_total
        if order.channel == "web":
            price, free_over = SHIPPING_PRICES[zone_of(order.country)][order.service_level]
            return 0 if free_over and items >= free_over else price
        if order.channel == "amazon":
            if order.service_level == "express" or items >= 2500:
                return 0
            return MARKETPLACE_SHIPPING[order.currency]
        if order.channel == "ebay":
            return 0 if rng.random() < 0.7 else MARKETPLACE_SHIPPING[order.currency] + 100
        return 0 if items >= 50_000 else 1500

    def _maybe_cancel(self, order: Order, day: int) -> None:
        rng = self.rng
        for line in order.lines:
            stockout = self._stockout_day.get(line.product.sku)
            if stockout is not None and day >= stockout:
                order.cancel_reason = "out_of_stock"
                order.cancelled_at = order.placed_at + int(7_200 + rng.random() * 100_000)
                return
        draw = rng.random()
        for reason, share, earliest, latest in OTHER_CANCELLATIONS:
            if draw < share:
                order.cancel_reason = reason
                order.cancelled_at = order.placed_at + int(earliest + rng.random() * latest)
                return
            draw -= share

    def _tag(self, order: Order, new_customer: bool) -> None:
        rng = self.rng
        if order.channel == "amazon":
            order.tags.append(f"marketplace:{AMAZON_SITES[order.country]}")
            if order.service_level == "express":
                order.tags.append("prime")
        elif order.channel == "wholesale":
            order.tags.append("b2b")
        if order.customer_no > 0:
            order.tags.append("first_order" if new_customer else "returning_customer")
        if rng.random() < 0.04:
            order.tags.append("gift_message")
        if order.items_total >= 30_000:
            order.tags.append("high_value")

    # ----------------------------------------------------------------- fulfilment
    def _primary_location(self, order: Order) -> Location:
        """Where the shop's routing sends an order first (before splits)."""
        channel, country, rng = order.channel, order.country, self.rng
        leeds = LOCATION_BY_ID["leeds-dc"]
        if channel == "wholesale" or country == "GB":
            return leeds
        if country == "US":
            reno = LOCATION_BY_ID["reno-3pl"]
            usable = channel in reno.channels.split(";")
            return (
                reno if usable and any(carries(reno, ln.product) for ln in order.lines) else leeds
            )
        venlo = LOCATION_BY_ID["venlo-3pl"]
        if country == "IE":
            store = LOCATION_BY_ID["dublin-store"]
            if (
                channel == "web"
                and all(carries(store, ln.product) for ln in order.lines)
                and (rng.random() < 0.6)
            ):
                return store
        if channel in venlo.channels.split(";") and any(
            carries(venlo, ln.product) for ln in order.lines
        ):
            return venlo
        return leeds

    def _parcels(self, order: Order) -> list[Parcel]:
        """Split an order into parcels: by location stock range, backorders and weight."""
        leeds = LOCATION_BY_ID["leeds-dc"]
        if order.channel == "wholesale":
            return self._wholesale_parcels(leeds, order.lines)
        primary = self._primary_location(order)
        here = [line for line in order.lines if carries(primary, line.product)]
        elsewhere = [line for line in order.lines if not carries(primary, line.product)]
        late_in_period = order.placed_at >= (self.period.start_day + self.period.days * 0.6) * (
            SECONDS_PER_DAY
        )
        backordered = [
            line
            for line in here
            if late_in_period
            and line.product.sku in LOW_STOCK_SKUS
            and self.rng.random() < BACKORDER_SHARE
        ]
        here = [line for line in here if line not in backordered]
        parcels = []
        if here:
            parcels.append(Parcel(primary, here))
        if elsewhere:
            parcels.append(Parcel(leeds, elsewhere))
        if backordered:
            parcels.append(Parcel(primary, backordered, 2 + int(self.rng.random() * 3)))
        return parcels

    @staticmethod
    def _wholesale_parcels(location: Location, lines: list[Line]) -> list[Parcel]:
        parcels: list[Parcel] = [Parcel(location, [])]
        for line in lines:
            if (
                parcels[-1].lines
                and parcels[-1].grams + line.product.weight_grams * (line.quantity)
                > WHOLESALE_PARCEL_GRAMS
            ):
                parcels.append(Parcel(location, []))
            parcels[-1].add(line)
        return parcels

    def _choose_service(self, parcel: Parcel, order: Order) -> CarrierService:
        """A carrier service for the lane and level that takes the weight, by preference."""
        origin = parcel.location.country
        candidates = self._services.get((origin, order.country), [])
        kilos = parcel.grams / 1000
        fitting = [s for s in candidates if s.max_weight_kg >= kilos]
        for level in (order.service_level, "standard", "express"):
            matching = [s for s in fitting if s.service == level]
            if matching:
                break
        else:
            matching = fitting or candidates
        preference = CARRIER_PREFERENCE[origin]
        return weighted_choice(self.rng, [(s, preference.get(s.carrier, 1.0)) for s in matching])

    def _handover_instant(self, location: Location, placed_at: int, delay_days: int) -> int:
        """When a location hands the parcel to the carrier: cutoff, handling days, backlog."""
        rng, clock = self.rng, self.clock
        zone, calendar = location.timezone, location.calendar
        day = clock.local_day(zone, placed_at)
        second = clock.local_second(zone, placed_at)
        if not is_working_day(calendar, day) or second >= location.cutoff_second - 900:
            day = add_working_days(calendar, day, 1)
        day = add_working_days(calendar, day, location.handling_days + delay_days)
        if rng.random() < DISPATCH_BACKLOG_SHARE:
            day = add_working_days(calendar, day, 1 + (rng.random() < 0.3))
        handover = location.cutoff_second + int((0.5 + rng.random() * 2.0) * 3600)
        return max(clock.instant(zone, day, handover), placed_at + 3600)

    def _fulfil(self, order: Order) -> list[Shipment]:
        """Ship the parcels handed over by the export moment; reserve stock for the others."""
        shipments = []
        for parcel in self._parcels(order):
            handover = self._handover_instant(parcel.location, order.placed_at, parcel.delay_days)
            # shipped_at is when the label is bought (the shop's "fulfilled at"); the
            # carrier's pickup scan follows at the handover.
            shipped_at = max(
                order.placed_at + 180, handover - int((0.5 + self.rng.random() * 3.0) * 3600)
            )
            if shipped_at > self.period.as_of:
                for line in parcel.lines:
                    self._reserved[(parcel.location.location_id, line.product.sku)] += line.quantity
                continue
            for line in parcel.lines:
                self._sold[(parcel.location.location_id, line.product.sku)] += line.quantity
            shipments.append(self._ship(order, parcel, shipped_at, handover))
        return shipments

    def _ship(self, order: Order, parcel: Parcel, shipped_at: int, handover: int) -> Shipment:
        rng = self.rng
        service = self._choose_service(parcel, order)
        customs = crosses_customs(parcel.location.country, order.country)
        scenario = pick_scenario(rng, customs)
        lane = Lane(service, parcel.location, order.city, order.country)
        label_at = shipped_at + int(30 + rng.random() * 570)
        timeline = self.planner.plan(lane, label_at, handover, scenario)
        self._counters["shipment"] += 1
        tracking_number = self.tracking_numbers.issue(
            service.carrier, service.service, parcel.location.country, order.country
        )
        return Shipment(
            f"SH-{2_000_000 + self._counters['shipment']}",
            parcel,
            service,
            tracking_number,
            shipped_at,
            scenario,
            timeline,
            timeline.delivered_at(self.period.as_of),
        )

    # ----------------------------------------------------------------- writing rows
    def _write_order(self, outputs: DemoOutputs, order: Order, shipments: list[Shipment]) -> None:
        clock = self.clock
        if order.channel == "amazon":
            placed = clock.iso_utc(order.placed_at)
        elif order.channel == "ebay":
            placed = clock.iso_utc(order.placed_at, millis=order.number * 7 % 1000)
        else:
            placed = clock.iso(SHOP_TIMEZONE, order.placed_at)
        shipped_lines = sum(len(s.parcel.lines) for s in shipments)
        if order.cancel_reason:
            fulfillment = ""
        elif shipped_lines == 0:
            fulfillment = "unfulfilled"
        elif shipped_lines < len(order.lines):
            fulfillment = "partial"
        else:
            fulfillment = "fulfilled"
        city = order.city
        rng = self.rng
        latitude = f"{city.latitude + (rng.random() - 0.5) * 0.12:.4f}"
        longitude = f"{city.longitude + (rng.random() - 0.5) * 0.18:.4f}"
        items = order.items_total
        outputs.row(
            "orders",
            (
                order.order_id,
                order.channel,
                placed,
                "wholesale" if order.channel == "wholesale" else "retail",
                order.currency,
                order.country,
                self.postal_codes.draw(city),
                latitude,
                longitude,
                order.service_level,
                clock.iso_date(order.promised_day),
                money(order.shipping_paid),
                "cancelled" if order.cancel_reason else "open",
                order.cancel_reason,
                clock.iso_utc(order.cancelled_at) if order.cancel_reason else "",
                fulfillment,
                self._channel_order_ref(order),
                self._email_hash(order.customer_no),
                city.name,
                money(items),
                money(items + order.shipping_paid),
                ";".join(order.tags),
            ),
        )
        for line in order.lines:
            outputs.row(
                "order_lines",
                (
                    order.order_id,
                    line.line_id,
                    line.product.sku,
                    line.quantity,
                    money(line.unit_price),
                    kilograms(line.product.weight_grams),
                    line.product.category,
                ),
            )

    def _channel_order_ref(self, order: Order) -> str:
        rng = self.rng
        if order.channel == "web":
            self._counters["web"] += 1
            return f"#{self._counters['web']}"
        if order.channel == "amazon":
            return (
                f"{202 + int(rng.random() * 5):03d}-{int(rng.random() * 1e7):07d}-"
                f"{int(rng.random() * 1e7):07d}"
            )
        if order.channel == "ebay":
            return (
                f"{10 + int(rng.random() * 90):02d}-{int(rng.random() * 1e5):05d}-"
                f"{int(rng.random() * 1e5):05d}"
            )
        return f"PO-{-order.customer_no:03d}-{order.number % 10_000:04d}"

    def _email_hash(self, customer_no: int) -> str:
        text = f"{self.seed}:{customer_no}".encode()
        return hashlib.blake2b(text, digest_size=16).hexdigest()

    def _place_text(self, carrier: str, place: str) -> str:
        key = (carrier, place)
        text = self._place_json.get(key)
        if text is None:
            shown = place.upper() if carrier == "ups" else place
            text = self._place_json[key] = json.dumps(shown, ensure_ascii=False)
        return text

    def _write_shipments(
        self, outputs: DemoOutputs, order: Order, shipments: list[Shipment]
    ) -> None:
        clock, as_of = self.clock, self.period.as_of
        for shipment in shipments:
            service, parcel = shipment.service, shipment.parcel
            delivered = shipment.delivered_at
            outputs.row(
                "shipments",
                (
                    shipment.shipment_id,
                    order.order_id,
                    service.carrier,
                    shipment.tracking_number,
                    service.service,
                    parcel.location.location_id,
                    clock.iso(parcel.location.timezone, shipment.shipped_at),
                    clock.iso_date(order.promised_day),
                    clock.iso_date(shipment.timeline.planned_delivery_day),
                    clock.iso(order.city.timezone, delivered) if delivered else "",
                    money(service.base_cost + (service.cost_per_kg * parcel.grams + 500) // 1000),
                    service.currency,
                    service.service_name,
                    kilograms(parcel.grams),
                    order.country,
                    shipment.scenario,
                ),
            )
            fragments = self._event_fragments[service.carrier]
            head = (
                f'{{"tracking_number":"{shipment.tracking_number}",'
                f'"carrier":"{service.carrier}","occurred_at":"'
            )
            lines = []
            for scan in shipment.timeline.scans:
                if scan.instant > as_of:
                    break
                reason = f',"reason":"{scan.reason}"' if scan.reason else ""
                lines.append(
                    f'{head}{clock.iso(scan.zone, scan.instant)}",'
                    f"{fragments[scan.kind]},"
                    f'"location":{self._place_text(service.carrier, scan.place)}'
                    f"{reason}}}\n"
                )
            outputs.events("tracking_events", lines)

    # ----------------------------------------------------------------- after delivery


def generate(
    out_dir: str | Path,
    *,
    orders: int = DEFAULT_ORDERS,
    seed: int = DEFAULT_SEED,
    days: int = DEFAULT_DAYS,
    start: date = DEFAULT_START,
    as_of: datetime | None = None,
) -> dict[str, int]:
    """Write the demo shop's data files to ``out_dir``; return the record count per file.

    ``orders`` orders are placed over ``days`` days from ``start``; the data is as exported
    at ``as_of`` (default: 09:00 UTC two days after the last order day), so parcels shipped
    late in the period are still on their way. Same arguments, same bytes.
    """
    if orders < 1 or days < 1:
        raise ValueError("orders and days must be at least 1")
    period = Period.of(start, days, as_of)
    return DemoShopGenerator(Path(out_dir), orders, seed, period).run()


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m opsctl.demo.generator",
        description=f"Generate the {SHOP_NAME} demo shop's data files (deterministic).",
    )
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    parser.add_argument(
        "--orders",
        type=int,
        default=DEFAULT_ORDERS,
        help=f"number of orders (default {DEFAULT_ORDERS})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--days", type=int, default=DEFAULT_DAYS, help=f"days of orders (default {DEFAULT_DAYS})"
    )
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=DEFAULT_START,
        help=f"first order day, YYYY-MM-DD (default {DEFAULT_START})",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints counts and the time taken to stderr."""
    args = _parse_args(argv)
    began = time.perf_counter()
    counts = generate(
        args.out, orders=args.orders, seed=args.seed, days=args.days, start=args.start
    )
    elapsed = time.perf_counter() - began
    for name, count in counts.items():
        print(f"{name:28} {count:>12,}", file=sys.stderr)
    print(f"generated in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
