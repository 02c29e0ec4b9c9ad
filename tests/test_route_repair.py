"""The repair pass remembers when an order in the way found no other plan: it must never
skip a move that would have found one, nor route anything differently for it."""

from __future__ import annotations

import copy
import dataclasses
import random
from datetime import datetime, timedelta, timezone
from unittest import mock

import pytest
from route_shop import LOCATIONS, line, order, run, stock

from opsctl.routing.allocator import Allocator
from opsctl.routing.planner import ON_TIME

SKUS = ("A", "B", "C", "D", "E")
RULES = '[[rules]]\nname = "r"\nsplit = true\n'


def busy_week(seed: int):
    """Orders, lines, stock and locations where stock and capacity are short everywhere."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 6, tzinfo=timezone.utc)
    orders, lines = [], []
    for number in range(120):
        order_id = f"O{number:03}"
        placed = start + timedelta(minutes=rng.randrange(0, 2 * 24 * 60))
        orders.append(
            order(
                order_id,
                placed_at=placed,
                channel=rng.choice(("web", "amazon")),
                promised_by=placed.date() + timedelta(days=rng.randint(1, 4)),
            )
        )
        for sku in rng.sample(SKUS, rng.randint(1, 2)):
            lines.append(line(order_id, sku=sku, quantity=rng.randint(1, 2)))
    levels = stock(
        *((location.location_id, sku, rng.randint(5, 25)) for location in LOCATIONS for sku in SKUS)
    )
    capacities = {"leeds": 12, "venlo": 9, "dublin": 2}
    locations = [
        dataclasses.replace(location, daily_capacity=capacities[location.location_id])
        for location in LOCATIONS
    ]
    return orders, lines, levels, locations


def outcome(routing) -> list[tuple]:
    return [
        (d.order_id, d.status, d.plan.describe() if d.plan else d.reason,
         d.plan.shipments[0].ship_date if d.plan else None)
        for d in routing.decisions
    ]  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2])
def test_a_skipped_move_is_one_that_finds_no_plan(seed):
    orders, lines, levels, locations = busy_week(seed)
    skipped = []
    best_on_time, stuck = Allocator._best_on_time, Allocator._stuck

    def checked_best_on_time(self, request, rule):
        plan = best_on_time(self, request, rule)
        assert (plan is None) == (self.planner.best(request, rule, ON_TIME) is None)
        return plan

    def checked_stuck(self, decision, rule):
        found = stuck(self, decision, rule)
        if found:
            skipped.append(decision.order_id)
            self.resources.shift(decision.plan, 1)
            assert self.planner.best(decision.request, rule, ON_TIME) is None
            self.resources.shift(decision.plan, -1)
        return found

    with (
        mock.patch.object(Allocator, "_best_on_time", checked_best_on_time),
        mock.patch.object(Allocator, "_stuck", checked_stuck),
    ):
        remembered = outcome(run(orders, lines, levels, RULES, locations=locations))
    assert skipped  # the week is busy enough for repairs to ask the same orders again

    def ask_again(self, request, rule):
        return self.planner.best(request, rule, ON_TIME)

    with (
        mock.patch.object(Allocator, "_best_on_time", ask_again),
        mock.patch.object(Allocator, "_stuck", lambda self, decision, rule: False),
    ):
        asked = outcome(run(orders, lines, levels, RULES, locations=locations))
    assert remembered == asked


def test_requeue_leaves_the_holders_as_giving_back_and_taking_again_does():
    orders, lines, levels, locations = busy_week(3)
    routing = run(orders, lines, levels, RULES, locations=locations)
    resources = routing.allocator.resources
    decisions = [d for d in routing.decisions if d.plan is not None][:20]
    again = copy.deepcopy((resources.holders, resources.shippers, resources.free, resources.load))
    for decision in decisions:
        resources.give_back(decision.order_id, decision.plan)
        resources.take(decision.order_id, decision.plan)
    given_back_and_taken = (resources.holders, resources.shippers, resources.free, resources.load)
    resources.holders, resources.shippers, resources.free, resources.load = again
    for decision in decisions:
        resources.shift(decision.plan, 1)
        resources.shift(decision.plan, -1)
        resources.requeue(decision.order_id, decision.plan)
    requeued = (resources.holders, resources.shippers, resources.free, resources.load)
    assert [[list(by) for by in part.values()] for part in requeued] == [
        [list(by) for by in part.values()] for part in given_back_and_taken
    ]
    assert requeued == given_back_and_taken
