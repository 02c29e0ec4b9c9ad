"""A small shop for the routing tests: three locations, five carrier services, records and files.

Leeds (GB, cutoff 15:00, Royal Mail Mon-Sat and DPD), Venlo (NL, cutoff 16:00,
DHL to every country) and a Dublin store (IE, cutoff 12:00, one handling day,
two shipments a day, web only). Monday 2 March 2026 is an ordinary week;
Good Friday is 3 April 2026 and Easter Monday 6 April (England).
"""

from __future__ import annotations

import textwrap
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from opsctl.model import CarrierService, Location, Order, OrderLine, StockLevel
from opsctl.routing.batch import RoutingInputs, RoutingRun, route
from opsctl.routing.rules import RoutingSettings, RulesSource, parse_settings
from opsctl.routing.strategies import BUILTIN_STRATEGIES

STRATEGIES = {strategy.name: strategy for strategy in BUILTIN_STRATEGIES}
LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

LOCATIONS = (
    Location("leeds", "GB", "LS10", 53.77, -1.53, "Europe/London", time(15), 0, 100,
             ("web", "amazon", "wholesale"), 1, "GB-ENG"),
    Location("venlo", "NL", "5928", 51.39, 6.16, "Europe/Amsterdam", time(16), 0, 100,
             ("web", "amazon"), 2, "NL"),
    Location("dublin", "IE", "D02", 53.34, -6.26, "Europe/Dublin", time(12), 1, 2,
             ("web",), 3, "IE"),
)  # fmt: skip
SERVICES = (
    CarrierService("royalmail", "standard", "GB", "GB", 1, 2, Decimal("3.85"), Decimal("0.35"),
                   Decimal("20"), "GBP", (0, 1, 2, 3, 4, 5), True, "GB-ENG"),
    CarrierService("dpd", "express", "GB", "GB", 1, 1, Decimal("7.90"), Decimal("0.20"),
                   Decimal("30"), "GBP", (0, 1, 2, 3, 4), False, "GB-ENG"),
    CarrierService("dpd", "classic", "GB", "*", 2, 3, Decimal("8.95"), Decimal("0.85"),
                   Decimal("31.5"), "GBP", (0, 1, 2, 3, 4), False, "GB-ENG"),
    CarrierService("dhl", "standard", "NL", "*", 1, 2, Decimal("6.80"), Decimal("0.50"),
                   Decimal("31.5"), "EUR", (0, 1, 2, 3, 4), False, "NL"),
    CarrierService("dpd", "standard", "IE", "IE", 1, 1, Decimal("5.50"), Decimal("0.20"),
                   Decimal("30"), "EUR", (0, 1, 2, 3, 4), False, "IE"),
)  # fmt: skip
RATES = 'currency = "GBP"\nexchange_rates = { EUR = "0.85" }\n'


def order(order_id: str = "O1", **fields: Any) -> Order:
    """An open GB web order placed on Monday 2 March 2026 at 09:00 UTC, promised Thursday."""
    values: dict[str, Any] = {
        "order_id": order_id,
        "channel": "web",
        "placed_at": MONDAY,
        "customer_type": "retail",
        "currency": "GBP",
        "ship_to_country": "GB",
        "ship_to_postal_code": "M1",
        "ship_to_latitude": 53.48,
        "ship_to_longitude": -2.24,
        "service_level": "standard",
        "promised_by": date(2026, 3, 5),
        "shipping_paid": None,
        "status": "open",
        "cancel_reason": None,
    }
    extra = fields.pop("extra", {})
    values.update(fields)
    return Order(**values, extra=extra)


def drawn_order_fields(draw, start: datetime, *, days: int, max_promise: int) -> dict[str, Any]:
    """Random fields of an :func:`order` for a hypothesis test (``draw`` is its draw):
    placed within ``days`` of ``start``, a GB, DE or IE destination in its currency, web
    or amazon, promised up to ``max_promise`` days after placing, or not at all."""
    from hypothesis import strategies as st

    placed = start + timedelta(minutes=draw(st.integers(0, days * 24 * 60)))
    country = draw(st.sampled_from(("GB", "GB", "DE", "IE")))
    promise = draw(st.one_of(st.none(), st.integers(0, max_promise)))
    return {
        "placed_at": placed,
        "ship_to_country": country,
        "currency": "GBP" if country == "GB" else "EUR",
        "channel": draw(st.sampled_from(("web", "amazon"))),
        "promised_by": None if promise is None else placed.date() + timedelta(days=promise),
    }


def line(order_id: str = "O1", sku: str = "A", quantity: int = 1, **fields: Any) -> OrderLine:
    values: dict[str, Any] = {
        "order_id": order_id,
        "sku": sku,
        "quantity": quantity,
        "unit_price": Decimal("20.00"),
        "line_id": fields.pop("line_id", sku),
        "weight_kg": Decimal("0.5"),
    }
    values.update(fields)
    return OrderLine(**values)


def stock(*levels: tuple[str, str, int]) -> list[StockLevel]:
    """Stock levels from (location, sku, available) triples."""
    return [StockLevel(location, sku, units, 0, 0) for location, sku, units in levels]


def settings(toml: str = "", *, source: RulesSource | None = None) -> RoutingSettings:
    """Routing settings from the body of a ``[routing]`` section (plus the shop's currency)."""
    from opsctl.config import tomllib

    section = tomllib.loads(textwrap.dedent(toml))
    section.setdefault("currency", "GBP")
    section.setdefault("exchange_rates", {"EUR": "0.85"})
    return parse_settings(section, source=source or RulesSource(), strategies=STRATEGIES)


def run(
    orders: list[Order],
    lines: list[OrderLine],
    levels: list[StockLevel],
    toml: str = "",
    *,
    locations=LOCATIONS,
    services=SERVICES,
    **options: Any,
) -> RoutingRun:
    """Route in process with the shop's network."""
    inputs = RoutingInputs(list(locations), list(services), levels, orders, lines)
    return route(inputs, settings(toml), STRATEGIES, tz=LONDON, **options)


def decided(routing: RoutingRun) -> dict[str, Any]:
    """order id -> decision."""
    return {decision.order_id: decision for decision in routing.decisions}


# -- files for the command line ------------------------------------------------------------

LOCATIONS_CSV = """\
location_id,country,postal_code,latitude,longitude,timezone,cutoff_local,handling_days,daily_capacity,channels,priority,calendar
leeds,GB,LS10,53.77,-1.53,Europe/London,15:00,0,100,web;amazon;wholesale,1,GB-ENG
venlo,NL,5928,51.39,6.16,Europe/Amsterdam,16:00,0,100,web;amazon,2,NL
dublin,IE,D02,53.34,-6.26,Europe/Dublin,12:00,1,2,web,3,IE
"""
SERVICES_CSV = """\
carrier,service,origin_country,dest_country,transit_days_min,transit_days_max,base_cost,cost_per_kg,max_weight_kg,currency,pickup_days,saturday_delivery,calendar
royalmail,standard,GB,GB,1,2,3.85,0.35,20,GBP,Mon-Sat,true,GB-ENG
dpd,express,GB,GB,1,1,7.90,0.20,30,GBP,Mon-Fri,false,GB-ENG
dpd,classic,GB,*,2,3,8.95,0.85,31.5,GBP,Mon-Fri,false,GB-ENG
dhl,standard,NL,*,1,2,6.80,0.50,31.5,EUR,Mon-Fri,false,NL
dpd,standard,IE,IE,1,1,5.50,0.20,30,EUR,Mon-Fri,false,IE
"""
STOCK_CSV = """\
location_id,sku,on_hand,reserved,safety_stock
leeds,JACKET,5,1,1
leeds,SOCKS,50,0,0
venlo,JACKET,4,0,0
venlo,SOCKS,20,0,0
dublin,JACKET,1,0,0
"""
ORDERS_CSV = """\
order_id,channel,placed_at,customer_type,currency,ship_to_country,ship_to_postal_code,ship_to_latitude,ship_to_longitude,service_level,promised_by,status
A-1,web,2026-03-02T09:00:00Z,retail,GBP,GB,M1,53.48,-2.24,standard,2026-03-04,open
A-2,amazon,2026-03-02T10:00:00Z,retail,EUR,DE,10115,52.52,13.40,standard,2026-03-06,open
A-3,web,2026-03-02T16:30:00Z,retail,GBP,GB,LS1,53.80,-1.55,express,2026-03-03,open
A-4,wholesale,2026-03-02T11:00:00Z,wholesale,GBP,GB,B1,52.49,-1.89,standard,2026-03-06,open
A-5,web,2026-03-02T12:00:00Z,retail,GBP,GB,E1,51.51,-0.13,standard,2026-03-05,cancelled
"""
LINES_CSV = """\
order_id,line_id,sku,quantity,unit_price,weight_kg
A-1,1,JACKET,1,149.00,0.62
A-2,1,SOCKS,2,18.00,0.12
A-3,1,SOCKS,1,18.00,0.12
A-4,1,JACKET,3,120.00,0.62
A-4,2,SOCKS,10,12.00,0.12
A-5,1,SOCKS,1,18.00,0.12
"""
RULES_TOML = """\
[routing]
currency = "GBP"
exchange_rates = { EUR = "0.85" }

[routing.guardrails]
min_promises_kept_change = 0
max_total_cost_change_pct = 2

[[routing.rules]]
name = "wholesale"
when = { customer_type = "wholesale" }
locations = ["leeds"]
strategy = "fewest-shipments"
split = true
on_no_fit = "hold"

[[routing.rules]]
name = "everything else"
strategy = "cheapest-on-time"
"""


def write_shop(folder: Path, rules: str = RULES_TOML, **files: str) -> Path:
    """Write the shop's data files and an ``opsctl.toml`` naming them into ``folder``."""
    contents = {
        "locations.csv": LOCATIONS_CSV,
        "carrier_services.csv": SERVICES_CSV,
        "stock.csv": STOCK_CSV,
        "orders.csv": ORDERS_CSV,
        "order_lines.csv": LINES_CSV,
    }
    contents.update({name.replace("_csv", ".csv"): text for name, text in files.items()})
    for name, text in contents.items():
        (folder / name).write_text(text, encoding="utf-8")
    data = "\n".join(f'{name.removesuffix(".csv")} = "{name}"' for name in contents)
    config = (
        '[defaults]\ntimezone = "Europe/London"\ncurrency = "GBP"\n\n'
        f'[state]\npath = "state.db"\n\n[data]\n{data}\n\n{rules}'
    )
    (folder / "opsctl.toml").write_text(config, encoding="utf-8")
    return folder
