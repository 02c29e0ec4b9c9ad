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

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from itertools import combinations
from operator import ge
from typing import Any

from opsctl.routing.geo import Prepared, prepare, prepared_km
from opsctl.routing.model import Item, Lane, Plan, Request, Shipment, Site
from opsctl.routing.network import Network
from opsctl.routing.resources import Resources
from opsctl.routing.ruleset import BoundRule
from opsctl.routing.strategies import (
    CheapestOnTime,
    FewestShipments,
    Nearest,
    Priority,
    tie_break,
)

#: ``accept`` value: only plans that keep the promise (or orders that promise nothing).
ON_TIME = "on-time"

SiteChoice = tuple[Site, float | None]

_FAR = float("inf")
#: What a memo of distances gives for a site it does not have yet.
_UNKNOWN: Any = object()
#: Built-in strategies whose key of a one-shipment plan the planner works out inline
#: (the same tuple as their ``key``): the planner ranks millions of lanes in a batch.
_GENERIC, _CHEAPEST, _NEAREST, _PRIORITY, _FEWEST = range(5)
_KINDS = {CheapestOnTime: _CHEAPEST, Nearest: _NEAREST, Priority: _PRIORITY}
_KINDS[FewestShipments] = _FEWEST


def _site_term(kind: int, rule: BoundRule, site: Site, distance: float | None) -> Any:
    """What a built-in strategy's key of a one-shipment plan reads of its site."""
    if kind == _NEAREST:
        return _FAR if distance is None else 0.0 + distance
    if kind == _PRIORITY:
        return (rule.priority_rank(site),)
    return None


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


def _held(wanted: Sequence[tuple[dict | None, dict | None, int]], site_id: str) -> bool:
    """Whether ``site_id`` held every unit wanted (``initial`` of :meth:`Planner.choose`'s
    ``wanted``) at the start of the run."""
    for _, held, quantity in wanted:
        if held is None or held.get(site_id, 0) < quantity:
            return False
    return True


def _taken(wanted: Sequence[tuple[dict | None, dict | None, int]], site_id: str) -> bool:
    """Whether ``site_id`` held every unit wanted at the start but no longer does."""
    for by_location, _, quantity in wanted:
        if by_location is None or by_location.get(site_id, 0) < quantity:
            return _held(wanted, site_id)
    return False


def _any_taken(
    wanted: Sequence[tuple[dict | None, dict | None, int]], choices: Iterable[SiteChoice]
) -> bool:
    """Whether :func:`_taken` holds for the site of any of ``choices`` (one loop for all)."""
    for site, _ in choices:
        site_id = site.location_id
        for by_location, _, quantity in wanted:
            if by_location is None or by_location.get(site_id, 0) < quantity:
                if _held(wanted, site_id):
                    return True
                break
    return False


def _better(key: tuple[Any, ...], plan: Plan, best_key: tuple[Any, ...] | None, best: Plan | None):
    if best is None or best_key is None or key < best_key:
        return True
    return key == best_key and tie_break(plan) < tie_break(best)


#: A lane's departure from a site for the orders started on one local day, before or
#: after the cutoff, capacity aside: (lane, earliest ship day, expected delivery, later),
#: where ``later`` maps a ship day to the lane's next departure from the site and its
#: delivery (shared by every order, filled as spilling needs it).
Departure = tuple[Lane, date, date, dict[date, tuple[date, date]]]
#: A site with its distance (when it matters), its departures for an order, and the
#: earliest of their deliveries (``date.max`` without any).
Option = tuple[Site, float | None, tuple[Departure, ...], date]
#: A site's departures for one clock, and the earliest of their deliveries.
Table = tuple[tuple[Departure, ...], date]
#: See :meth:`Planner._context`.
_Context = tuple[
    int,
    Sequence[SiteChoice],
    Sequence[SiteChoice],
    dict[str, dict[tuple, Table]],
    "dict[str, Decimal | None] | None",
    "dict[str, Any] | None",
    bool,
    "Decimal | None",
]


class Planner:
    """Builds and ranks the plans of one order against the :class:`Resources` left.

    What does not change during a run is worked out once and shared by every order
    that needs it: the sites a rule lets serve a channel and a destination country,
    the lanes it allows there, their ship and delivery dates for each local day and
    side of the cutoff (:meth:`departures`), the departures after each day, and the
    price of each weight on each lane. Stock and capacity are read afresh every time.
    """

    def __init__(self, network: Network, resources: Resources):
        self.network, self.resources = network, resources
        self._sites: dict[tuple[BoundRule, str], tuple[Site, ...]] = {}
        self._pairs: dict[tuple[BoundRule, str], tuple[SiteChoice, ...]] = {}
        self._served: dict[tuple[BoundRule, str, str], tuple[Site, ...]] = {}
        self._served_pairs: dict[tuple[BoundRule, str, str], tuple[SiteChoice, ...]] = {}
        self._lanes: dict[tuple[BoundRule, str, str], tuple[Lane, ...]] = {}
        #: weight (as text: a Decimal is slow to hash) -> lane -> its price in its currency
        #: and in the routing currency
        self._costs: dict[str, dict[Lane, tuple[Decimal, Decimal]]] = {}
        #: (rule, destination country) -> site id -> (local day, past cutoff) -> departures
        self._departures: dict[tuple[BoundRule, str], dict[str, dict[tuple, Table]]] = {}
        self._later: dict[tuple[Site, Lane], dict[date, tuple[date, date]]] = {}
        self._uses_distance: dict[BoundRule, bool] = {}
        self._kinds: dict[BoundRule, int] = {}
        #: site id -> its coordinates prepared for distances
        self._points: dict[str, Prepared] = {}
        #: (rule, destination country) -> site id -> least price of its lanes (see _floors)
        self._floor_memo: dict[tuple[BoundRule, str], dict[str, Decimal | None]] = {}
        #: (rule, destination country) -> site id -> its bound (see _bounds)
        self._bound_memo: dict[tuple[BoundRule, str], dict[str, Any]] = {}
        #: (rule, channel, destination country) -> what choose reads (see _context)
        self._contexts: dict[tuple[BoundRule, str, str], _Context] = {}

    # -- sites -------------------------------------------------------------------------------

    def sites(self, request: Request, rule: BoundRule) -> Sequence[SiteChoice]:
        """The sites ``rule`` lets serve ``request``, with their distance when it matters."""
        channel = request.order.channel
        key = (rule, channel)
        pairs = self._pairs.get(key)
        if pairs is None:
            sites = self._sites[key] = tuple(
                site for site in rule.sites if not rule.rule.channel_check or site.serves(channel)
            )
            pairs = self._pairs[key] = tuple((site, None) for site in sites)
        if not self._distance_matters(rule):
            return pairs
        return self._with_distances(request, rule, self._sites[key])

    def _served_sites(self, request: Request, rule: BoundRule) -> Sequence[SiteChoice]:
        """:meth:`sites` less those with no lane the rule allows to the order's country:
        they can ship nothing (and do not count as blocked)."""
        order = request.order
        key = (rule, order.channel, order.ship_to_country)
        pairs = self._served_pairs.get(key)
        if pairs is None:
            sites = self._served[key] = tuple(
                site for site, _ in self.sites(request, rule) if self.lanes(rule, site, request)
            )
            pairs = self._served_pairs[key] = tuple((site, None) for site in sites)
        if not self._distance_matters(rule):
            return pairs
        return self._with_distances(request, rule, self._served[key])

    def _distance_matters(self, rule: BoundRule) -> bool:
        found = self._uses_distance.get(rule)
        if found is None:
            found = self._uses_distance[rule] = rule.rule.max_distance_km is not None or bool(
                getattr(rule.strategy, "uses_distance", False)
            )
        return found

    def _kind(self, rule: BoundRule) -> int:
        """Which built-in strategy ranks for ``rule`` (exactly that class), else generic."""
        found = self._kinds.get(rule)
        if found is None:
            found = self._kinds[rule] = _KINDS.get(type(rule.strategy), _GENERIC)
        return found

    def _with_distances(
        self, request: Request, rule: BoundRule, sites: Sequence[Site]
    ) -> list[SiteChoice]:
        limit = rule.rule.max_distance_km
        choices = []
        known = request.distances
        if known is None:
            known = request.distances = {}
        destination = None
        for site in sites:
            site_id = site.location_id
            distance = known.get(site_id, _UNKNOWN)
            if distance is _UNKNOWN:
                # Network.distance_km, with both points prepared once
                distance = None
                if site.coordinates is not None and request.destination is not None:
                    if destination is None:
                        destination = prepare(request.destination)
                    origin = self._points.get(site_id)
                    if origin is None:
                        origin = self._points[site_id] = prepare(site.coordinates)
                    distance = prepared_km(origin, destination)
                known[site_id] = distance
            if limit is None or (distance is not None and distance <= limit):
                choices.append((site, distance))
        return choices

    def departures(
        self, request: Request, rule: BoundRule, site: Site
    ) -> tuple[tuple[Departure, ...], date]:
        """The departures of the lanes ``rule`` allows from ``site`` to the order's country,
        capacity aside, and the earliest of their deliveries: shared by every order started
        on the same local day and side of the cutoff, so the calendars are asked once for
        all of them."""
        clocks = request.clocks
        if clocks is None:
            clocks = request.clocks = {}
        site_id = site.location_id
        clock = clocks.get(site_id)
        if clock is None:
            clock = clocks[site_id] = self.network.clock(site, request.start)
        by_site = self._departures.get((rule, request.order.ship_to_country))
        by_clock = by_site.get(site_id) if by_site is not None else None
        table = by_clock.get(clock) if by_clock is not None else None
        if table is None:
            by_clock = self._tables(rule, request.order.ship_to_country).setdefault(site_id, {})
            network = self.network
            departures = []
            for lane in self.lanes(rule, site, request):
                earliest, delivery = network.dates(site, lane, request.start, clock)
                later = self._later.get((site, lane))
                if later is None:
                    later = self._later[(site, lane)] = {}
                departures.append((lane, earliest, delivery, later))
            table = by_clock[clock] = (
                tuple(departures),
                min((delivery for _, _, delivery, _ in departures), default=date.max),
            )
        return table

    def _tables(self, rule: BoundRule, country: str) -> dict[str, dict[tuple, Table]]:
        """The departures worked out so far for ``rule`` to ``country``, by site and clock."""
        key = (rule, country)
        found = self._departures.get(key)
        if found is None:
            found = self._departures[key] = {}
        return found

    def _next_departure(
        self, site: Site, lane: Lane, later: dict[date, tuple[date, date]], day: date
    ) -> tuple[date, date]:
        """The lane's next departure from ``site`` after ``day``, and its delivery."""
        network = self.network
        following = network.next_departure(site, lane, day)
        found = later[day] = (following, network.delivery(lane, following))
        return found

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
        key = (rule, site.country, request.order.ship_to_country)
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
        earliest, delivery = self.network.dates(site, lane, request.start, clock)
        capacity = site.capacity
        if capacity is None:
            return earliest, earliest, delivery
        if capacity <= 0:
            return None
        by_day = self.resources.load.get(site.location_id)
        if not by_day or by_day.get(earliest, 0) < capacity:
            return earliest, earliest, delivery
        later = self._later.get((site, lane))
        if later is None:
            later = self._later[(site, lane)] = {}
        spilled = self._spill(site, lane, later, earliest, by_day, capacity)
        return None if spilled is None else (earliest, *spilled)

    def _lane_options(
        self,
        site: Site,
        departures: Sequence[tuple],
        weight: Decimal,
        promise: date | None,
        late_cut: date | None,
        by_day: dict[date, int] | None,
        capacity: int | None,
        prices: dict[Lane, tuple[Decimal, Decimal]],
    ) -> Iterator[tuple]:
        """The lanes of ``departures`` (a site's departure table) a parcel of ``weight`` kg
        can take: ``(lane, earliest ship date, ship day, delivery, on time, cost, cost in
        the routing currency)``.

        Left out: lanes over their weight limit, lanes full on every day of the spill-over
        window, and with ``late_cut`` (only plans that keep the promise count) lanes that
        deliver after it. :meth:`_best_shipment` reads the lanes of a site through this;
        :meth:`choose` runs the same loop inline (keep the two alike).
        """
        for lane, earliest, delivery, later in departures:
            limit = lane.max_weight_kg
            if limit is not None and weight > limit:
                continue
            if late_cut is not None and delivery > late_cut:
                continue  # late already: spilling to a later departure delivers no earlier
            day = earliest
            if by_day and by_day.get(earliest, 0) >= capacity:  # type: ignore[operator]
                spilled = self._spill(site, lane, later, earliest, by_day, capacity)  # type: ignore[arg-type]
                if spilled is None:
                    continue
                day, delivery = spilled
            on_time = None if promise is None else delivery <= promise
            if late_cut is not None and on_time is False:
                continue
            price = prices.get(lane)
            if price is None:
                price = prices[lane] = self._price(lane, weight)
            yield lane, earliest, day, delivery, on_time, price[0], price[1]

    def _spill(
        self,
        site: Site,
        lane: Lane,
        later: dict[date, tuple[date, date]],
        earliest: date,
        by_day: dict[date, int],
        capacity: int,
    ) -> tuple[date, date] | None:
        """(ship day, delivery) of the first departure after the full ``earliest`` with
        room, within the spill-over window; None when every one is full."""
        day = earliest
        for _ in range(self.network.spill_days):
            step = later.get(day)
            if step is None:
                step = self._next_departure(site, lane, later, day)
            day = step[0]
            if by_day.get(day, 0) < capacity:
                return step
        return None

    def price(self, lane: Lane, weight: Decimal) -> tuple[Decimal, Decimal]:
        """The lane's price for ``weight`` kg, in its currency and in the routing currency."""
        prices = self._prices(weight)
        found = prices.get(lane)
        if found is None:
            found = prices[lane] = self._price(lane, weight)
        return found

    def _prices(self, weight: Decimal) -> dict[Lane, tuple[Decimal, Decimal]]:
        """The prices of a parcel of ``weight`` kg worked out so far, per lane."""
        text = str(weight)  # equal texts, equal weights (and 5 times faster to hash)
        prices = self._costs.get(text)
        if prices is None:
            prices = self._costs[text] = {}
        return prices

    @staticmethod
    def _price(lane: Lane, weight: Decimal) -> tuple[Decimal, Decimal]:
        cost = lane.cost(weight)
        return cost, cost if lane.rate == 1 else cost * lane.rate

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

        The best is the least plan by the strategy's key, then :func:`tie_break`: a
        total order, so for the built-in strategies the sites are visited least bound
        first (:meth:`_bounds`: the least key a plan from there can have) and once a
        site's bound ranks after the best so far, it and the sites after it are
        skipped without working out their dates, capacity or prices. A plugin's
        strategy sees every site, in network order.
        """
        resources = self.resources
        free, initial, load = resources.free, resources.initial, resources.load
        order = request.order
        context = self._contexts.get((rule, order.channel, order.ship_to_country))
        if context is None:
            context = self._context(request, rule)
        kind, choices, ordered, tables, floors, bounds, distances, lightest = context
        on_time_only = accept == ON_TIME or rule.rule.require_on_time
        blocked = False
        if distances:  # the context has the sites alone
            choices = self._with_distances(request, rule, choices)
        if only is not None:
            choices = [choice for choice in choices if choice[0].location_id in only]
        items, weight, promise = request.items, request.weight, request.promise
        late_cut = promise if on_time_only else None
        # whether some lane's weight limit can refuse the order (rarely: once per order, not
        # once per lane)
        heavy = lightest is not None and weight > lightest
        # what is left of each SKU the order wants, per location (nothing changes meanwhile)
        wanted = []
        for sku, quantity in request.units:
            wanted.append((free.get(sku), initial.get(sku), quantity))
        prices = request.prices
        if prices is None:  # weights are Decimals, slow to hash: looked up once per order
            prices = request.prices = self._prices(weight)
        departures_of, spill = self.departures, self._spill
        clocks = request.clocks
        if clocks is None:
            clocks = request.clocks = {}
        start = request.start
        visits = choices
        if bounds is None or weight < 0:
            floors = bounds = None
        elif only is None and not distances:
            visits = ordered
        else:
            visits = self._visits(kind, choices, bounds)
        key_of = rule.strategy.key
        probe = probe_plan = None
        if not kind:  # a plugin's key reads a plan: one probe is refilled for every lane
            probe = Shipment(None, None, items, weight, None, None, None, None, None, None, None)  # type: ignore[arg-type]
            probe_plan = Plan((probe,), None, None, None)  # type: ignore[arg-type]
        # The best so far, kept in locals: the plan is built once, at the end.
        best_key: tuple[Any, ...] | None = None
        best_tie: tuple[Any, ...] | None = None
        b_site = b_lane = b_earliest = b_day = b_delivery = b_cost = b_value = None
        b_distance = b_on_time = None
        sites = iter(visits)
        for site, distance in sites:
            site_id = site.location_id
            if bounds is not None and best_key is not None:
                bound = bounds[site_id]
                if bound is not None:
                    if kind == _NEAREST:  # bounds holds the floor: the distance is the order's
                        bound = (False, 1, _FAR if distance is None else 0.0 + distance, bound)
                    if best_key < bound:
                        # Nothing here can beat the best, nor at the sites after it (visited
                        # in bound order): only whether their stock was taken counts.
                        if not blocked:
                            blocked = _taken(wanted, site_id) or _any_taken(wanted, sites)
                        break
            fits = True
            for by_location, _, quantity in wanted:
                if by_location is None or by_location.get(site_id, 0) < quantity:
                    fits = False
                    break
            if not fits:
                if not blocked:
                    blocked = _held(wanted, site_id)
                continue
            capacity = site.capacity
            by_day = None
            if capacity is not None:
                if capacity <= 0:
                    continue
                by_day = load.get(site_id)
            term = _site_term(kind, rule, site, distance) if kind >= _NEAREST else None
            # the site's departures at the order's clock (departures_of works them out once)
            clock = clocks.get(site_id)
            if clock is None:  # Network.clock, inline: the site's local day, past the cutoff
                local = start.astimezone(site.zone)
                clock = clocks[site_id] = (local.date(), local.time() >= site.cutoff)
            by_clock = tables.get(site_id)
            table = by_clock.get(clock) if by_clock is not None else None
            if table is None:
                table = departures_of(request, rule, site)
            if late_cut is not None and table[1] > late_cut:
                continue  # every lane is late already
            # the lanes of the site a parcel of the order can take: _lane_options, inline (a
            # generator costs a resume per lane, and this runs for every lane of every site
            # visited of every order)
            for lane, earliest, delivery, later in table[0]:
                if heavy:
                    limit = lane.max_weight_kg
                    if limit is not None and weight > limit:
                        continue
                if late_cut is not None and delivery > late_cut:
                    continue  # late already: spilling to a later departure delivers no earlier
                day = earliest
                if by_day and by_day.get(earliest, 0) >= capacity:  # type: ignore[operator]
                    spilled = spill(site, lane, later, earliest, by_day, capacity)  # type: ignore[arg-type]
                    if spilled is None:
                        continue
                    day, delivery = spilled
                on_time = None if promise is None else delivery <= promise
                late = on_time is False
                if late and (late_cut is not None or (b_on_time and kind)):
                    # only plans that keep the promise count, or a built-in strategy ranks
                    # this one after the on-time best whatever it costs: no need to price it
                    continue
                price = prices.get(lane)
                if price is None:
                    price = prices[lane] = self._price(lane, weight)
                cost, value = price
                if kind == _CHEAPEST:
                    key = (1, delivery, value) if late else (0, value)
                elif kind == _FEWEST:
                    key = (1, late, value)
                elif kind:  # nearest, priority
                    key = (late, 1, term, value)
                else:
                    probe.site, probe.distance_km, probe.lane = site, distance, lane  # type: ignore[union-attr]
                    probe.earliest_ship_date, probe.ship_date = earliest, day  # type: ignore[union-attr]
                    probe.delivery, probe.cost, probe.cost_value = delivery, cost, value  # type: ignore[union-attr]
                    probe.on_time = on_time  # type: ignore[union-attr]
                    probe_plan.on_time, probe_plan.cost = on_time, value  # type: ignore[union-attr]
                    probe_plan.delivery = delivery  # type: ignore[union-attr]
                    key = key_of(probe_plan, request, rule)
                tie = None
                if best_key is not None and not key < best_key:
                    if key != best_key:
                        continue
                    # tie_break of a one-shipment plan, less its constant shipment count
                    tie = (value, delivery, site.priority, site_id, lane.carrier, lane.name, day)
                    if best_tie is None:
                        best_tie = (
                            b_value,
                            b_delivery,
                            b_site.priority,  # type: ignore[attr-defined]
                            b_site.location_id,  # type: ignore[attr-defined]
                            b_lane.carrier,  # type: ignore[attr-defined]
                            b_lane.name,  # type: ignore[attr-defined]
                            b_day,
                        )
                    if not tie < best_tie:
                        continue
                best_key, best_tie = key, tie
                b_site, b_distance, b_lane, b_earliest, b_day = site, distance, lane, earliest, day
                b_delivery, b_cost, b_value, b_on_time = delivery, cost, value, on_time
        best: Plan | None = None
        if best_key is not None:
            shipment = Shipment(
                b_site,  # type: ignore[arg-type]
                b_lane,  # type: ignore[arg-type]
                items,
                weight,
                b_earliest,  # type: ignore[arg-type]
                b_day,  # type: ignore[arg-type]
                b_delivery,  # type: ignore[arg-type]
                b_cost,  # type: ignore[arg-type]
                b_value,  # type: ignore[arg-type]
                b_on_time,
                b_distance,
            )
            best = Plan((shipment,), b_on_time, b_value, b_delivery)  # type: ignore[arg-type]
        if rule.rule.split and (best is None or best.on_time is False):
            need_on_time = on_time_only or best is not None
            current = [best_key]
            beats = None if bounds is None else self._beats(kind, floors, current)
            options: list[Option] = []
            if beats is None or beats(2, None):  # (no split at all can beat a best single)
                options = self._split_options(request, rule, choices, wanted, need_on_time)
            if options:
                if beats is not None and any(
                    line.weight_kg is not None and line.weight_kg < 0 for line in request.lines
                ):  # a parcel could weigh less than nothing, and cost less than its floor
                    beats = self._beats(kind, None, current)
                for plan in self.split_plans(request, rule, options, need_on_time, beats):
                    key = key_of(plan, request, rule)
                    if _better(key, plan, best_key, best):
                        best, best_key = plan, key
                        current[0] = key
        return best, blocked

    @staticmethod
    def _beats(
        kind: int, floors: dict[str, Decimal | None] | None, current: list
    ) -> Callable[[int, Sequence[Option] | None], bool]:
        """``beats(count, group)`` for :meth:`split_plans`: whether a split of ``count``
        shipments (from the sites of ``group``, or any sites when None) could rank before
        ``current[0]``, the best key so far, under a built-in strategy, by a lower bound
        of its key.

        Each shipment costs at least its site's floor (:meth:`_floors`; not counted
        with ``floors=None``); ``nearest``, ``priority`` and ``fewest-shipments`` rank
        fewer shipments first, so a split of more shipments than the best can never
        beat it.
        """

        def beats(count: int, group: Sequence[Option] | None) -> bool:
            best = current[0]
            if best is None:
                return True
            least = None
            if group is not None and floors is not None:
                least = Decimal(0)
                for option in group:
                    floor = floors[option[0].location_id]
                    if floor is None:
                        least = None
                        break
                    least += floor
            if kind == _CHEAPEST:
                bound: tuple[Any, ...] = (0,) if least is None else (0, least)
            elif kind == _FEWEST:
                bound = (count, False) if least is None else (count, False, least)
            else:  # nearest, priority: (late, shipments, ...)
                bound = (False, count)
            return not best < bound

        return beats

    def _context(self, request: Request, rule: BoundRule) -> _Context:
        """What :meth:`choose` reads of ``rule`` for the order's channel and country,
        worked out once for all such orders: (strategy kind, the served sites (with no
        distance, or the sites alone when distances matter), those in visiting order, the
        departure tables by site, the floors and bounds of the sites (None for a plugin's
        strategy), whether distances matter, the least weight limit of their lanes (None
        when none has one): a parcel no heavier fits every lane)."""
        order = request.order
        key = (rule, order.channel, order.ship_to_country)
        kind = self._kind(rule)
        distances = self._distance_matters(rule)
        served: Sequence[Any] = self._served_sites(request, rule)
        if distances:  # the served sites alone: choose adds each order's distances
            served = self._served[key]
        floors = bounds = None
        ordered: Sequence[SiteChoice] = served
        if kind:
            floors = self._floors(rule, request)
            bounds = self._bounds(kind, rule, request, floors)
            if not distances:
                ordered = self._visits(kind, served, bounds)
        tables = self._tables(rule, order.ship_to_country)
        lightest = self._lightest_limit(rule, request, self._served[key])
        found = (kind, served, ordered, tables, floors, bounds, distances, lightest)
        self._contexts[key] = found
        return found

    def _lightest_limit(
        self, rule: BoundRule, request: Request, sites: Sequence[Site]
    ) -> Decimal | None:
        """The least weight limit of the lanes ``rule`` allows from ``sites`` to the order's
        country, or None when none has a limit."""
        limits = [
            lane.max_weight_kg
            for site in sites
            for lane in self.lanes(rule, site, request)
            if lane.max_weight_kg is not None
        ]
        return min(limits, default=None)

    def _split_options(
        self,
        request: Request,
        rule: BoundRule,
        choices: Sequence[SiteChoice],
        wanted: Sequence[tuple[dict | None, dict | None, int]],
        on_time_only: bool,
    ) -> list[Option]:
        """The sites (in network order) :meth:`split_plans` can use for ``request``, or none
        when a split is plainly impossible: fewer than two units, fewer than two sites that
        hold some unit the order wants (and, with ``on_time_only``, can deliver by its
        promise), or not enough units of a SKU at all of them together. Only the departures
        of sites that hold some unit are worked out, and only when the units are there."""
        parcels = 0  # at most: a line's units can go to as many shipments as it has units
        for _, _, quantity in request.items:
            if quantity:
                parcels += quantity if quantity > 0 else 1
                if parcels >= 2:
                    break
        else:
            return []
        holding = []
        for choice in choices:
            site_id = choice[0].location_id
            for by_location, _, _ in wanted:
                if by_location is not None and by_location.get(site_id, 0) > 0:
                    holding.append(choice)
                    break
        if len(holding) < 2:
            return []
        for by_location, _, quantity in wanted:  # split_plans' test, before any departure
            units = 0
            if by_location is not None:
                for site, _ in holding:
                    held = by_location.get(site.location_id, 0)
                    if held > 0:
                        units += held
            if units < quantity:
                return []
        promise = request.promise if on_time_only else None
        tables = self._tables(rule, request.order.ship_to_country)
        clocks = request.clocks or {}
        options = []
        for site, distance in holding:
            # departures(), reading the tables choose has worked out when it can
            by_clock = tables.get(site.location_id)
            clock = clocks.get(site.location_id)
            table = by_clock.get(clock) if by_clock is not None and clock is not None else None
            departures, fastest = table or self.departures(request, rule, site)
            if promise is None or fastest <= promise:
                options.append((site, distance, departures, fastest))
        return options if len(options) >= 2 else []

    def _floors(self, rule: BoundRule, request: Request) -> dict[str, Decimal | None]:
        """Site id -> the least price (in the routing currency) any lane the rule allows
        from it to the order's country can have for any weight, or None when the lanes'
        rates do not bound it (a negative per-kg cost or exchange rate)."""
        country = request.order.ship_to_country
        key = (rule, country)
        found = self._floor_memo.get(key)
        if found is None:
            found = self._floor_memo[key] = {}
            for site in rule.sites:
                floor: Decimal | None = None
                for lane in self.lanes(rule, site, request):
                    if lane.cost_per_kg < 0 or lane.rate <= 0:
                        floor = None
                        break
                    # the price only grows with weight: it is at least the base cost's
                    price = self._price(lane, Decimal(0))[1]
                    floor = price if floor is None or price < floor else floor
                found[site.location_id] = floor
        return found

    def _bounds(
        self, kind: int, rule: BoundRule, request: Request, floors: dict[str, Decimal | None]
    ) -> dict[str, Any]:
        """Site id -> the least key a built-in strategy can give a one-shipment plan from
        it (on time, costing its floor, as ranked as the site is), or None when its lanes
        have no floor. For ``nearest`` the key reads the order's distance: the floor
        stands in for it, and :meth:`choose` builds ``(False, 1, distance, floor)``."""
        key = (rule, request.order.ship_to_country)
        found = self._bound_memo.get(key)
        if found is None:
            found = self._bound_memo[key] = {}
            for site in rule.sites:
                floor = floors[site.location_id]
                bound: Any = floor
                if floor is not None:
                    if kind == _CHEAPEST:
                        bound = (0, floor)
                    elif kind == _FEWEST:
                        bound = (1, False, floor)
                    elif kind == _PRIORITY:
                        bound = (False, 1, (rule.priority_rank(site),), floor)
                found[site.location_id] = bound
        return found

    def _visits(
        self,
        kind: int,
        choices: Sequence[SiteChoice],
        bounds: dict[str, Any],
    ) -> Sequence[SiteChoice]:
        """``choices`` in the order :meth:`choose` visits them: sites without a bound first,
        then least bound first (nearest first for ``nearest``), so that the first sites
        give a good best early, and once a site's bound ranks after the best so far so do
        those of all the sites after it. Any order gives the same plan: the strategy's key
        then :func:`tie_break` order plans totally."""
        if len(choices) < 2:
            return choices
        if kind == _NEAREST:  # the distances differ by order

            def nearness(choice: SiteChoice) -> tuple[Any, ...]:
                floor, distance = bounds[choice[0].location_id], choice[1]
                return (0,) if floor is None else (1, _FAR if distance is None else distance, floor)

            return sorted(choices, key=nearness)

        def rank(choice: SiteChoice) -> tuple[Any, ...]:
            bound = bounds[choice[0].location_id]
            return (0,) if bound is None else (1, bound)

        return sorted(choices, key=rank)

    def best(self, request: Request, rule: BoundRule, accept: str | None = None) -> Plan | None:
        """The best plan for ``request`` under ``rule`` (see :meth:`choose`)."""
        return self.choose(request, rule, accept)[0]

    # -- splitting ---------------------------------------------------------------------------

    def split_plans(
        self,
        request: Request,
        rule: BoundRule,
        options: Sequence[Option],
        on_time_only: bool,
        beats: Callable[[int, Sequence[Option] | None], bool] | None = None,
    ) -> Iterator[Plan]:
        """Plans of 2 to ``max_shipments`` shipments from different sites.

        For each set of sites that together hold every unit, each line goes
        whole to the first site (most units first, then network order) that
        has it all, else is shared out in that order; each shipment then
        takes its best lane. Sets where a site would ship nothing are left
        to the smaller sets.

        ``beats(count, sites)``, when given, says whether a plan of ``count``
        shipments from those sites (any, with None) could still rank before the
        best the caller has: the sets it rules out are not tried (read afresh
        before each, as the caller's best improves while it consumes the plans).
        """
        free = self.resources.free
        wanted = request.units
        promise = request.promise
        if on_time_only and promise is not None:
            options = [option for option in options if option[3] <= promise]
        if len(options) < 2:  # a split needs two sites
            return
        stocks = [(sku, quantity, free.get(sku)) for sku, quantity in wanted]
        supply: dict[str, dict[str, int]] = {}
        for option in options:
            site_id = option[0].location_id
            held = {}
            for sku, quantity, by_location in stocks:
                if by_location:
                    units = min(quantity, max(0, by_location.get(site_id, 0)))
                    if units:
                        held[sku] = units
            if held:
                supply[site_id] = held
        for sku, quantity in wanted:
            if sum(held.get(sku, 0) for held in supply.values()) < quantity:
                return
        ranked = sorted(
            (option for option in options if option[0].location_id in supply),
            key=lambda option: -sum(supply[option[0].location_id].values()),
        )
        most = min(rule.rule.max_shipments, len(ranked))
        if most < 2:
            return
        unit_weight = {line.line_id: line.weight_kg or Decimal(0) for line in request.lines}
        # units of each wanted SKU (in order) each ranked site holds, to test sets at once
        held_by = [
            tuple(supply[option[0].location_id].get(sku, 0) for sku, _ in wanted)
            for option in ranked
        ]
        quantities = [quantity for _, quantity in wanted]
        for count in range(2, most + 1):
            if beats is not None and not beats(count, None):
                continue
            for indexes in combinations(range(len(ranked)), count):
                totals = map(sum, zip(*[held_by[i] for i in indexes], strict=True))
                if not all(map(ge, totals, quantities)):
                    continue
                group = [ranked[i] for i in indexes]
                if beats is not None and not beats(count, group):
                    continue
                parcels = self._share_out(request, group, supply)
                if len(parcels) < count:
                    continue
                shipments = []
                for option, items in zip(group, parcels, strict=True):
                    weight = sum(
                        (unit_weight[item.line_id] * item.quantity for item in items), Decimal(0)
                    )
                    shipment = self._best_shipment(
                        request, rule, option, items, weight, on_time_only
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
        return self.departures(request, rule, site)[1]

    @staticmethod
    def _share_out(
        request: Request, group: Sequence[Option], supply: dict[str, dict[str, int]]
    ) -> list[tuple[Item, ...]]:
        left = {option[0].location_id: dict(supply[option[0].location_id]) for option in group}
        parcels: dict[str, list[Item]] = {site_id: [] for site_id in left}
        for item in request.items:
            sku, quantity = item.sku, item.quantity
            if not quantity:
                continue
            whole = None
            for site_id, held in left.items():
                if held.get(sku, 0) >= quantity:
                    whole = site_id
                    break
            if whole is not None:
                left[whole][sku] -= quantity
                parcels[whole].append(item)
                continue
            needed = quantity
            for site_id, held in left.items():
                units = min(needed, held.get(sku, 0))
                if units:
                    held[sku] -= units
                    parcels[site_id].append(
                        item if units == quantity else Item(item.line_id, sku, units)
                    )
                    needed -= units
                if not needed:
                    break
        return [tuple(items) for items in parcels.values() if items]

    def _best_shipment(
        self,
        request: Request,
        rule: BoundRule,
        option: Option,
        items: tuple[Item, ...],
        weight: Decimal,
        on_time_only: bool,
    ) -> Shipment | None:
        """The best shipment of ``items`` (part of a split plan) from the option's site."""
        site, distance, departures, _ = option
        capacity = site.capacity
        by_day = None
        if capacity is not None:
            if capacity <= 0:
                return None
            by_day = self.resources.load.get(site.location_id)
        key_of = rule.strategy.key
        kind = self._kind(rule)
        term = _site_term(kind, rule, site, distance) if kind else None
        promise = request.promise
        prices = self._prices(weight)
        best: Shipment | None = None
        best_key: tuple[Any, ...] | None = None
        best_plan: Plan | None = None
        probe = Shipment(site, None, items, weight, None, None, None, None, None, None, distance)  # type: ignore[arg-type]
        probe_plan = Plan((probe,), None, None, None)  # type: ignore[arg-type]
        late_cut = promise if on_time_only else None
        options = self._lane_options(
            site, departures, weight, promise, late_cut, by_day, capacity, prices
        )
        for lane, earliest, day, delivery, on_time, cost, value in options:
            late = on_time is False
            if kind == _CHEAPEST:
                key = (1, delivery, value) if late else (0, value)
            elif kind == _FEWEST:
                key = (1, late, value)
            elif kind:  # nearest, priority
                key = (late, 1, term, value)
            else:
                probe.lane = lane
                probe.earliest_ship_date, probe.ship_date = earliest, day
                probe.delivery, probe.cost, probe.cost_value = delivery, cost, value
                probe.on_time = on_time
                probe_plan.on_time, probe_plan.cost, probe_plan.delivery = on_time, value, delivery
                key = key_of(probe_plan, request, rule)
            if best_key is not None and not key < best_key:
                if key != best_key:
                    continue
                probe.lane = lane
                probe.earliest_ship_date, probe.ship_date = earliest, day
                probe.delivery, probe.cost, probe.cost_value = delivery, cost, value
                probe.on_time = on_time
                probe_plan.on_time, probe_plan.cost, probe_plan.delivery = on_time, value, delivery
                if not tie_break(probe_plan) < tie_break(best_plan):  # type: ignore[arg-type]
                    continue
            best = Shipment(
                site, lane, items, weight, earliest, day, delivery, cost, value, on_time, distance
            )
            best_plan, best_key = Plan((best,), on_time, value, delivery), key
        return best
