"""A batch of orders as a mathematical program: what keeps the most promises, exactly.

The allocator solves this program's linear relaxation to decide where scarce
stock and capacity go (:func:`solve_relaxation`, HiGHS through ``highspy``);
the benchmark solves it with integer variables for the exact optimum
(``bench/route_milp.py``). It is built from the router's own pieces, so it
is the problem the router solves, not a look-alike:

* each order's rule, the sites it allows (:meth:`Planner.sites`: locations,
  channels served, distance) and the lanes it allows (:meth:`Network.lanes`,
  the rule's carriers and services, the lanes' weight limits);
* ship dates from the same cutoffs, handling days, calendars and pickup days
  (:meth:`Network.departure`), the same capacity spill-over to later
  departures (:meth:`Network.next_departure`), delivery dates from the same
  transit business days (:meth:`Network.delivery`) and the same rate cards;
* the stock and capacity left in the planner's :class:`Resources`.

Variables, for each order ``o``:

``y[o,s,l,d]`` (binary)
    a shipment from site ``s`` with lane ``l`` leaving on day ``d``;
``q[o,k,s]`` (integer; orders whose rule allows splitting)
    units of SKU ``k`` from site ``s``;
``w[o,s,l,d]`` (continuous; split orders)
    the weight that shipment carries;
``served[o]``, ``kept[o]`` (binary; ``kept`` only for orders with a promise).

Constraints: an order its rule does not let split ships exactly one shipment
when served (``sum y = served``), from a site that holds all its units; a
split order ships at most one shipment per site and at most
``max_shipments`` in all, its units add up to the order's
(``sum_s q = quantity * served``) and come only from sites it ships from,
and each shipment's weight stays within its lane's limit; per site and SKU,
the units shipped stay within the stock left; per site and day, the
shipments stay within the capacity left; ``kept <= served``, and ``kept``
needs an on-time shipment (for a split order: ``kept + y <= 1`` for every
shipment that would deliver late).

The objectives, in order of importance: promises kept, orders served, days
late of the orders served late (``cheapest-on-time`` ships a late order by
its earliest delivery; ``lateness`` holds each late shipment's days), then
shipping cost in the routing currency (``cost`` holds each column's cost).
A shipment may leave on any of the departures the spill-over window allows;
the router takes the first one with room, so the program is a relaxation of
the router's choices and its optimum bounds the router's from above.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from opsctl.routing.model import Request
from opsctl.routing.planner import Planner, lane_refusal
from opsctl.routing.ruleset import BoundRule

INFINITY = float("inf")
#: Objective weights of the relaxation, far enough apart that each outweighs the next:
#: a promise kept, an order served, a day late, a unit of shipping cost.
KEPT_WEIGHT = 100_000.0
SERVED_WEIGHT = 10_000.0
LATE_DAY_WEIGHT = 200.0
#: The most a kept promise gains for being the batch's tightest: among plans keeping as
#: many promises, the relaxation keeps the tighter ones (the fair order), even at some cost.
FAIRNESS_WEIGHT = 50.0


@dataclass
class BatchProgram:
    """A program in sparse row-wise form, with what each column means."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    #: Row-wise sparse matrix: row ``i`` has columns ``index[start[i]:start[i+1]]``.
    start: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    #: order id -> its ``served`` column, and its ``kept`` column when it has a promise.
    served: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    #: ``y`` column -> (order id, location id, lane, ship day).
    shipments: dict[int, tuple[str, str, object, date]] = field(default_factory=dict)
    #: ``q`` column -> (order id, location id, sku).
    units: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    #: ``y`` column -> days it delivers after the promise (late shipments only).
    lateness: dict[int, int] = field(default_factory=dict)

    @property
    def columns(self) -> int:
        return len(self.lower)

    @property
    def rows(self) -> int:
        return len(self.row_lower)

    def column(self, *, upper: float, integer: bool, cost: float = 0.0) -> int:
        self.lower.append(0.0)
        self.upper.append(upper)
        self.integer.append(integer)
        self.cost.append(cost)
        return len(self.lower) - 1

    def row(self, terms: Sequence[tuple[int, float]], lower: float, upper: float) -> None:
        for column, coefficient in terms:
            self.index.append(column)
            self.value.append(coefficient)
        self.start.append(len(self.index))
        self.row_lower.append(lower)
        self.row_upper.append(upper)


def build_program(orders: Sequence[tuple[Request, BoundRule]], planner: Planner) -> BatchProgram:
    """The program of routing ``orders`` (each with its rule, in fair order) with what
    ``planner`` has left."""
    network, resources = planner.network, planner.resources
    free = resources.free
    program = BatchProgram()
    stock: dict[tuple[str, str], list[tuple[int, float]]] = {}
    capacity: dict[tuple[str, date], list[tuple[int, float]]] = {}
    for request, rule in orders:
        order_id, split = request.order_id, rule.rule.split
        served = program.served[order_id] = program.column(upper=1, integer=True)
        kept = None
        if request.promise is not None:
            kept = program.kept[order_id] = program.column(upper=1, integer=True)
            program.row([(kept, 1), (served, -1)], -INFINITY, 0)
        units = dict(request.units)
        unit_weight = {line.sku: float(line.weight_kg or 0) for line in request.lines}
        shipments: list[int] = []
        on_time: list[int] = []
        unit_columns: dict[str, list[int]] = {}
        for site, _ in planner.sites(request, rule):
            site_id = site.location_id
            held = {
                sku: max(0, min(n, free.get(sku, {}).get(site_id, 0))) for sku, n in units.items()
            }
            whole = all(held[sku] == n for sku, n in units.items())
            if not (whole or (split and any(held.values()))):
                continue
            clock = network.clock(site, request.start)
            site_shipments: list[tuple[int, int | None]] = []
            for lane in network.lanes(site.country, request.order.ship_to_country):
                if not rule.rule.allows_service(lane.carrier, lane.name):
                    continue
                if not split and lane_refusal(lane, request.weight, rule) is not None:
                    continue
                day = network.departure(site, lane, request.start, clock)
                days = [day]
                if site.capacity is not None:
                    for _ in range(network.spill_days):
                        day = network.next_departure(site, lane, day)
                        days.append(day)
                rate = float(lane.rate)
                for day in days:
                    late = request.promise is not None and (
                        network.delivery(lane, day) > request.promise
                    )
                    if late and rule.rule.require_on_time:
                        continue
                    if split:
                        y = program.column(upper=1, integer=True, cost=float(lane.base_cost) * rate)
                        w = program.column(
                            upper=INFINITY, integer=False, cost=float(lane.cost_per_kg) * rate
                        )
                        limit = lane.max_weight_kg
                        program.row(
                            [(w, 1), (y, -float(limit) if limit is not None else -1e9)],
                            -INFINITY,
                            0,
                        )
                        site_shipments.append((y, w))
                    else:
                        y = program.column(
                            upper=1, integer=True, cost=float(lane.cost(request.weight)) * rate
                        )
                        site_shipments.append((y, None))
                        for sku, quantity in units.items():
                            stock.setdefault((site_id, sku), []).append((y, quantity))
                    shipments.append(y)
                    program.shipments[y] = (order_id, site_id, lane, day)
                    if site.capacity is not None:
                        capacity.setdefault((site_id, day), []).append((y, 1))
                    if late and kept is not None and split:
                        program.row([(kept, 1), (y, 1)], -INFINITY, 1)
                    elif not late:
                        on_time.append(y)
                    if late:
                        program.lateness[y] = (
                            network.delivery(lane, day) - request.promise  # type: ignore[operator]
                        ).days
            if split and site_shipments:
                program.row([(y, 1) for y, _ in site_shipments], -INFINITY, 1)
                weight = [(w, 1.0) for _, w in site_shipments if w is not None]
                for sku, quantity in units.items():
                    if held[sku]:
                        q = program.column(upper=held[sku], integer=True)
                        program.units[q] = (order_id, site_id, sku)
                        stock.setdefault((site_id, sku), []).append((q, 1))
                        unit_columns.setdefault(sku, []).append(q)
                        program.row(
                            [(q, 1)] + [(y, -quantity) for y, _ in site_shipments], -INFINITY, 0
                        )
                        weight.append((q, -unit_weight[sku]))
                program.row(weight, 0, 0)
        if split:
            most = rule.rule.max_shipments
            program.row([(y, 1) for y in shipments] + [(served, -most)], -INFINITY, 0)
            program.row([(y, 1) for y in shipments] + [(served, -1)], 0, INFINITY)
            for sku, quantity in units.items():
                program.row(
                    [(q, 1) for q in unit_columns.get(sku, ())] + [(served, -quantity)], 0, 0
                )
        else:
            program.row([(y, 1) for y in shipments] + [(served, -1)], 0, 0)
            if kept is not None:  # one shipment: kept only if it is an on-time one
                program.row([(kept, 1)] + [(y, -1) for y in on_time], -INFINITY, 0)
    for (site_id, sku), terms in stock.items():
        program.row(terms, -INFINITY, max(0, free.get(sku, {}).get(site_id, 0)))
    for (site_id, day), terms in capacity.items():
        room = network.sites[site_id].capacity - resources.shipments_on(site_id, day)  # type: ignore[operator]
        program.row(terms, -INFINITY, max(0, room))
    return program


@dataclass
class Relaxation:
    """The relaxation's answer for each order: how much it is kept and served, and where from."""

    kept: dict[str, float]
    served: dict[str, float]
    #: order id -> location id -> the share of the order the relaxation ships from there.
    sites: dict[str, dict[str, float]]


def _silent_highs():
    """A HiGHS solver. Its first construction in a process prints a banner on the C-level
    standard output, which would corrupt ``--format json`` output: it goes to the null
    device instead."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def solve_relaxation(program: BatchProgram) -> Relaxation:
    """Solve the linear relaxation with HiGHS: most promises, then orders, then least cost."""
    import highspy
    import numpy as np

    solver = _silent_highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("threads", 1)
    solver.setOptionValue("random_seed", 0)
    cost = np.array(program.cost, dtype=float)
    for column, days in program.lateness.items():
        cost[column] += LATE_DAY_WEIGHT * days
    cost[list(program.served.values())] -= SERVED_WEIGHT
    kept = list(program.kept.values())  # in the order the program was built: the fair order
    if kept:
        fairness = FAIRNESS_WEIGHT * np.arange(len(kept), 0, -1) / len(kept)
        cost[kept] -= max(KEPT_WEIGHT, 2 * FAIRNESS_WEIGHT * len(kept)) + fairness
    infinity = highspy.kHighsInf
    n = program.columns
    solver.addVars(n, np.zeros(n), np.minimum(np.array(program.upper), infinity))
    solver.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    solver.addRows(
        program.rows,
        np.maximum(np.array(program.row_lower), -infinity),
        np.minimum(np.array(program.row_upper), infinity),
        len(program.index),
        np.array(program.start[:-1], dtype=np.int32),
        np.array(program.index, dtype=np.int32),
        np.array(program.value, dtype=float),
    )
    solver.run()
    values = solver.getSolution().col_value
    sites: dict[str, dict[str, float]] = {}
    for column, (order_id, site_id, _, _) in program.shipments.items():
        if values[column] > 1e-6:
            by_site = sites.setdefault(order_id, {})
            by_site[site_id] = by_site.get(site_id, 0.0) + values[column]
    return Relaxation(
        kept={order_id: values[c] for order_id, c in program.kept.items()},
        served={order_id: values[c] for order_id, c in program.served.items()},
        sites=sites,
    )
