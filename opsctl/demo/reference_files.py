"""The demo data set's small files: master data, checkout, config, README and manifest.

They are written after the order stream, because stock at the export moment
depends on what was shipped and what is still reserved for unshipped orders.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from opsctl.demo.calendars import Clock, day_date
from opsctl.demo.catalogue import (
    CARRIER_SERVICES,
    LOCATIONS,
    LOW_STOCK_SKUS,
    PRODUCTS,
    SHOP_CURRENCY,
    SHOP_NAME,
    SHOP_TIMEZONE,
    SOLD_OUT_SKUS,
    carries,
)
from opsctl.demo.checkout import CHECKOUT_SPEC, checkout_pages
from opsctl.demo.model import Period, kilograms, money
from opsctl.demo.outputs import COLUMNS, FILES, write_csv

StockKey = tuple[str, str]
"""(location_id, sku)"""


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What a generator run was asked for, as the README and manifest repeat it."""

    seed: int
    orders: int
    period: Period
    clock: Clock

    @property
    def as_of_text(self) -> str:
        """The export moment as ISO 8601 UTC."""
        return self.clock.iso_utc(self.period.as_of)

    @property
    def command(self) -> str:
        """The command line that regenerates the committed fixtures."""
        start = day_date(self.period.start_day).isoformat()
        return (
            f"python -m opsctl.demo.generator --out fixtures --orders {self.orders} "
            f"--seed {self.seed} --days {self.period.days} --start {start}"
        )


def write_reference_files(
    out_dir: Path,
    facts: RunFacts,
    rng: random.Random,
    sold: dict[StockKey, int],
    reserved: dict[StockKey, int],
    counts: dict[str, int],
) -> None:
    """Write every file that is not streamed; add their record counts to ``counts``."""
    average_daily = facts.orders / facts.period.days
    counts[FILES["locations"]] = write_csv(
        out_dir / FILES["locations"],
        COLUMNS["locations"],
        [
            (
                loc.location_id,
                loc.name,
                loc.kind,
                loc.city,
                loc.country,
                loc.postal_code,
                loc.latitude,
                loc.longitude,
                loc.timezone,
                loc.cutoff_local,
                loc.handling_days,
                max(10, -(-int(average_daily * loc.capacity_share) // 10) * 10),
                loc.channels,
                loc.priority,
                loc.calendar,
            )
            for loc in LOCATIONS
        ],
    )
    counts[FILES["stock"]] = write_csv(
        out_dir / FILES["stock"], COLUMNS["stock"], stock_rows(rng, facts.period, sold, reserved)
    )
    counts[FILES["carrier_services"]] = write_csv(
        out_dir / FILES["carrier_services"],
        COLUMNS["carrier_services"],
        [
            (
                s.carrier,
                s.service,
                s.service_name,
                s.origin_country,
                s.dest_country,
                s.transit_days_min,
                s.transit_days_max,
                money(s.base_cost),
                money(s.cost_per_kg),
                f"{s.max_weight_kg:g}",
                s.currency,
                s.pickup_days,
                "true" if s.saturday_delivery else "false",
                s.calendar,
            )
            for s in CARRIER_SERVICES
        ],
    )
    counts["products.csv"] = write_csv(
        out_dir / "products.csv",
        COLUMNS["products"],
        [
            (
                p.sku,
                p.name,
                p.category,
                kilograms(p.weight_grams),
                money(p.price_pence),
                SHOP_CURRENCY,
            )
            for p in PRODUCTS
        ],
    )
    pages_dir = out_dir / "checkout" / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "checkout" / "spec.toml").write_text(CHECKOUT_SPEC, encoding="utf-8")
    pages = checkout_pages()
    for name, html in pages.items():
        (pages_dir / name).write_text(html, encoding="utf-8")
    counts["checkout/spec.toml"] = 1
    counts["checkout/pages"] = len(pages)
    config = out_dir / "opsctl.toml"
    if not config.exists():
        # Written once: other commands add their own sections to the committed config.
        config.write_text(config_text(facts), encoding="utf-8")
    (out_dir / "README.md").write_text(readme_text(facts), encoding="utf-8")
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest(facts, counts), indent=2) + "\n", encoding="utf-8"
    )


def stock_rows(
    rng: random.Random, period: Period, sold: dict[StockKey, int], reserved: dict[StockKey, int]
) -> list[tuple[object, ...]]:
    """Stock at the export moment: cover in proportion to what each location shipped.

    Sold-out SKUs have nothing on hand anywhere; low-stock SKUs end at or below their
    safety stock; ``reserved`` counts units of orders not yet shipped.
    """
    rows: list[tuple[object, ...]] = []
    for location in LOCATIONS:
        for product in PRODUCTS:
            if not carries(location, product):
                continue
            key = (location.location_id, product.sku)
            safety = max(2, int(sold[key] / period.days * 4 + 0.999))
            if product.sku in SOLD_OUT_SKUS:
                on_hand = 0
            elif product.sku in LOW_STOCK_SKUS:
                on_hand = int(rng.random() * (safety + 1))
            else:
                on_hand = int(sold[key] * (0.4 + rng.random() * 1.2)) + 3 + int(rng.random() * 20)
            rows.append((location.location_id, product.sku, on_hand, reserved[key], safety))
    return rows


def config_text(facts: RunFacts) -> str:
    """``opsctl.toml`` tying the files together (paths relative to it)."""
    data = "\n".join(f'{entity} = "{name}"' for entity, name in FILES.items())
    return (
        f"# opsctl configuration of the {SHOP_NAME} demo shop.\n"
        "# Written by `python -m opsctl.demo.generator`; see docs/demo-shop.md.\n"
        f'# The data was exported at {facts.as_of_text}: use that as "now" (--as-of).\n\n'
        "[defaults]\n"
        f'timezone = "{SHOP_TIMEZONE}"\n'
        f'currency = "{SHOP_CURRENCY}"\n'
        'format = "table"\n\n'
        "[state]\n"
        'path = "demo-state.db"          # relative to this file\n\n'
        "[data]                         # entity -> file, relative to this file\n"
        f"{data}\n"
    )


def manifest(facts: RunFacts, counts: dict[str, int]) -> dict[str, object]:
    """How the files were made and how many records each holds."""
    return {
        "shop": SHOP_NAME,
        "generator": "opsctl.demo.generator",
        "command": facts.command,
        "seed": facts.seed,
        "orders": facts.orders,
        "start": day_date(facts.period.start_day).isoformat(),
        "days": facts.period.days,
        "as_of": facts.as_of_text,
        "files": dict(sorted(counts.items())),
    }


def readme_text(facts: RunFacts) -> str:
    """A short README saying the directory is generated and how to regenerate it."""
    return (
        f"# {SHOP_NAME} demo data\n\n"
        "Generated, do not edit. Regenerate with:\n\n"
        f"    {facts.command}\n\n"
        f"The data is as exported at {facts.as_of_text}. What each file holds and which "
        "scenarios are planted: docs/demo-shop.md.\n\n"
        "`opsctl.toml` is the exception: the generator writes it only when it is missing, "
        "so the sections other commands add to it are kept.\n"
    )
