"""One routing run: inputs in, decisions and their summary out, with no side effects.

:func:`route` is the whole decision, a pure function of its inputs: the same
orders, lines, stock, network and rules always give the same decisions. The
command line (``opsctl.commands.route``) only reads the inputs and prints or
records the result.
"""

from __future__ import annotations

import contextlib
import gc
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from sys import intern
from typing import Any

from opsctl.model import CarrierService, Location, Order, OrderLine, StockLevel
from opsctl.routing.allocator import Allocator
from opsctl.routing.fulfilment import FULFILLED, NOT_OPEN, SKIP_REASONS, Skipped, left_to_route
from opsctl.routing.geo import PostalCodes
from opsctl.routing.model import BACKORDERED, CENT, HELD, ROUTED, Decision, Item, Request
from opsctl.routing.network import Network
from opsctl.routing.planner import Planner
from opsctl.routing.resources import Resources
from opsctl.routing.rules import RoutingSettings
from opsctl.routing.ruleset import RuleSet
from opsctl.routing.strategies import RoutingStrategy

#: Orders in any other status (cancelled, shipped, ...) are not routed.
ROUTABLE_STATUS = "open"


@dataclass
class RoutingInputs:
    """What a routing run reads: the network, the stock and the orders."""

    locations: Sequence[Location]
    carrier_services: Sequence[CarrierService]
    stock: Sequence[StockLevel]
    orders: Sequence[Order]
    lines: Sequence[OrderLine]
    #: Units already reserved by earlier runs, per (location_id, sku).
    reserved: Mapping[tuple[str, str], int] = field(default_factory=dict)
    #: Shipments already planned by earlier runs, per (location_id, ship day).
    load: Mapping[tuple[str, date], int] = field(default_factory=dict)
    postal_codes: PostalCodes | None = None
    #: Ids of the orders that have a shipment in the data's shipments (read by ``opsctl
    #: route``, not by replay): see :mod:`opsctl.routing.fulfilment`.
    shipped: Collection[str] = frozenset()


@dataclass
class LocationLoad:
    """What one location ships in a run."""

    location_id: str
    orders: int = 0
    shipments: int = 0
    units: int = 0
    cost: Decimal = Decimal(0)
    busiest_day: date | None = None
    busiest_day_shipments: int = 0
    daily_capacity: int | None = None


@dataclass
class Summary:
    """The outcome of a run in numbers (the ``summary`` of the JSON output)."""

    currency: str
    orders: int = 0
    routed: int = 0
    split: int = 0
    backordered: int = 0
    held: int = 0
    #: Orders not routed because of their status: open orders only, and of those only
    #: what has not shipped (``skipped_reasons`` counts them per reason).
    skipped: int = 0
    shipments: int = 0
    with_promise: int = 0
    promises_kept: int = 0
    promises_at_risk: int = 0
    total_cost: Decimal = Decimal(0)
    load: list[LocationLoad] = field(default_factory=list)
    #: Skip reason (``not open``, ``already fulfilled``) -> orders.
    skipped_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def cost_per_order(self) -> Decimal:
        return (self.total_cost / self.routed).quantize(CENT) if self.routed else Decimal(0)

    def metrics(self) -> dict[str, Decimal]:
        """The numbers replay compares and guardrails bound."""
        return {
            "routed": Decimal(self.routed),
            "promises_kept": Decimal(self.promises_kept),
            "promises_at_risk": Decimal(self.promises_at_risk),
            "backordered": Decimal(self.backordered),
            "held": Decimal(self.held),
            "split": Decimal(self.split),
            "total_cost": self.total_cost,
            "cost_per_order": self.cost_per_order,
        }


@dataclass
class RoutingRun:
    """A finished run: every decision, with what made it (kept for ``--explain``)."""

    decisions: list[Decision]
    skipped: list[Skipped]
    settings: RoutingSettings
    network: Network
    rules: RuleSet
    allocator: Allocator
    inputs: RoutingInputs

    def summary(self) -> Summary:
        return summarise(self.decisions, self.skipped, self.settings, self.network)


def build_requests(
    orders: Iterable[Order],
    lines: Iterable[OrderLine],
    settings: RoutingSettings,
    network: Network,
    *,
    tz: tzinfo,
    as_of: datetime | None = None,
    shipped: Collection[str] = frozenset(),
    fulfilled_too: bool = False,
) -> tuple[list[Request], list[Skipped]]:
    """The routable orders as requests (in input order), and the orders skipped.

    Only open orders are routed, and of those only what has not shipped
    (:mod:`opsctl.routing.fulfilment`; ``shipped``: the ids of the orders
    with a shipment), unless ``fulfilled_too`` (replay routes a past period
    whatever shipped since). ``tz`` reads a ``promised_by`` timestamp as a
    day; ``as_of`` is the earliest moment an order can be processed (default:
    when it was placed).
    """
    lines_of: dict[str, list[OrderLine]] = defaultdict(list)
    extras_on_lines = False
    for line in lines:
        lines_of[line.order_id].append(line)
        if line.extra:
            extras_on_lines = True
    needs_value = any(rule.uses_value for rule in settings.rules)
    needs_tags = any(
        criteria.tags is not None
        for rule in settings.rules
        for criteria in (rule.when, rule.unless)
        if criteria is not None
    )
    requests, skipped = [], []
    zero = Decimal(0)
    new_item = tuple.__new__  # Item(...) without the named tuple's Python-level __new__
    for order in orders:
        if order.status != ROUTABLE_STATUS:
            detail = f"its status is {order.status!r}: only open orders are routed"
            skipped.append(Skipped(order, NOT_OPEN, detail))
            continue
        order_lines = tuple(lines_of.get(order.order_id, ()))
        hold = None
        # what shipped can only show in extra columns or in the shipments data
        if not fulfilled_too and (order.extra or extras_on_lines or shipped):
            left = left_to_route(order, order_lines, shipped)
            if left.lines is None and left.hold is None:
                detail = f"already fulfilled: {left.detail}; only what has not shipped is routed"
                skipped.append(Skipped(order, FULFILLED, detail))
                continue
            order_lines, hold = left.lines or order_lines, left.hold
        units: dict[str, int] = {}
        weight = zero
        items = []
        for line in order_lines:
            sku, quantity = intern(line.sku), line.quantity  # see Resources
            units[sku] = units.get(sku, 0) + quantity
            if line.weight_kg is not None:
                weight += line.weight_kg * quantity
            items.append(new_item(Item, (line.line_id, sku, quantity)))
        value = None
        if needs_value:  # only value criteria read it
            value = sum((line.unit_price * line.quantity for line in order_lines), zero)
            if order.currency != settings.currency:
                value = (value * settings.rate(order.currency)).quantize(CENT)
        promise = order.promised_by
        if isinstance(promise, datetime):
            promise = promise.astimezone(tz).date()
        # the fields in their order: keyword arguments cost twice as much to match, per order
        request = Request(
            order,
            order_lines,
            weight,
            value,
            promise,
            max(order.placed_at, as_of) if as_of is not None else order.placed_at,  # start
            network.destination(  # destination
                order.ship_to_country,
                order.ship_to_postal_code,
                order.ship_to_latitude,
                order.ship_to_longitude,
            ),
            tuple(units.items()),  # units
            tuple(items),  # items
            (),  # tags
            hold,
        )
        if needs_tags:
            request.tags = _tags(request)
        requests.append(request)
    return requests, skipped


def _tags(request: Request) -> tuple[str, ...]:
    tags: list[str] = []
    for value in request.column_values("tags"):
        if isinstance(value, str):
            tags += [tag.strip() for tag in value.replace(",", ";").split(";") if tag.strip()]
        elif isinstance(value, list):
            tags += [str(tag) for tag in value]
    return tuple(dict.fromkeys(tags))


def route(
    inputs: RoutingInputs,
    settings: RoutingSettings,
    strategies: Mapping[str, RoutingStrategy],
    *,
    tz: tzinfo,
    as_of: datetime | None = None,
    optimise: bool = True,
    fulfilled_too: bool = False,
) -> RoutingRun:
    """Route every open order of ``inputs`` with ``settings``; nothing is written anywhere.

    Orders already fulfilled are skipped, and only the units left of partly
    fulfilled ones are routed, unless ``fulfilled_too`` (replay: a what-if over
    a past period). ``optimise=False`` routes order by order in fair order (no
    relaxation, repair or improvement), to compare with.
    """
    network = Network(inputs.locations, inputs.carrier_services, settings, inputs.postal_codes)
    rules = RuleSet(settings, network, strategies)
    stock: Counter[tuple[str, str]] = Counter()
    for level in inputs.stock:
        stock[(level.location_id, level.sku)] += level.available
    for key, units in inputs.reserved.items():
        stock[key] -= units
    resources = Resources(stock, inputs.load)
    with collector_paused():
        requests, skipped = build_requests(
            inputs.orders,
            inputs.lines,
            settings,
            network,
            tz=tz,
            as_of=as_of,
            shipped=inputs.shipped,
            fulfilled_too=fulfilled_too,
        )
        allocator = Allocator(rules, Planner(network, resources), optimise=optimise)
        decisions = allocator.run(requests)
    return RoutingRun(decisions, skipped, settings, network, rules, allocator, inputs)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (reference counting still frees memory).

    Reading and routing a batch build millions of small objects that form no
    cycles, and every collection meanwhile would walk them all again: that was a
    sixth of a 100,000-order run. At the end the objects made meanwhile join the
    oldest generation unexamined (``freeze`` then ``unfreeze`` only moves lists),
    so the next young collection does not walk them all either.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def summarise(
    decisions: Iterable[Decision],
    skipped: Sequence[Skipped],
    settings: RoutingSettings,
    network: Network,
) -> Summary:
    """Count a run's outcome: orders by status, promises, cost and load per location."""
    reasons = Counter(skip.reason for skip in skipped)
    summary = Summary(
        currency=settings.currency,
        skipped=len(skipped),
        skipped_reasons={
            **{reason: reasons[reason] for reason in SKIP_REASONS},
            **{reason: count for reason, count in reasons.items() if reason not in SKIP_REASONS},
        },
    )
    loads = {
        site_id: LocationLoad(site_id, daily_capacity=site.capacity)
        for site_id, site in network.sites.items()
    }
    # plain counters and dicts: a Counter's item costs a lookup each, and there are
    # 100,000s of orders
    per_day: dict[tuple[str, date], int] = {}
    orders = routed = split = backordered = held = with_promise = kept = 0
    costs: list[Decimal] = []
    for decision in decisions:
        orders += 1
        status, plan = decision.status, decision.plan
        if decision.request.promise is not None:
            with_promise += 1
            if plan is not None and plan.on_time is True:  # Decision.promise_kept
                kept += 1
        if status == ROUTED and plan is not None:
            routed += 1
            costs.append(plan.cost)
            shipments = plan.shipments
            if len(shipments) > 1:
                split += 1
            for shipment in shipments:
                site_id = shipment.site.location_id
                load = loads[site_id]
                load.shipments += 1
                for item in shipment.items:
                    load.units += item.quantity
                load.cost += shipment.cost_value
                day_key = (site_id, shipment.ship_date)
                per_day[day_key] = per_day.get(day_key, 0) + 1
            if len(shipments) == 1:
                loads[shipments[0].site.location_id].orders += 1
            else:
                for site_id in {s.site.location_id for s in shipments}:
                    loads[site_id].orders += 1
        elif status == BACKORDERED:
            backordered += 1
        elif status == HELD:
            held += 1
    summary.orders, summary.routed, summary.split = orders, routed, split
    summary.backordered, summary.held = backordered, held
    summary.with_promise = with_promise
    summary.promises_kept = kept
    summary.promises_at_risk = with_promise - kept
    summary.total_cost = sum(costs, Decimal(0)).quantize(CENT)
    summary.shipments = sum(load.shipments for load in loads.values())
    for (site_id, day), count in sorted(per_day.items()):
        load = loads[site_id]
        if count > load.busiest_day_shipments:
            load.busiest_day, load.busiest_day_shipments = day, count
    for load in loads.values():
        load.cost = load.cost.quantize(CENT)
    summary.load = list(loads.values())
    return summary


def _same(value: Any) -> Any:
    return value


def _day_text(value: Any) -> Any:
    """A date as the JSON output writes it (ISO 8601); any other value as it is."""
    return value.isoformat() if isinstance(value, date) else value


def _amount_text(value: Any) -> Any:
    """A Decimal as the JSON output writes it (its exact text); any other value as it is."""
    return str(value) if isinstance(value, Decimal) else value


def decision_document(decision: Decision, *, text: bool = False) -> dict[str, Any]:
    """One order's decision in the JSON shape ``docs/routing.md`` documents.

    With ``text``, its dates and amounts are already the strings the JSON output
    writes for them (as :func:`opsctl.output.to_jsonable` turns them), so the JSON
    encoder hands none of them back to Python: there are seven per routed order.
    """
    day, amount = (_day_text, _amount_text) if text else (_same, _same)
    plan = decision.plan
    request = decision.request
    return {
        "order_id": decision.order_id,
        "status": decision.status,
        "rule": decision.rule.name if decision.rule else None,
        "promised_by": day(request.promise),
        "promise_kept": decision.promise_kept,
        "expected_delivery": day(plan.delivery) if plan else None,
        "cost": amount(plan.cost.quantize(CENT)) if plan else None,
        "shipments": [
            {
                "location_id": s.site.location_id,
                "carrier": s.lane.carrier,
                "service": s.lane.name,
                "ship_date": day(s.ship_date),
                "expected_delivery": day(s.delivery),
                "cost": amount(s.cost),
                "currency": s.lane.currency,
                "weight_kg": amount(s.weight),
                "promise_kept": s.on_time,
                "lines": [
                    {"line_id": line_id, "sku": sku, "quantity": quantity}
                    for line_id, sku, quantity in s.items
                ],
            }
            for s in (plan.shipments if plan else ())
        ],
        "reason": decision.reason,
        "short": [
            {"sku": s.sku, "quantity": s.quantity, "available": s.available} for s in decision.short
        ],
    }


def summary_document(summary: Summary) -> dict[str, Any]:
    """The run's summary in the JSON shape ``docs/routing.md`` documents."""
    return {
        "orders": summary.orders,
        "routed": summary.routed,
        "split": summary.split,
        "backordered": summary.backordered,
        "held": summary.held,
        "skipped": summary.skipped,
        "skipped_reasons": summary.skipped_reasons,
        "shipments": summary.shipments,
        "with_promise": summary.with_promise,
        "promises_kept": summary.promises_kept,
        "promises_at_risk": summary.promises_at_risk,
        "total_cost": summary.total_cost,
        "cost_per_order": summary.cost_per_order,
        "currency": summary.currency,
        "load": [
            {
                "location_id": load.location_id,
                "orders": load.orders,
                "shipments": load.shipments,
                "units": load.units,
                "cost": load.cost,
                "busiest_day": load.busiest_day,
                "busiest_day_shipments": load.busiest_day_shipments,
                "daily_capacity": load.daily_capacity,
            }
            for load in summary.load
        ],
    }
