"""The demo data set's files, their columns, and the streaming writers that fill them."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

FILES = {
    "locations": "locations.csv",
    "stock": "stock.csv",
    "carrier_services": "carrier_services.csv",
    "orders": "orders.csv",
    "order_lines": "order_lines.csv",
    "shipments": "shipments.csv",
    "tracking_events": "tracking_events.ndjson",
    "returns": "returns.csv",
    "reviews": "reviews.json",
    "checkout_events": "checkout_events.ndjson",
}
"""Entity name (as in FORMATS.md and the ``[data]`` config table) to file name."""

COLUMNS = {
    "locations": (
        "location_id",
        "name",
        "type",
        "city",
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
    ),
    "stock": ("location_id", "sku", "on_hand", "reserved", "safety_stock"),
    "carrier_services": (
        "carrier",
        "service",
        "service_name",
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
        "calendar",
    ),
    "products": ("sku", "name", "category", "weight_kg", "price", "currency"),
    "orders": (
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
        "shipping_paid",
        "status",
        "cancel_reason",
        "cancelled_at",
        "fulfillment_status",
        "channel_order_ref",
        "customer_email_hash",
        "ship_to_city",
        "items_total",
        "order_total",
        "tags",
    ),
    "order_lines": (
        "order_id",
        "line_id",
        "sku",
        "quantity",
        "unit_price",
        "weight_kg",
        "category",
    ),
    "shipments": (
        "shipment_id",
        "order_id",
        "carrier",
        "tracking_number",
        "service",
        "location_id",
        "shipped_at",
        "promised_by",
        "carrier_edd",
        "delivered_at",
        "shipping_cost",
        "currency",
        "service_name",
        "weight_kg",
        "ship_to_country",
        "demo_scenario",
    ),
    "returns": (
        "return_id",
        "order_id",
        "sku",
        "quantity",
        "requested_at",
        "received_at",
        "refunded_at",
        "reason",
        "refund_amount",
        "currency",
        "status",
        "shipment_id",
        "location_id",
    ),
}


class DemoOutputs:
    """The streamed output files and their row counts."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.counts: dict[str, int] = {}
        self._handles: list[IO[str]] = []
        self.writers: dict[str, Any] = {}  # csv writer objects (their type is private)
        for entity in ("orders", "order_lines", "shipments", "returns"):
            self.writers[entity] = self._csv(FILES[entity], COLUMNS[entity])
        self.tracking_events = self._open(FILES["tracking_events"])
        self.checkout_events = self._open(FILES["checkout_events"])
        self.reviews = self._open(FILES["reviews"])
        self.reviews.write("[")
        for entity in FILES:
            self.counts[FILES[entity]] = 0

    def _open(self, name: str) -> IO[str]:
        handle = open(self.out_dir / name, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._handles.append(handle)
        return handle

    def _csv(self, name: str, columns: Sequence[str]) -> Any:
        writer = csv.writer(self._open(name), lineterminator="\r\n")
        writer.writerow(columns)
        return writer

    def row(self, entity: str, values: Sequence[object]) -> None:
        """Write one CSV row of an entity."""
        self.writers[entity].writerow(values)
        self.counts[FILES[entity]] += 1

    def events(self, entity: str, lines: list[str]) -> None:
        """Write prepared NDJSON lines."""
        handle = self.tracking_events if entity == "tracking_events" else self.checkout_events
        handle.writelines(lines)
        self.counts[FILES[entity]] += len(lines)

    def review(self, review: dict[str, object]) -> None:
        """Append one review to the JSON array."""
        separator = "\n" if self.counts[FILES["reviews"]] == 0 else ",\n"
        self.reviews.write(separator + json.dumps(review, ensure_ascii=False))
        self.counts[FILES["reviews"]] += 1

    def close(self) -> None:
        """Finish the JSON array and close every file."""
        self.reviews.write("\n]\n")
        for handle in self._handles:
            handle.close()


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> int:
    """Write a small CSV file at once (UTF-8, CRLF line ends as RFC 4180 has them)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return len(rows)
