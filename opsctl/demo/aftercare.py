"""After the parcel: returns and refunds, and the reviews customers write about all of it.

Return rates follow product category (apparel is returned more); one refund in
seven is slow. Reviews follow what happened to the order: cancellations for stock,
late or stalled deliveries, failed attempts and slow refunds make angry reviews
far more likely than a smooth delivery makes a happy one, as the product brief's
figures say.
"""

from __future__ import annotations

import random

from opsctl.demo import review_texts
from opsctl.demo.calendars import SECONDS_PER_DAY, Clock
from opsctl.demo.catalogue import LOCATION_BY_ID
from opsctl.demo.model import Order, Period, Shipment, money, weighted_choice
from opsctl.demo.outputs import DemoOutputs

LANGUAGE_OF_COUNTRY = {
    "GB": "en",
    "IE": "en",
    "US": "en",
    "DE": "de",
    "FR": "fr",
    "NL": "nl",
    "ES": "es",
}

RETURN_SHARE = {"apparel": 0.075, "equipment": 0.025}
SLOW_REFUND_SHARE = 0.15
RETURN_REASONS = {
    "apparel": (
        ("size_too_small", 25),
        ("size_too_large", 22),
        ("changed_mind", 18),
        ("not_as_described", 10),
        ("quality", 8),
        ("damaged", 5),
        ("wrong_item", 4),
    ),
    "equipment": (
        ("changed_mind", 35),
        ("damaged", 18),
        ("not_as_described", 15),
        ("quality", 15),
        ("no_longer_needed", 10),
        ("wrong_item", 7),
    ),
}
REVIEW_CHANCE = {
    "out_of_stock": 0.40,
    "no_updates": 0.45,
    "late_delivery": 0.35,
    "delivery_problem": 0.30,
    "slow_refund": 0.50,
    "happy": 0.13,
}
UNLINKED_REVIEW_SHARE = 0.1

ReturnMade = tuple[int, bool]
"""(requested_at, whether the refund is slow)"""


class Aftercare:
    """Writes the returns and reviews that follow each order."""

    def __init__(self, rng: random.Random, clock: Clock, period: Period) -> None:
        self.rng = rng
        self.clock = clock
        self.period = period
        self._returns_made = 0

    def returns(
        self, outputs: DemoOutputs, order: Order, shipments: list[Shipment]
    ) -> list[ReturnMade]:
        """Write the returns of an order's delivered parcels (retail only); list them."""
        rng, clock, as_of = self.rng, self.clock, self.period.as_of
        made: list[ReturnMade] = []
        if order.channel == "wholesale":
            return made
        for shipment in shipments:
            if shipment.delivered_at is None:
                continue
            late = self._local_delivery_day(order, shipment.delivered_at) > order.promised_day
            for line in shipment.parcel.lines:
                category = line.product.category
                if rng.random() >= RETURN_SHARE[category]:
                    continue
                requested = shipment.delivered_at + int(
                    (0.3 + rng.random() ** 2 * 20) * SECONDS_PER_DAY
                )
                if requested > as_of:
                    continue
                reason = (
                    "arrived_too_late"
                    if late and rng.random() < 0.5
                    else weighted_choice(rng, RETURN_REASONS[category])
                )
                received = requested + int((2.5 + rng.random() * 5) * SECONDS_PER_DAY)
                slow = rng.random() < SLOW_REFUND_SHARE
                refund_delay = (8 + rng.random() * 13) if slow else (0.1 + rng.random() * 1.8)
                refunded = received + int(refund_delay * SECONDS_PER_DAY)
                quantity = 1 + int(rng.random() * line.quantity)
                status = (
                    "refunded"
                    if refunded <= as_of
                    else "received"
                    if received <= as_of
                    else "requested"
                )
                self._returns_made += 1
                returned_to = shipment.parcel.location
                if returned_to.kind == "store":
                    returned_to = LOCATION_BY_ID["leeds-dc"]
                outputs.row(
                    "returns",
                    (
                        f"RT-{500_000 + self._returns_made}",
                        order.order_id,
                        line.product.sku,
                        quantity,
                        clock.iso_utc(requested),
                        clock.iso_utc(received) if received <= as_of else "",
                        clock.iso_utc(refunded) if refunded <= as_of else "",
                        reason,
                        money(line.unit_price * quantity),
                        order.currency,
                        status,
                        shipment.shipment_id,
                        returned_to.location_id,
                    ),
                )
                made.append((requested, slow))
        return made

    def _local_delivery_day(self, order: Order, instant: int) -> int:
        return self.clock.local_day(order.city.timezone, instant)

    def _experience(
        self, order: Order, shipments: list[Shipment], returns: list[ReturnMade]
    ) -> tuple[str, int, int]:
        """What the customer would write about, from when, and how many days it concerns."""
        as_of = self.period.as_of
        promise_end = self.clock.instant(order.city.timezone, order.promised_day + 1, 0)
        if order.cancel_reason == "out_of_stock":
            return "out_of_stock", order.cancelled_at, 0
        if order.cancel_reason or not shipments:
            return "", 0, 0
        slow_refunds = [requested for requested, slow in returns if slow]
        if slow_refunds:
            return "slow_refund", slow_refunds[0] + 12 * SECONDS_PER_DAY, 12
        undelivered = [s for s in shipments if s.delivered_at is None]
        if undelivered and as_of > promise_end + SECONDS_PER_DAY:
            last_scan = min(s.timeline.scans[-1].instant for s in undelivered)
            since = max(promise_end, last_scan) + 2 * SECONDS_PER_DAY
            return "no_updates", since, max(2, (since - last_scan) // SECONDS_PER_DAY)
        if undelivered:
            return "", 0, 0
        last_delivery = max(s.delivered_at or 0 for s in shipments)
        stalled = any(
            s.scenario in ("stalled_before_pickup", "stalled_in_transit") for s in shipments
        )
        if last_delivery > promise_end and stalled:
            return "no_updates", last_delivery - 2 * SECONDS_PER_DAY, 4
        if last_delivery > promise_end:
            days_late = self._local_delivery_day(order, last_delivery) - order.promised_day
            return "late_delivery", last_delivery, max(1, days_late)
        if any(s.scenario in ("failed_attempt", "address_exception") for s in shipments):
            return "delivery_problem", last_delivery, 0
        return "happy", last_delivery, 0

    def review(
        self,
        outputs: DemoOutputs,
        order: Order,
        shipments: list[Shipment],
        returns: list[ReturnMade],
    ) -> None:
        rng = self.rng
        topic, since, days = self._experience(order, shipments, returns)
        if not topic or rng.random() >= REVIEW_CHANCE[topic]:
            return
        rating = self._rating(topic)
        if topic == "happy":
            draw = rng.random()
            if draw < 0.05:
                topic, rating = "product_quality", 2 + int(rng.random() * 2)
            elif draw < 0.15 and order.channel == "web" and order.shipping_paid:
                topic, rating = "shipping_cost", 2 + int(rng.random() * 2)
            elif draw < 0.45:
                topic = "happy_product"
        created = since + int((0.05 + rng.random() ** 2 * 8) * SECONDS_PER_DAY)
        if created > self.period.as_of:
            return
        source = (
            "amazon"
            if order.channel == "amazon"
            else ("trustpilot" if rng.random() < 0.7 else "google")
        )
        language = LANGUAGE_OF_COUNTRY[order.country]
        texts = review_texts.REVIEW_TEXTS[language][topic]
        title, text = texts[int(rng.random() * len(texts))]
        product = order.lines[int(rng.random() * len(order.lines))].product.name.split(" (")[0]
        names = review_texts.AUTHOR_NAMES[language]
        author = f"{names[int(rng.random() * len(names))]} {chr(65 + int(rng.random() * 26))}."
        linked = source == "amazon" or rng.random() >= UNLINKED_REVIEW_SHARE
        outputs.review(
            {
                "review_id": self._review_id(source),
                "source": source,
                "rating": rating,
                "title": title.format(product=product, days=days),
                "text": text.format(product=product, days=days),
                "language": language,
                "created_at": self.clock.iso_utc(created),
                "order_id": order.order_id if linked else None,
                "author": author,
                "verified": linked,
                "demo_topic": topic,
            }
        )

    def _rating(self, topic: str) -> int:
        draw = self.rng.random()
        if topic == "happy":
            return 5 if draw < 0.68 else 4 if draw < 0.94 else 3
        if topic in ("late_delivery", "delivery_problem"):
            return 1 if draw < 0.45 else 2 if draw < 0.8 else 3
        return 1 if draw < 0.7 else 2

    def _review_id(self, source: str) -> str:
        bits = self.rng.getrandbits(96)
        if source == "trustpilot":
            return f"{bits:024x}"
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        chars = []
        for _ in range(13):
            bits, digit = divmod(bits, 36)
            chars.append(alphabet[digit])
        return ("R" if source == "amazon" else "ChZ") + "".join(chars)
