"""The planner's search against a brute force that ranks every plan (hypothesis).

:meth:`Planner.choose` visits sites in bound order and skips those whose least
possible key already ranks after the best so far, prices each weight once,
and tries splits only when they could win. None of that may change a choice:
on random shops, part routed, it must give exactly the plan (and the
``blocked`` flag) that ranking every single-site plan and every split by the
strategy's key, then :func:`tie_break`, gives. Distances from prepared points
must be the very float the haversine gives.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from route_shop import (
    LOCATIONS,
    LONDON,
    SERVICES,
    STRATEGIES,
    drawn_order_fields,
    line,
    order,
    stock,
)
from route_shop import settings as routing_settings

from opsctl.routing.batch import build_requests
from opsctl.routing.geo import EARTH_RADIUS_KM, great_circle_km, prepare, prepared_km
from opsctl.routing.model import Plan, Request
from opsctl.routing.network import Network
from opsctl.routing.planner import ON_TIME, Planner
from opsctl.routing.resources import Resources
from opsctl.routing.ruleset import BoundRule, RuleSet
from opsctl.routing.strategies import tie_break

START = datetime(2026, 3, 30, 0, 0, tzinfo=timezone.utc)  # the week before Easter 2026
SKUS = ("A", "B", "C")


def _brute_force(
    planner: Planner, request: Request, rule: BoundRule, accept: str | None, only
) -> tuple[Plan | None, bool]:
    """What :meth:`Planner.choose` must answer, worked out the long way."""
    resources = planner.resources
    on_time_only = accept == ON_TIME or rule.rule.require_on_time
    choices = [
        (site, distance)
        for site, distance in planner.sites(request, rule)
        if planner.lanes(rule, site, request) and (only is None or site.location_id in only)
    ]
    plans: list[Plan] = []
    blocked = False
    for site, distance in choices:
        if not planner.fits(request.units, site.location_id, resources.free):
            blocked = blocked or planner.fits(request.units, site.location_id, resources.initial)
            continue
        for plan in planner.single_plans(request, rule, site, distance):
            if not (on_time_only and plan.on_time is False):
                plans.append(plan)

    def rank(plan: Plan):
        return rule.strategy.key(plan, request, rule), tie_break(plan)

    best = min(plans, key=rank, default=None)
    if rule.rule.split and (best is None or best.on_time is False):
        options = [
            (site, distance, *planner.departures(request, rule, site))
            for site, distance in choices
            if any(resources.free_units(sku, site.location_id) > 0 for sku, _ in request.units)
        ]
        need_on_time = on_time_only or best is not None
        splits = list(planner.split_plans(request, rule, options, need_on_time))
        best = min([*([best] if best else []), *splits], key=rank, default=None)
    return best, blocked


def _outline(plan: Plan | None):
    if plan is None:
        return None
    return (
        plan.on_time,
        plan.cost,
        plan.delivery,
        [
            (s.site.location_id, s.lane.label, s.ship_date, s.delivery, s.cost, s.weight, s.items)
            for s in plan.shipments
        ],
    )


@st.composite
def shops(draw):
    orders, lines = [], []
    for number in range(draw(st.integers(1, 10))):
        order_id = f"O{number}"
        orders.append(
            order(
                order_id,
                **drawn_order_fields(draw, START, days=6, max_promise=5),
                service_level=draw(st.sampled_from(("standard", "express"))),
                ship_to_latitude=draw(st.one_of(st.none(), st.floats(50, 56))),
            )
        )
        skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True))
        for sku in skus:
            weight = Decimal(draw(st.sampled_from(("0", "0.5", "12", "25"))))
            lines.append(
                line(order_id, sku=sku, quantity=draw(st.integers(1, 3)), weight_kg=weight)
            )
    levels = stock(
        *(
            (location.location_id, sku, draw(st.integers(-1, 9)))
            for location in LOCATIONS
            for sku in SKUS
        )
    )
    locations = [
        dataclasses.replace(location, daily_capacity=draw(st.one_of(st.none(), st.integers(0, 4))))
        for location in LOCATIONS
    ]
    rules = ""
    for number in range(draw(st.integers(1, 2))):
        strategy = draw(st.sampled_from(sorted(STRATEGIES)))
        rules += f'[[rules]]\nname = "r{number}"\nstrategy = "{strategy}"\n'
        if draw(st.booleans()):
            rules += f"split = true\nmax_shipments = {draw(st.integers(2, 3))}\n"
        if draw(st.booleans()):
            rules += "require_on_time = true\n"
        rules += 'on_no_fit = "next-rule"\n'
    return orders, lines, levels, locations, rules


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shops(), st.randoms(use_true_random=False))
def test_choose_gives_what_ranking_every_plan_gives(shop, random):
    orders, lines, levels, locations, rules = shop
    routing = routing_settings(rules)
    network = Network(locations, SERVICES, routing)
    ruleset = RuleSet(routing, network, STRATEGIES)
    available = {(level.location_id, level.sku): level.available for level in levels}
    planner = Planner(network, Resources(available))
    requests, _ = build_requests(orders, lines, routing, network, tz=LONDON)
    ids = [location.location_id for location in locations]
    for request in sorted(requests, key=lambda r: r.fair_key):
        for rule in ruleset.chain(request):
            for accept in (None, ON_TIME):
                for only in (None, set(random.sample(ids, random.randint(0, len(ids))))):
                    plan, blocked = planner.choose(request, rule, accept, only)
                    expected, expected_blocked = _brute_force(planner, request, rule, accept, only)
                    assert _outline(plan) == _outline(expected)
                    assert blocked == expected_blocked
        # take what the first rule's plan needs, so later orders meet less stock and capacity
        chain = ruleset.chain(request)
        plan = planner.best(request, chain[0]) if chain else None
        if plan is not None:
            planner.resources.take(request.order_id, plan)


@given(
    st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
    st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
)
def test_prepared_points_give_the_very_same_distance(a, b):
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    haversine = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
    assert prepared_km(prepare(a), prepare(b)) == great_circle_km(a, b) == haversine
