"""Properties every routing must have, on random shops (hypothesis).

No location gives more than it has; every line is allocated in full or its
order is reported backordered or held; no split where the rule forbids it;
every ship date respects the cutoff, the location's calendar and the carrier's
pickup days; capacity is never exceeded; the same input gives the same output.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from route_shop import LOCATIONS, STRATEGIES, drawn_order_fields, line, order, run, stock

from opsctl.calendars import get_calendar, ship_date

START = datetime(2026, 3, 30, 0, 0, tzinfo=timezone.utc)  # the week before Easter 2026
SKUS = ("A", "B", "C")


@st.composite
def shops(draw):
    count = draw(st.integers(1, 8))
    orders, lines = [], []
    for number in range(count):
        order_id = f"O{number}"
        orders.append(order(order_id, **drawn_order_fields(draw, START, days=9, max_promise=6)))
        skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True))
        lines += [line(order_id, sku=sku, quantity=draw(st.integers(1, 3))) for sku in skus]
    levels = stock(
        *(
            (location.location_id, sku, draw(st.integers(-1, 4)))
            for location in LOCATIONS
            for sku in SKUS
        )
    )
    capacities = [draw(st.one_of(st.none(), st.integers(0, 3))) for _ in LOCATIONS]
    locations = [
        dataclasses.replace(location, daily_capacity=capacity)
        for location, capacity in zip(LOCATIONS, capacities, strict=True)
    ]
    split = draw(st.booleans())
    rules = f'[[rules]]\nname = "r"\nstrategy = "{draw(st.sampled_from(sorted(STRATEGIES)))}"\n' + (
        f"split = true\nmax_shipments = {draw(st.integers(2, 3))}\n" if split else ""
    )
    return orders, lines, levels, locations, rules


def routed(shop):
    orders, lines, levels, locations, rules = shop
    return run(orders, lines, levels, rules, locations=locations)


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(shops())
def test_no_location_gives_more_than_it_has(shop):
    _, _, levels, _, _ = shop
    available = {(s.location_id, s.sku): s.available for s in levels}
    given_out: Counter[tuple[str, str]] = Counter()
    for decision in routed(shop).decisions:
        for shipment in decision.plan.shipments if decision.plan else ():
            for item in shipment.items:
                given_out[(shipment.site.location_id, item.sku)] += item.quantity
    for key, units in given_out.items():
        assert units <= max(available.get(key, 0), 0), key


@PROPERTY
@given(shops())
def test_every_line_is_allocated_in_full_or_reported(shop):
    orders, lines, *_ = shop
    decisions = {d.order_id: d for d in routed(shop).decisions}
    assert set(decisions) == {o.order_id for o in orders}
    for decision in decisions.values():
        wanted = Counter({i.line_id: i.quantity for i in lines if i.order_id == decision.order_id})
        if decision.status == "routed":
            shipped: Counter[str] = Counter()
            for shipment in decision.plan.shipments:
                for item in shipment.items:
                    shipped[item.line_id] += item.quantity
            assert shipped == wanted
        else:
            assert decision.status in ("backordered", "held")
            assert decision.plan is None and decision.reason


@PROPERTY
@given(shops())
def test_no_split_where_the_rule_forbids_it(shop):
    for decision in routed(shop).decisions:
        if decision.plan is not None:
            assert len(decision.plan.shipments) <= decision.rule.max_shipments
            if not decision.rule.split:
                assert len(decision.plan.shipments) == 1
            locations = [s.site.location_id for s in decision.plan.shipments]
            assert len(set(locations)) == len(locations)


@PROPERTY
@given(shops())
def test_every_ship_date_respects_cutoff_calendar_pickup_days_and_capacity(shop):
    per_day: Counter[tuple[str, date]] = Counter()
    for decision in routed(shop).decisions:
        for shipment in decision.plan.shipments if decision.plan else ():
            site, lane = shipment.site, shipment.lane
            location = site.location
            earliest = ship_date(
                decision.request.order.placed_at,
                timezone=location.timezone,
                calendar=get_calendar(location.calendar),
                cutoff=location.cutoff_local,
                handling_days=location.handling_days,
                pickup_days=frozenset(lane.service.pickup_days),
                pickup_calendar=get_calendar(lane.service.calendar),
            )
            assert shipment.ship_date >= earliest
            assert get_calendar(location.calendar).is_business_day(shipment.ship_date)
            assert shipment.ship_date.weekday() in lane.service.pickup_days
            per_day[(site.location_id, shipment.ship_date)] += 1
            if decision.request.promise is not None:
                assert shipment.on_time == (shipment.delivery <= decision.request.promise)
    capacities = {location.location_id: location.daily_capacity for location in shop[3]}
    for (location_id, _), shipments in per_day.items():
        if capacities[location_id] is not None:
            assert shipments <= capacities[location_id]


@settings(max_examples=25, deadline=None)
@given(shops())
def test_the_same_input_gives_the_same_output(shop):
    def outcome():
        return [
            (d.order_id, d.status, d.reason, d.plan and [
                (s.site.location_id, s.lane.label, s.ship_date, s.items) for s in d.plan.shipments
            ])
            for d in routed(shop).decisions
        ]  # fmt: skip

    assert outcome() == outcome()
