"""The documents and rows ``opsctl route`` prints: their values, and how they are built."""

from __future__ import annotations

import gc
import sys
from datetime import datetime, timezone

import pytest
from route_shop import line, order, run, stock

from opsctl.output import dumps_json, to_jsonable
from opsctl.routing import report
from opsctl.routing.batch import decision_document
from opsctl.routing.report import decision_rows, route_document

PLACED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
TOML = """
    [[rules]]
    name = "wholesale"
    when = { customer_type = "wholesale" }
    split = true
    on_no_fit = "hold"

    [[rules]]
    name = "store"
    when = { country = "IE" }
    locations = ["dublin"]

    [[rules]]
    name = "everything else"
"""


@pytest.fixture(scope="module")
def routing():
    """Routed, split, spilled past a full day, backordered and held orders, with and
    without a promise, in two currencies."""
    ie = {"ship_to_country": "IE", "currency": "EUR", "placed_at": PLACED}
    orders = [
        order("GB-1"),
        order("GB-2", promised_by=None),
        *(order(f"IE-{n}", **ie, promised_by=None) for n in range(3)),  # capacity 2 a day
        order("SPLIT", customer_type="wholesale", promised_by=None),
        order("SHORT", promised_by=None),
        order("HELD", customer_type="wholesale"),
    ]
    lines = [
        line("GB-1", "A"),
        line("GB-2", "A", 2),
        *(line(f"IE-{n}", "A") for n in range(3)),
        line("SPLIT", "A", line_id="1"),
        line("SPLIT", "B", 3, line_id="2"),
        line("SHORT", "C"),
        line("HELD", "D"),
    ]
    levels = stock(("leeds", "A", 4), ("venlo", "B", 3), ("dublin", "A", 3))
    return run(orders, lines, levels, TOML)


def test_the_scenario_has_every_kind_of_decision(routing):
    statuses = {d.order_id: d.status for d in routing.decisions}
    assert statuses["SHORT"] == "backordered" and statuses["HELD"] == "held"
    split = next(d for d in routing.decisions if d.order_id == "SPLIT")
    assert split.plan is not None and len(split.plan.shipments) == 2
    ship_days = [
        d.plan.shipments[0].ship_date for d in routing.decisions if d.order_id.startswith("IE")
    ]
    assert len(set(ship_days)) == 2  # the third order spilled past the full day


def test_the_text_document_holds_what_the_json_output_writes(routing):
    for decision in routing.decisions:
        plain = decision_document(decision)
        text = decision_document(decision, text=True)
        assert text == to_jsonable(plain)
        assert dumps_json(text) == dumps_json(plain)


def test_the_route_document_prints_as_the_plain_documents_do(routing):
    summary = routing.summary()
    document = route_document(routing.decisions, summary)
    plain = {
        "orders": [decision_document(decision) for decision in routing.decisions],
        "summary": document["summary"],
    }
    assert dumps_json(document) == dumps_json(plain)


def reference_rows(decisions) -> list[dict]:
    """The rows as first written: the shape :func:`decision_rows` must keep, key order too."""
    rows = []
    for decision in decisions:
        request = decision.request
        base = {
            "order_id": decision.order_id,
            "status": decision.status,
            "rule": decision.rule.name if decision.rule else None,
            "promised_by": request.promise,
            "kept": decision.promise_kept,
        }
        if decision.plan is None:
            short = ", ".join(
                f"{s.sku} x{s.quantity} ({s.available} available)" for s in decision.short
            )
            rows.append({**base, "lines": short or None, "reason": decision.reason})
            continue
        for shipment in decision.plan.shipments:
            rows.append(
                {
                    **base,
                    "location": shipment.site.location_id,
                    "service": shipment.lane.label,
                    "ship_date": shipment.ship_date,
                    "delivery": shipment.delivery,
                    "kept": shipment.on_time,
                    "cost": f"{shipment.cost} {shipment.lane.currency}",
                    "lines": ", ".join(f"{item.sku} x{item.quantity}" for item in shipment.items),
                    "reason": None
                    if shipment.ship_date == shipment.earliest_ship_date
                    else f"capacity full on {shipment.earliest_ship_date}",
                }
            )
    return rows


def test_decision_rows_keep_their_values_and_column_order(routing):
    rows = decision_rows(routing.decisions)
    assert [list(row.items()) for row in rows] == [
        list(row.items()) for row in reference_rows(routing.decisions)
    ]
    assert any(row["reason"] and row["reason"].startswith("capacity full on") for row in rows)


def _building() -> bool:
    """Whether a document or a row is being built (somewhere up the stack)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name in ("decision_document", "_decision_rows"):
            return True
        frame = frame.f_back
    return False


@pytest.mark.parametrize("build", ["document", "rows"])
def test_output_is_built_without_garbage_collection(routing, build):
    decisions, summary = routing.decisions * 50, routing.summary()
    during = []

    def watch(phase, info):
        if phase == "start" and _building():
            during.append(info["generation"])

    threshold = gc.get_threshold()
    gc.set_threshold(1)  # any allocation could start a collection
    gc.callbacks.append(watch)
    try:
        # the same work with the collector running does collect
        if build == "document":
            [decision_document(decision, text=True) for decision in decisions]
        else:
            report._decision_rows(decisions)
        assert during
        during.clear()
        if build == "document":
            route_document(decisions, summary)
        else:
            decision_rows(decisions)
    finally:
        gc.callbacks.remove(watch)
        gc.set_threshold(*threshold)
    assert during == []
    assert gc.isenabled()
