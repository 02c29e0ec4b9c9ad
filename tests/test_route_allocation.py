"""Routing decisions: feasibility, strategies, splits, fallbacks and batch allocation."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from route_shop import LOCATIONS, decided, line, order, run, stock

from opsctl.model import Location
from opsctl.routing.batch import summary_document

ONLY_LEEDS = '[[rules]]\nname = "uk"\nlocations = ["leeds"]\n'


def plan_of(routing, order_id="O1"):
    decision = decided(routing)[order_id]
    assert decision.plan is not None, decision.reason
    return decision.plan


def shipment_of(routing, order_id="O1"):
    return plan_of(routing, order_id).shipments[0]


# -- ship dates: cutoff, calendar, handling days, pickup days --------------------------------


@pytest.mark.parametrize(
    ("placed_utc", "ship_day"),
    [
        ("2026-03-02T14:59:00+00:00", date(2026, 3, 2)),  # before the 15:00 cutoff (GMT)
        ("2026-03-02T15:00:00+00:00", date(2026, 3, 3)),  # at the cutoff: next business day
        ("2026-03-06T16:00:00+00:00", date(2026, 3, 9)),  # Friday late: Monday (Sat closed)
        ("2026-04-02T13:59:00+00:00", date(2026, 4, 2)),  # 14:59 BST
        ("2026-04-02T14:30:00+00:00", date(2026, 4, 7)),  # 15:30 BST: Good Friday, Easter Monday
    ],
)
def test_the_ship_date_follows_the_cutoff_in_local_time_and_the_calendar(placed_utc, ship_day):
    placed = datetime.fromisoformat(placed_utc)
    routing = run(
        [order(placed_at=placed, promised_by=None)], [line()], stock(("leeds", "A", 1)), ONLY_LEEDS
    )
    assert shipment_of(routing).ship_date == ship_day


def test_handling_days_and_the_delivery_in_the_carriers_calendar():
    # Dublin: cutoff 12:00, one handling day; DPD Ireland delivers the next business day
    placed = datetime(2026, 3, 2, 11, 0, tzinfo=timezone.utc)
    ie = order(ship_to_country="IE", currency="EUR", placed_at=placed, promised_by=None)
    routing = run([ie], [line()], stock(("dublin", "A", 1)))
    shipment = shipment_of(routing)
    assert (shipment.site.location_id, shipment.ship_date) == ("dublin", date(2026, 3, 3))
    assert shipment.delivery == date(2026, 3, 4)


def test_saturday_delivery_counts_saturdays_and_others_do_not():
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc)
    royal = run([order(placed_at=friday, promised_by=None)], [line()], stock(("leeds", "A", 1)),
                ONLY_LEEDS + 'services = ["royalmail/standard"]')  # fmt: skip
    assert shipment_of(royal).delivery == date(2026, 3, 9)  # Sat is day 1, Mon day 2
    dpd = run([order(placed_at=friday, promised_by=None)], [line()], stock(("leeds", "A", 1)),
              ONLY_LEEDS + 'carriers = ["dpd"]\nservices = ["classic"]')  # fmt: skip
    assert shipment_of(dpd).delivery == date(2026, 3, 11)  # Mon, Tue, Wed


# -- carriers: weight limits and rate cards -----------------------------------------------


def test_the_weight_limit_refuses_a_service_and_the_rate_card_prices_the_weight():
    heavy = [line(quantity=5, weight_kg=Decimal("5"))]  # 25 kg: over Royal Mail's 20 kg
    routing = run([order(promised_by=None)], heavy, stock(("leeds", "A", 5)), ONLY_LEEDS)
    shipment = shipment_of(routing)
    assert shipment.lane.label == "dpd/express"
    assert shipment.cost == Decimal("12.90")  # 7.90 + 0.20 x 25


@pytest.mark.parametrize(
    ("weight", "label"),
    [
        ("19.99", "royalmail/standard"),
        ("20", "royalmail/standard"),  # at the lightest weight limit: every lane carries it
        ("20.01", "dpd/express"),  # just over it: Royal Mail's 20 kg limit refuses it
        ("30.01", "dpd/classic"),  # over DPD Express's 30 kg too
    ],
)
def test_a_weight_limit_refuses_only_parcels_heavier_than_it(weight, label):
    parcel = [line(weight_kg=Decimal(weight))]
    routing = run([order(promised_by=None)], parcel, stock(("leeds", "A", 1)), ONLY_LEEDS)
    assert shipment_of(routing).lane.label == label


def test_costs_in_another_currency_are_compared_in_the_routing_currency():
    # to Germany: DPD Classic from Leeds 9.38 GBP vs DHL from Venlo 7.05 EUR = 5.99 GBP
    de = order(ship_to_country="DE", currency="EUR", promised_by=None)
    routing = run([de], [line()], stock(("leeds", "A", 1), ("venlo", "A", 1)))
    plan = plan_of(routing)
    assert plan.shipments[0].site.location_id == "venlo"
    assert (plan.shipments[0].cost, plan.shipments[0].lane.currency) == (Decimal("7.05"), "EUR")
    assert plan.cost.quantize(Decimal("0.01")) == Decimal("5.99")


# -- stock, channels, capacity, distance --------------------------------------------------


def test_available_stock_is_on_hand_less_reserved_and_safety_stock():
    from opsctl.model import StockLevel

    levels = [StockLevel("leeds", "A", 10, 4, 5)]  # 1 available
    routing = run([order("O1"), order("O2")], [line("O1"), line("O2")], levels, ONLY_LEEDS)
    statuses = {i: d.status for i, d in decided(routing).items()}
    assert sorted(statuses.values()) == ["backordered", "routed"]
    short = next(d for d in routing.decisions if d.status == "backordered").short
    assert [(s.sku, s.quantity, s.available) for s in short] == [("A", 1, 0)]


def test_a_location_never_serves_a_channel_it_does_not_list():
    amazon_ie = order(ship_to_country="IE", currency="EUR", channel="amazon", promised_by=None)
    routing = run([amazon_ie], [line()], stock(("dublin", "A", 5), ("venlo", "A", 5)))
    assert shipment_of(routing).site.location_id == "venlo"


def test_daily_capacity_spills_to_the_next_departure():
    placed = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    orders = [
        order(f"O{n}", ship_to_country="IE", currency="EUR", placed_at=placed, promised_by=None)
        for n in range(3)
    ]
    lines = [line(f"O{n}") for n in range(3)]
    toml = '[[rules]]\nname = "store"\nlocations = ["dublin"]\n'
    routing = run(orders, lines, stock(("dublin", "A", 3)), toml)
    days = sorted(shipment_of(routing, f"O{n}").ship_date for n in range(3))
    assert days == [date(2026, 3, 3), date(2026, 3, 3), date(2026, 3, 4)]  # capacity 2 a day
    load = {row["location_id"]: row for row in summary_document(routing.summary())["load"]}
    assert load["dublin"]["busiest_day_shipments"] == 2


def test_max_distance_keeps_far_locations_out():
    toml = '[[rules]]\nname = "near"\nmax_distance_km = 300\nstrategy = "nearest"\n'
    routing = run([order(promised_by=None)], [line()], stock(("venlo", "A", 1), ("leeds", "A", 1)),
                  toml)  # fmt: skip
    assert shipment_of(routing).site.location_id == "leeds"
    only_venlo = run([order()], [line()], stock(("venlo", "A", 1)), toml)
    assert decided(only_venlo)["O1"].status == "backordered"


# -- strategies and their tie-break -------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "extra", "location", "service"),
    [
        ("cheapest-on-time", "", "leeds", "royalmail/standard"),
        ("nearest", "", "leeds", "royalmail/standard"),
        ("priority", 'priority = ["venlo"]', "venlo", "dhl/standard"),
        ("fewest-shipments", "", "leeds", "royalmail/standard"),
    ],
)
def test_each_strategy_picks_its_plan(strategy, extra, location, service):
    toml = f'[[rules]]\nname = "r"\nstrategy = "{strategy}"\n{extra}\n'
    routing = run([order()], [line()], stock(("leeds", "A", 1), ("venlo", "A", 1)), toml)
    shipment = shipment_of(routing)
    assert (shipment.site.location_id, shipment.lane.label) == (location, service)


def test_cheapest_on_time_pays_more_to_keep_the_promise_else_takes_the_earliest():
    tomorrow = order(promised_by=date(2026, 3, 3))
    routing = run([tomorrow], [line()], stock(("leeds", "A", 1)), ONLY_LEEDS)
    assert shipment_of(routing).lane.label == "dpd/express"  # Royal Mail might take 2 days
    today = order(promised_by=date(2026, 3, 2))  # nothing keeps it: earliest delivery
    routing = run([today], [line()], stock(("leeds", "A", 1)), ONLY_LEEDS)
    decision = decided(routing)["O1"]
    assert (decision.plan.shipments[0].lane.label, decision.promise_kept) == ("dpd/express", False)


def test_ties_are_broken_by_the_locations_priority_then_id():
    twins = (
        Location("b-site", "GB", None, None, None, "Europe/London", LOCATIONS[0].cutoff_local, 0,
                 None, (), 2, "GB-ENG"),
        Location("a-site", "GB", None, None, None, "Europe/London", LOCATIONS[0].cutoff_local, 0,
                 None, (), 2, "GB-ENG"),
    )  # fmt: skip
    levels = stock(("a-site", "A", 1), ("b-site", "A", 1))
    first = run([order()], [line()], levels, locations=twins)
    assert shipment_of(first).site.location_id == "a-site"
    preferred = (twins[0], Location(*[*vars_of(twins[1])[:10], 3, "GB-ENG"]))
    second = run([order()], [line()], levels, locations=preferred)
    assert shipment_of(second).site.location_id == "b-site"


def vars_of(location: Location) -> list:
    return [getattr(location, name) for name in Location.__dataclass_fields__][:-1]


# -- splitting and what happens when nothing fits -------------------------------------------


def test_no_split_where_the_rule_forbids_it_and_a_split_where_it_allows_it():
    lines = [line(sku="A"), line(sku="B")]
    levels = stock(("leeds", "A", 1), ("venlo", "B", 1))
    whole = run([order()], lines, levels)
    assert decided(whole)["O1"].status == "backordered"
    assert "does not allow splitting" in decided(whole)["O1"].reason
    split = run([order(promised_by=None)], lines, levels, '[[rules]]\nname = "s"\nsplit = true\n')
    plan = plan_of(split)
    assert sorted(s.site.location_id for s in plan.shipments) == ["leeds", "venlo"]
    assert sorted((i.sku, i.quantity) for s in plan.shipments for i in s.items) == [
        ("A", 1),
        ("B", 1),
    ]


def test_a_line_may_be_shared_between_shipments_up_to_max_shipments():
    lines = [line(sku="A", quantity=6)]
    levels = stock(("leeds", "A", 2), ("venlo", "A", 2), ("dublin", "A", 2))
    ie = order(ship_to_country="IE", currency="EUR", promised_by=None)
    two = run([ie], lines, levels, '[[rules]]\nname = "s"\nsplit = true\n')
    assert decided(two)["O1"].status == "backordered"
    rule = '[[rules]]\nname = "s"\nsplit = true\nmax_shipments = 3\nchannel_check = false\n'
    three = run([ie], lines, levels, rule)
    assert sum(i.quantity for s in plan_of(three).shipments for i in s.items) == 6


def test_on_no_fit_next_rule_hold_and_backorder():
    toml = """
        [[rules]]
        name = "store first"
        locations = ["dublin"]
        on_no_fit = "next-rule"

        [[rules]]
        name = "warehouse"
        locations = ["leeds"]
        on_no_fit = "hold"
    """
    ie = order(ship_to_country="IE", currency="EUR", promised_by=None)
    fell_through = run([ie], [line()], stock(("leeds", "A", 1)), toml)
    assert decided(fell_through)["O1"].rule.name == "warehouse"
    held = run([ie], [line()], stock(), toml)
    assert (decided(held)["O1"].status, decided(held)["O1"].rule.name) == ("held", "warehouse")


def test_require_on_time_treats_a_late_plan_as_no_fit():
    toml = """
        [[rules]]
        name = "express"
        locations = ["venlo"]
        require_on_time = true
        on_no_fit = "next-rule"

        [[rules]]
        name = "fallback"
        locations = ["leeds"]
    """
    tomorrow = order(promised_by=date(2026, 3, 3))
    routing = run([tomorrow], [line()], stock(("venlo", "A", 1), ("leeds", "A", 1)), toml)
    assert decided(routing)["O1"].rule.name == "fallback"


def test_orders_that_are_not_open_are_skipped():
    routing = run([order(status="cancelled")], [line()], stock(("leeds", "A", 1)))
    assert routing.decisions == [] and routing.summary().skipped == 1


# -- batch allocation ---------------------------------------------------------------------


def test_scarce_stock_goes_to_the_tightest_promise_first():
    loose = order(
        "LOOSE",
        placed_at=datetime(2026, 3, 2, 8, tzinfo=timezone.utc),
        promised_by=date(2026, 3, 6),
    )
    tight = order("TIGHT", placed_at=datetime(2026, 3, 2, 10, tzinfo=timezone.utc),
                  promised_by=date(2026, 3, 3))  # fmt: skip
    routing = run([loose, tight], [line("LOOSE"), line("TIGHT")], stock(("leeds", "A", 1)),
                  ONLY_LEEDS)  # fmt: skip
    assert decided(routing)["TIGHT"].status == "routed"
    assert decided(routing)["LOOSE"].status == "backordered"


def test_the_batch_moves_a_flexible_order_so_both_promises_are_kept():
    # Both promise Wednesday. FLEX could ship from Leeds or Venlo; ONLY can only be on time
    # from Leeds, which has one unit. Greedy in placed order would give Leeds to FLEX.
    flex = order(
        "FLEX", placed_at=datetime(2026, 3, 2, 8, tzinfo=timezone.utc), promised_by=date(2026, 3, 4)
    )
    only = order("ONLY", placed_at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
                 promised_by=date(2026, 3, 4), ship_to_country="GB")  # fmt: skip
    levels = stock(("leeds", "A", 1), ("venlo", "A", 1), ("leeds", "B", 5))
    lines = [line("FLEX", sku="A"), line("ONLY", sku="A"), line("ONLY", sku="B")]
    toml = '[[rules]]\nname = "r"\nlocations = ["leeds", "venlo"]\n'
    routing = run([flex, only], lines, levels, toml)
    kept = {i: d.promise_kept for i, d in decided(routing).items()}
    assert kept == {"FLEX": True, "ONLY": True}
    assert shipment_of(routing, "FLEX").site.location_id == "venlo"
    greedy = run([flex, only], lines, levels, toml, optimise=False)
    assert sum(bool(d.promise_kept) for d in greedy.decisions) == 1


def test_the_same_input_gives_the_same_routing():
    orders = [order(f"O{n}", promised_by=date(2026, 3, 3 + n % 3)) for n in range(12)]
    lines = [line(f"O{n}", sku="AB"[n % 2]) for n in range(12)]
    levels = stock(("leeds", "A", 3), ("venlo", "A", 3), ("leeds", "B", 2), ("venlo", "B", 4))
    documents = [
        [(d.order_id, d.status, d.plan.describe() if d.plan else d.reason) for d in
         run(orders, lines, levels, '[[rules]]\nname = "r"\n').decisions]
        for _ in range(2)
    ]  # fmt: skip
    assert documents[0] == documents[1]
