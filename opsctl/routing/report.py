"""How routing results read: rows for tables, CSV and NDJSON, and the JSON documents.

``opsctl route`` prints one row per shipment (an order split in two has two
rows; a backordered or held order has one, with the reason), then the
summary and the load per location. JSON gives the documents of
:func:`route_document` instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opsctl.routing.batch import Summary, collector_paused, decision_document, summary_document
from opsctl.routing.model import CENT, Decision

DECISION_COLUMNS = [
    "order_id",
    "status",
    "rule",
    "location",
    "service",
    "ship_date",
    "delivery",
    "promised_by",
    "kept",
    "cost",
    "lines",
    "reason",
]
SUMMARY_COLUMNS = ["metric", "value"]
LOAD_COLUMNS = [
    "location",
    "orders",
    "shipments",
    "units",
    "cost",
    "busiest_day",
    "busiest_day_shipments",
    "daily_capacity",
]


def decision_rows(decisions: Iterable[Decision]) -> list[dict[str, Any]]:
    """One row per shipment, or per order when it has none.

    Built with the cyclic garbage collector paused (see
    :func:`~opsctl.routing.batch.collector_paused`): the rows form no cycles, and a
    collection meanwhile would walk every object of the run again.
    """
    with collector_paused():
        return _decision_rows(decisions)


def _decision_rows(decisions: Iterable[Decision]) -> list[dict[str, Any]]:
    rows = []
    append = rows.append
    for decision in decisions:
        request, plan = decision.request, decision.plan
        order_id, status = request.order.order_id, decision.status
        rule = decision.rule.name if decision.rule else None
        promise = request.promise
        if plan is None:
            short = ", ".join(
                f"{s.sku} x{s.quantity} ({s.available} available)" for s in decision.short
            )
            append(
                {
                    "order_id": order_id,
                    "status": status,
                    "rule": rule,
                    "promised_by": promise,
                    "kept": decision.promise_kept,
                    "lines": short or None,
                    "reason": decision.reason,
                }
            )
            continue
        for shipment in plan.shipments:
            lane, earliest = shipment.lane, shipment.earliest_ship_date
            append(
                {
                    "order_id": order_id,
                    "status": status,
                    "rule": rule,
                    "promised_by": promise,
                    "kept": shipment.on_time,
                    "location": shipment.site.location_id,
                    "service": lane.label,
                    "ship_date": shipment.ship_date,
                    "delivery": shipment.delivery,
                    "cost": f"{shipment.cost} {lane.currency}",
                    "lines": ", ".join(
                        [f"{sku} x{quantity}" for _, sku, quantity in shipment.items]
                    ),
                    "reason": None
                    if shipment.ship_date == earliest
                    else f"capacity full on {earliest}",
                }
            )
    return rows


def summary_rows(summary: Summary) -> list[dict[str, Any]]:
    """The summary as metric/value rows."""
    rate = (
        f" ({100 * summary.promises_kept / summary.with_promise:.1f} % of {summary.with_promise})"
        if summary.with_promise
        else ""
    )
    return [
        {"metric": "orders", "value": summary.orders},
        {"metric": "routed", "value": summary.routed},
        {"metric": "split", "value": summary.split},
        {"metric": "backordered", "value": summary.backordered},
        {"metric": "held", "value": summary.held},
        *(
            {"metric": f"skipped ({reason})", "value": count}
            for reason, count in summary.skipped_reasons.items()
        ),
        {"metric": "promises kept", "value": f"{summary.promises_kept}{rate}"},
        {"metric": "promises at risk", "value": summary.promises_at_risk},
        {"metric": "total cost", "value": f"{summary.total_cost} {summary.currency}"},
        {
            "metric": "cost per routed order",
            "value": f"{summary.cost_per_order} {summary.currency}",
        },
    ]


def load_rows(summary: Summary) -> list[dict[str, Any]]:
    return [
        {
            "location": load.location_id,
            "orders": load.orders,
            "shipments": load.shipments,
            "units": load.units,
            "cost": f"{load.cost.quantize(CENT)} {summary.currency}",
            "busiest_day": load.busiest_day,
            "busiest_day_shipments": load.busiest_day_shipments,
            "daily_capacity": load.daily_capacity,
        }
        for load in summary.load
    ]


def route_document(decisions: Iterable[Decision], summary: Summary) -> dict[str, Any]:
    """``{"orders": [...], "summary": {...}}``: the JSON output of ``opsctl route``.

    Its dates and amounts are already text (see :func:`decision_document`); it is built
    with the cyclic garbage collector paused, as :func:`decision_rows` is.
    """
    with collector_paused():
        return {
            "orders": [decision_document(decision, text=True) for decision in decisions],
            "summary": summary_document(summary),
        }
