"""Orders that already shipped are not routed again; partly shipped ones route what is left."""

from __future__ import annotations

from pathlib import Path

import opsctl_routing_strategies
import pytest
from route_shop import LINES_CSV, ORDERS_CSV, RULES_TOML, decided, line, order, run, stock
from route_shop import write_shop as write_base_shop

from opsctl.routing.batch import RoutingInputs, route
from opsctl.routing.fulfilment import FULFILLED, NOT_OPEN

ROUTING = ("routing-strategies", opsctl_routing_strategies)
LEVELS = stock(("leeds", "A", 10), ("leeds", "B", 10))


def test_an_open_order_whose_fulfillment_status_is_fulfilled_is_skipped():
    routing = run(
        [order("DONE", extra={"fulfillment_status": "Fulfilled"}), order("TODO")],
        [line("DONE"), line("TODO")],
        LEVELS,
    )
    assert list(decided(routing)) == ["TODO"]
    summary = routing.summary()
    assert (summary.orders, summary.routed, summary.skipped) == (1, 1, 1)
    assert summary.skipped_reasons == {NOT_OPEN: 0, FULFILLED: 1}
    assert "fulfillment_status is 'fulfilled'" in routing.skipped[0].detail


def test_quantity_shipped_routes_only_the_units_left():
    lines = [
        line("P", "A", 3, extra={"quantity_shipped": "1"}),
        line("P", "B", 2, extra={"quantity_shipped": "2"}),  # shipped in full
    ]
    decision = decided(run([order("P", extra={"fulfillment_status": "partial"})], lines, LEVELS))
    assert decision["P"].status == "routed"
    (shipment,) = decision["P"].plan.shipments
    assert [(item.sku, item.quantity) for item in shipment.items] == [("A", 2)]
    assert shipment.weight == 1  # two units of 0.5 kg, not five


def test_every_line_shipped_in_full_is_already_fulfilled():
    lines = [line("P", "A", 3, extra={"quantity_shipped": "3"})]
    routing = run([order("P")], lines, LEVELS)
    assert routing.decisions == [] and routing.summary().skipped_reasons[FULFILLED] == 1


def test_a_partial_order_without_quantity_shipped_is_held_not_shipped_twice():
    routing = run([order("P", extra={"fulfillment_status": "partial"})], [line("P")], LEVELS)
    decision = decided(routing)["P"]
    assert (decision.status, decision.plan) == ("held", None)
    assert "quantity_shipped" in decision.reason and "twice" in decision.reason
    assert routing.summary().held == 1


def test_an_order_with_a_shipment_in_the_data_is_already_fulfilled_unless_it_says_otherwise():
    from route_shop import LOCATIONS, LONDON, SERVICES, STRATEGIES, settings

    orders = [
        order("SHIPPED"),
        order("STILL-OPEN", extra={"fulfillment_status": "unfulfilled"}),
        order("NEW"),
    ]
    lines = [line(o.order_id) for o in orders]
    inputs = RoutingInputs(
        list(LOCATIONS), list(SERVICES), LEVELS, orders, lines, shipped={"SHIPPED", "STILL-OPEN"}
    )
    routing = route(inputs, settings(), STRATEGIES, tz=LONDON)
    assert sorted(decided(routing)) == ["NEW", "STILL-OPEN"]
    assert [skip.order_id for skip in routing.skipped] == ["SHIPPED"]
    # replay's what-if routes every open order, shipped since or not
    replayed = route(inputs, settings(), STRATEGIES, tz=LONDON, fulfilled_too=True)
    assert sorted(decided(replayed)) == ["NEW", "SHIPPED", "STILL-OPEN"]


# -- the command line ------------------------------------------------------------------------

FULFILMENT_ORDERS = (
    ORDERS_CSV.replace("promised_by,status\n", "promised_by,status,fulfillment_status\n")
    .replace("2026-03-04,open\n", "2026-03-04,open,fulfilled\n")
    .replace("2026-03-06,open\n", "2026-03-06,open,\n")
    .replace("2026-03-03,open\n", "2026-03-03,open,unfulfilled\n")
    .replace("2026-03-05,cancelled\n", "2026-03-05,cancelled,\n")
)
SHIPMENTS_CSV = """\
shipment_id,order_id,carrier,tracking_number
S-1,A-1,royalmail,RM1
S-2,A-2,dhl,DHL2
"""


@pytest.fixture
def shop(opsctl_env: Path) -> Path:
    folder = write_base_shop(opsctl_env, orders_csv=FULFILMENT_ORDERS, shipments_csv=SHIPMENTS_CSV)
    return folder


def test_route_skips_shipped_orders_and_says_why(opsctl_run, shop):
    document = (
        opsctl_run("route", "--format", "json", plugins=[ROUTING], only_plugins=True)
        .assert_success()
        .json()
    )
    # A-1 is fulfilled, A-2 has a shipment and no status, A-5 is cancelled
    assert sorted(o["order_id"] for o in document["orders"]) == ["A-3", "A-4"]
    summary = document["summary"]
    assert (summary["orders"], summary["skipped"]) == (2, 3)
    assert summary["skipped_reasons"] == {"not open": 1, "already fulfilled": 2}
    table = opsctl_run("route", "--summary", plugins=[ROUTING], only_plugins=True).stdout
    assert "skipped (already fulfilled)  2" in table and "skipped (not open)           1" in table
    explained = (
        opsctl_run(
            "route", "--explain", "A-2", "--format", "json", plugins=[ROUTING], only_plugins=True
        )
        .assert_success()
        .json()
    )
    assert explained["status"] == "skipped"
    assert "already fulfilled: it has a shipment in the shipments data" in explained["reason"]


def test_replay_still_routes_past_orders_fulfilled_or_not(opsctl_run, shop, opsctl_env):
    same = opsctl_env / "candidate.toml"
    same.write_text(RULES_TOML, encoding="utf-8")
    result = opsctl_run(
        "route", "replay", "--rules", str(same), "--format", "json",
        plugins=[ROUTING], only_plugins=True,
    ).assert_success()  # fmt: skip
    routed = next(row for row in result.json()["metrics"] if row["metric"] == "orders routed")
    assert str(routed["current"]) == str(routed["candidate"]) == "4"  # too
    assert "0 of 4 orders routed differently" in result.stderr


def test_a_bad_quantity_shipped_exits_3_naming_file_line_value_and_expectation(
    opsctl_run, opsctl_env
):
    lines = LINES_CSV.replace("unit_price,weight_kg\n", "unit_price,weight_kg,quantity_shipped\n")
    lines = "".join(
        row + ("," if index else "") + ("\n" if row else "")
        for index, row in enumerate(lines.split("\n"))
        if row
    )
    lines = lines.replace("A-4,2,SOCKS,10,12.00,0.12,", "A-4,2,SOCKS,10,12.00,0.12,11")
    write_base_shop(opsctl_env, order_lines_csv=lines)
    result = opsctl_run("route", plugins=[ROUTING], only_plugins=True).assert_exit(3)
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.strip().endswith(
        "order_lines.csv:6: quantity_shipped: '11' is not a whole number from 0 to the line's "
        "quantity 10 (order A-4, line 2)"
    )
