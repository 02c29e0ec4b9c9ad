"""Plans for one order: every way it can ship under one rule, given what is left.

A *single* plan ships the whole order from one site with one lane. A *split*
plan (when the rule allows it) ships it from two or more sites, at most
``max_shipments``, each shipment with its own best lane. The planner checks
every constraint (the rule's locations, channels served, distance, stock
left, the lane's weight limit, the site's daily capacity with spill-over to
later departures) and ranks what passes with the rule's strategy, ties
broken by :func:`~opsctl.routing.strategies.tie_break`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import date
from decimal import Decimal
from itertools import combinations
from typing import Any

from opsctl.routing.model import Item, Lane, Plan, Request, Shipment, Site
from opsctl.routing.network import Network
from opsctl.routing.resources import Resources
from opsctl.routing.ruleset import BoundRule
from opsctl.routing.strategies import tie_break

#: ``accept`` value: only plans that keep the promise (or orders that promise nothing).
ON_TIME = "on-time"

SiteChoice = tuple[Site, float | None]


def site_refusal(
    site: Site, request: Request, rule: BoundRule, distance: float | None
) -> str | None:
    """Why ``rule`` does not let ``site`` serve ``request`` (stock aside), or None."""
    if site not in rule.sites:
        return f"not among the locations of rule {rule.name!r}"
    if rule.rule.channel_check and not site.serves(request.order.channel):
        served = ", ".join(sorted(site.channels))
        return f"does not serve channel {request.order.channel!r} (serves {served})"
    limit = rule.rule.max_distance_km
    if limit is not None:
        if distance is None:
            return "distance unknown (no coordinates), and the rule has max_distance_km"
        if distance > limit:
            return f"{distance:.0f} km away, beyond max_distance_km {limit:g}"
    return None


def lane_refusal(lane: Lane, weight: Decimal, rule: BoundRule) -> str | None:
    """Why ``lane`` cannot carry a parcel of ``weight`` kg under ``rule``, or None."""
    if not rule.rule.allows_service(lane.carrier, lane.name):
        return "not among the rule's carriers/services"
    if not lane.carries(weight):
        return (
            f"{format(weight.normalize(), 'f')} kg is over its weight limit of "
            f"{format(lane.max_weight_kg.normalize(), 'f')} kg"
        )
    return None


def _better(key: tuple[Any, ...], plan: Plan, best_key: tuple[Any, ...] | None, best: Plan | None):
    if best is None or best_key is None or key < best_key:
        return True
    return key == best_key and tie_break(plan) < tie_break(best)


class Planner:
    """Builds and ranks the plans of one order against the :class:`Resources` left."""

    def __init__(self, network: Network, resources: Resources):
        self.network, self.resources = network, resources
        self._sites: dict[tuple[int, str], tuple[Site, ...]] = {}
        self._lanes: dict[tuple[int, str, str], tuple[Lane, ...]] = {}
        self._costs: dict[tuple[int, Decimal], tuple[Decimal, Decimal]] = {}
        self._fastest: dict[tuple, date] = {}

    # -- sites -------------------------------------------------------------------------------

    def sites(self, request: Request, rule: BoundRule) -> list[SiteChoice]:
        """The sites ``rule`` lets serve ``request``, with their distance when it matters."""
        channel = request.order.channel
        key = (id(rule), channel)
        sites = self._sites.get(key)
        if sites is None:
            sites = tuple(
                site for site in rule.sites if not rule.rule.channel_check or site.serves(channel)
            )
            self._sites[key] = sites
        limit = rule.rule.max_distance_km
        if limit is None and not getattr(rule.strategy, "uses_distance", False):
            return [(site, None) for site in sites]
        choices = []
        known = request.distances
        if known is None:
            known = request.distances = {}
        for site in sites:
            if site.location_id in known:
                distance = known[site.location_id]
            else:
                distance = known[site.location_id] = self.network.distance_km(site, request)
            if limit is None or (distance is not None and distance <= limit):
                choices.append((site, distance))
        return choices

    def fits(self, units: Sequence[tuple[str, int]], site_id: str, stock: dict) -> bool:
        """Whether ``stock`` (free or initial) holds every unit at ``site_id``."""
        for sku, quantity in units:
            by_location = stock.get(sku)
            if by_location is None or by_location.get(site_id, 0) < quantity:
                return False
        return True

    # -- shipments ---------------------------------------------------------------------------

    def lanes(self, rule: BoundRule, site: Site, request: Request) -> tuple[Lane, ...]:
        """The lanes from ``site`` to the order's country that ``rule`` allows."""
        key = (id(rule), site.country, request.order.ship_to_country)
        lanes = self._lanes.get(key)
        if lanes is None:
            lanes = tuple(
                lane
                for lane in self.network.lanes(site.country, request.order.ship_to_country)
                if rule.rule.allows_service(lane.carrier, lane.name)
            )
            self._lanes[key] = lanes
        return lanes

    def timing(
        self, request: Request, site: Site, lane: Lane, clock: tuple[date, bool]
    ) -> tuple[date, date, date] | None:
        """(earliest ship day, ship day, expected delivery) of a parcel from ``site`` with
        ``lane``: the ship day spills to later departures while the site's daily capacity is
        taken; None when it is taken on every departure of the spill-over window."""
        network = self.network
        earliest, delivery = network.dates(site, lane, request.start, clock)
        capacity = site.capacity
        if capacity is None:
            return earliest, earliest, delivery
        if capacity <= 0:
            return None
        by_day = self.resources.load.get(site.location_id)
        if not by_day or by_day.get(earliest, 0) < capacity:
            return earliest, earliest, delivery
        day, waits = earliest, 0
        while by_day.get(day, 0) >= capacity:
            waits += 1
            if waits > network.spill_days:
                return None
            day = network.next_departure(site, lane, day)
        return earliest, day, network.delivery(lane, day)

    def price(self, lane: Lane, weight: Decimal) -> tuple[Decimal, Decimal]:
        """The lane's price for ``weight`` kg, in its currency and in the routing currency."""
        key = (id(lane), weight)
        found = self._costs.get(key)
        if found is None:
            cost = lane.cost(weight)
            found = self._costs[key] = (cost, cost if lane.rate == 1 else cost * lane.rate)
        return found

    def shipment(
        self,
        request: Request,
        site: Site,
        lane: Lane,
        items: tuple[Item, ...],
        weight: Decimal,
        clock: tuple[date, bool],
        distance: float | None,
    ) -> Shipment | None:
        """The shipment of ``items`` from ``site`` with ``lane``; None when capacity is full
        on every departure within the spill-over window."""
        timing = self.timing(request, site, lane, clock)
        if timing is None:
            return None
        earliest, day, delivery = timing
        cost, value = self.price(lane, weight)
        promise = request.promise
        on_time = None if promise is None else delivery <= promise
        return Shipment(
            site, lane, items, weight, earliest, day, delivery, cost, value, on_time, distance
        )

    def single_plans(
        self, request: Request, rule: BoundRule, site: Site, distance: float | None
    ) -> Iterator[Plan]:
        """Every plan shipping the whole order from ``site``, one per usable lane."""
        weight = request.weight
        clock = self.clock(request, site)
        for lane in self.lanes(rule, site, request):
            if lane.max_weight_kg is None or weight <= lane.max_weight_kg:
                shipment = self.shipment(
                    request, site, lane, request.items, weight, clock, distance
                )
                if shipment is not None:
                    yield Plan(
                        (shipment,), shipment.on_time, shipment.cost_value, shipment.delivery
                    )

    # -- choosing ----------------------------------------------------------------------------

    def choose(
        self,
        request: Request,
        rule: BoundRule,
        accept: str | None = None,
        only: Collection[str] | None = None,
    ) -> tuple[Plan | None, bool]:
        """The best plan for ``request`` under ``rule`` with what is left, and whether a
        site that held the order's stock at the start was blocked because other orders
        took it.

        ``accept=ON_TIME`` considers only plans that keep the promise; ``only``
        limits the plans to those locations.
        """
        free, initial = self.resources.free, self.resources.initial
        key_of = rule.strategy.key
        on_time_only = accept == ON_TIME or rule.rule.require_on_time
        best: Plan | None = None
        best_key: tuple[Any, ...] | None = None
        blocked = False
        sites = self.sites(request, rule)
        if only is not None:
            sites = [choice for choice in sites if choice[0].location_id in only]
        units, items, weight = request.units, request.items, request.weight
        promise = request.promise
        # One probe shipment and plan are refilled for every lane, and copied only when
        # they rank best so far: the planner ranks millions of options in a large batch.
        probe = Shipment(None, None, items, weight, None, None, None, None, None, None, None)  # type: ignore[arg-type]
        probe_plan = Plan((probe,), None, None, None)  # type: ignore[arg-type]
        for site, distance in sites:
            site_id = site.location_id
            lanes = self.lanes(rule, site, request)
            if not lanes:
                continue
            if not self.fits(units, site_id, free):
                blocked = blocked or self.fits(units, site_id, initial)
                continue
            clock = self.clock(request, site)
            probe.site, probe.distance_km = site, distance
            for lane in lanes:
                if lane.max_weight_kg is not None and weight > lane.max_weight_kg:
                    continue
                timing = self.timing(request, site, lane, clock)
                if timing is None:
                    continue
                on_time = None if promise is None else timing[2] <= promise
                if on_time_only and on_time is False:
                    continue
                cost, value = self.price(lane, weight)
                probe.lane = lane
                probe.earliest_ship_date, probe.ship_date, probe.delivery = timing
                probe.cost, probe.cost_value, probe.on_time = cost, value, on_time
                probe_plan.on_time, probe_plan.cost, probe_plan.delivery = on_time, value, timing[2]
                key = key_of(probe_plan, request, rule)
                if (
                    best_key is None
                    or key < best_key
                    or (key == best_key and tie_break(probe_plan) < tie_break(best))  # type: ignore[arg-type]
                ):
                    shipment = Shipment(
                        site, lane, items, weight, *timing, cost, value, on_time, distance
                    )
                    best, best_key = Plan((shipment,), on_time, value, timing[2]), key
        if rule.rule.split and (best is None or best.on_time is False):
            need_on_time = on_time_only or best is not None
            for plan in self.split_plans(request, rule, sites, need_on_time):
                key = key_of(plan, request, rule)
                if _better(key, plan, best_key, best):
                    best, best_key = plan, key
        return best, blocked

    def best(self, request: Request, rule: BoundRule, accept: str | None = None) -> Plan | None:
        """The best plan for ``request`` under ``rule`` (see :meth:`choose`)."""
        return self.choose(request, rule, accept)[0]

    # -- splitting ---------------------------------------------------------------------------

    def split_plans(
        self, request: Request, rule: BoundRule, sites: Sequence[SiteChoice], on_time_only: bool
    ) -> Iterator[Plan]:
        """Plans of 2 to ``max_shipments`` shipments from different sites.

        For each set of sites that together hold every unit, each line goes
        whole to the first site (most units first, then network order) that
        has it all, else is shared out in that order; each shipment then
        takes its best lane. Sets where a site would ship nothing are left
        to the smaller sets.
        """
        free = self.resources.free
        wanted = dict(request.units)
        if on_time_only and request.promise is not None:
            sites = [
                choice
                for choice in sites
                if self.fastest(request, rule, choice[0]) <= request.promise
            ]
        supply: dict[str, dict[str, int]] = {}
        for site, _ in sites:
            held = {}
            for sku, quantity in wanted.items():
                units = min(quantity, max(0, free.get(sku, {}).get(site.location_id, 0)))
                if units:
                    held[sku] = units
            if held:
                supply[site.location_id] = held
        for sku, quantity in wanted.items():
            if sum(held.get(sku, 0) for held in supply.values()) < quantity:
                return
        ranked = sorted(
            (choice for choice in sites if choice[0].location_id in supply),
            key=lambda choice: -sum(supply[choice[0].location_id].values()),
        )
        unit_weight = {line.line_id: line.weight_kg or Decimal(0) for line in request.lines}
        for count in range(2, min(rule.rule.max_shipments, len(ranked)) + 1):
            for group in combinations(ranked, count):
                if any(
                    sum(supply[site.location_id].get(sku, 0) for site, _ in group) < quantity
                    for sku, quantity in wanted.items()
                ):
                    continue
                parcels = self._share_out(request, group, supply)
                if len(parcels) < count:
                    continue
                shipments = []
                for (site, distance), items in zip(group, parcels, strict=True):
                    weight = sum(
                        (unit_weight[item.line_id] * item.quantity for item in items), Decimal(0)
                    )
                    shipment = self._best_shipment(
                        request, rule, site, distance, items, weight, on_time_only
                    )
                    if shipment is None:
                        break
                    shipments.append(shipment)
                else:
                    yield Plan.of(tuple(shipments))

    def clock(self, request: Request, site: Site) -> tuple[date, bool]:
        """The site's local day at the order's start, and whether it is past the cutoff."""
        clocks = request.clocks
        if clocks is None:
            clocks = request.clocks = {}
        found = clocks.get(site.location_id)
        if found is None:
            found = clocks[site.location_id] = self.network.clock(site, request.start)
        return found

    def fastest(self, request: Request, rule: BoundRule, site: Site) -> date:
        """The earliest delivery any lane the rule allows gives from ``site`` (capacity aside)."""
        clock = self.clock(request, site)
        key = (id(rule), site.location_id, request.order.ship_to_country, clock)
        found = self._fastest.get(key)
        if found is None:
            found = self._fastest[key] = min(
                (
                    self.network.dates(site, lane, request.start, clock)[1]
                    for lane in self.lanes(rule, site, request)
                ),
                default=date.max,
            )
        return found

    @staticmethod
    def _share_out(
        request: Request, group: Sequence[SiteChoice], supply: dict[str, dict[str, int]]
    ) -> list[tuple[Item, ...]]:
        left = {site.location_id: dict(supply[site.location_id]) for site, _ in group}
        parcels: dict[str, list[Item]] = {site.location_id: [] for site, _ in group}
        for item in request.items:
            whole = next((i for i in left if left[i].get(item.sku, 0) >= item.quantity), None)
            sources = [whole] if whole is not None else list(left)
            needed = item.quantity
            for site_id in sources:
                units = min(needed, left[site_id].get(item.sku, 0))
                if units:
                    left[site_id][item.sku] -= units
                    parcels[site_id].append(Item(item.line_id, item.sku, units))
                    needed -= units
                if not needed:
                    break
        return [tuple(items) for items in parcels.values() if items]

    def _best_shipment(
        self,
        request: Request,
        rule: BoundRule,
        site: Site,
        distance: float | None,
        items: tuple[Item, ...],
        weight: Decimal,
        on_time_only: bool,
    ) -> Shipment | None:
        clock = self.clock(request, site)
        best: Shipment | None = None
        best_key: tuple[Any, ...] | None = None
        best_plan: Plan | None = None
        for lane in self.lanes(rule, site, request):
            if lane.max_weight_kg is not None and weight > lane.max_weight_kg:
                continue
            shipment = self.shipment(request, site, lane, items, weight, clock, distance)
            if shipment is None or (on_time_only and shipment.on_time is False):
                continue
            plan = Plan((shipment,), shipment.on_time, shipment.cost_value, shipment.delivery)
            key = rule.strategy.key(plan, request, rule)
            if _better(key, plan, best_key, best_plan):
                best, best_key, best_plan = shipment, key, plan
        return best
