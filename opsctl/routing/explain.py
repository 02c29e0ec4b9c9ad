"""Why an order went where it went: the decision trace of ``opsctl route --explain``.

The trace re-evaluates the order against the batch's final state, with every
other order's allocation in place and this order's own given back: each rule
(taken or not, and why), each location under each rule it could follow
(refused, and why, with the stock arithmetic), each carrier service there
(refused, or its ship date, delivery, cost and rank under the strategy), the
strategy's winner now, and what the batch decided.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from opsctl.errors import UsageError
from opsctl.routing.batch import RoutingRun, decision_document
from opsctl.routing.model import CENT, Plan, Request, Site
from opsctl.routing.planner import lane_refusal, site_refusal
from opsctl.routing.ruleset import BoundRule
from opsctl.routing.strategies import tie_break


@dataclass
class ServiceTrace:
    """One carrier service at one location: refused, or a scored candidate."""

    carrier: str
    service: str
    verdict: str  # "refused", "candidate" or "chosen"
    reason: str | None = None
    ship_date: Any = None
    expected_delivery: Any = None
    cost: Decimal | None = None
    currency: str | None = None
    promise_kept: bool | None = None
    rank: int | None = None
    score: str | None = None
    plan: Plan | None = field(default=None, repr=False)


@dataclass
class LocationTrace:
    """One location under one rule: refused with the reason, or its services."""

    rule: str
    location_id: str
    verdict: str  # "refused" or "considered"
    reason: str | None = None
    distance_km: float | None = None
    stock: list[dict[str, Any]] = field(default_factory=list)
    services: list[ServiceTrace] = field(default_factory=list)


def explain(run: RoutingRun, order_id: str) -> dict[str, Any]:
    """The decision trace of ``order_id`` as a JSON-ready document (``docs/routing.md``)."""
    allocator = run.allocator
    decision = allocator.decisions.get(order_id)
    if decision is None:
        skipped = next((skip for skip in run.skipped if skip.order_id == order_id), None)
        if skipped is not None:
            return {"order_id": order_id, "status": "skipped", "reason": skipped.detail}
        raise UsageError(
            f"order {order_id!r} is not among the {len(allocator.decisions)} orders routed "
            "(check --placed-since/--placed-until and the orders file)"
        )
    request = decision.request
    batch = sorted(allocator.decisions.values(), key=lambda d: d.request.fair_key)
    position = next(i for i, d in enumerate(batch, start=1) if d.order_id == order_id)
    chain = allocator.chains.get(order_id, ())
    resources = allocator.resources
    own = decision.plan
    if own is not None:
        resources.give_back(order_id, own)
    try:
        locations = [trace for rule in chain for trace in _locations(run, request, rule, own)]
        winners = []
        for rule in chain:
            best = allocator.planner.best(request, rule)
            winners.append({"rule": rule.name, "plan": _plan_document(best) if best else None})
    finally:
        if own is not None:
            resources.take(order_id, own)
    return {
        "order_id": order_id,
        "status": decision.status,
        "fair_order": {
            "position": position,
            "of": len(batch),
            "promised_by": request.promise,
            "placed_at": request.order.placed_at,
        },
        "rules": [
            {
                "name": bound.name,
                "takes_order": bound.rule.mismatch(request) is None,
                "why_not": bound.rule.mismatch(request),
                "followed": bound in chain,
                "strategy": bound.rule.strategy,
            }
            for bound in run.rules.rules
        ],
        "locations": [_location_document(trace) for trace in locations],
        "strategy_choice_now": winners,
        "decision": decision_document(decision),
        "note": _note(decision, winners, chain),
    }


def _locations(
    run: RoutingRun, request: Request, rule: BoundRule, own: Plan | None
) -> list[LocationTrace]:
    planner, network = run.allocator.planner, run.network
    resources = planner.resources
    levels = _stock_levels(run)
    chosen = {
        (s.site.location_id, s.lane.carrier, s.lane.name) for s in (own.shipments if own else ())
    }
    traces = []
    candidates: list[ServiceTrace] = []
    for site in network.sites.values():
        distance = network.distance_km(site, request)
        trace = LocationTrace(rule.name, site.location_id, "considered", distance_km=distance)
        traces.append(trace)
        refusal = site_refusal(site, request, rule, distance)
        if refusal is not None:
            trace.verdict, trace.reason = "refused", refusal
            continue
        trace.stock = _stock_rows(run, request, site, levels)
        if not planner.fits(request.units, site.location_id, resources.free):
            trace.verdict = "refused"
            short = [row for row in trace.stock if row["left"] < row["needed"]]
            trace.reason = "not enough stock: " + ", ".join(
                f"{row['sku']} needs {row['needed']}, {max(row['left'], 0)} left of "
                f"{max(row['available'], 0)} available (on hand {row['on_hand']} - reserved "
                f"{row['reserved'] + row['reserved_by_earlier_runs']} - safety "
                f"{row['safety_stock']}; {row['taken_by_other_orders']} taken by other orders "
                "of the batch)"
                for row in short
            )
            if rule.rule.split:
                trace.reason += " (it may still ship part of a split order)"
            continue
        clock = network.clock(site, request.start)
        for lane in network.lanes(site.country, request.order.ship_to_country):
            service = ServiceTrace(lane.carrier, lane.name, "refused", currency=lane.currency)
            trace.services.append(service)
            refusal = lane_refusal(lane, request.weight, rule)
            if refusal is not None:
                service.reason = refusal
                continue
            shipment = planner.shipment(
                request, site, lane, request.items, request.weight, clock, distance
            )
            if shipment is None:
                day = network.departure(site, lane, request.start, clock)
                service.reason = (
                    f"daily capacity {site.capacity} is full on {day} and the next "
                    f"{network.spill_days} departures"
                )
                continue
            if rule.rule.require_on_time and shipment.on_time is False:
                service.reason = "misses the promise, and the rule requires it kept"
                service.ship_date, service.expected_delivery = shipment.ship_date, shipment.delivery
                continue
            plan = Plan((shipment,), shipment.on_time, shipment.cost_value, shipment.delivery)
            service.verdict = "candidate"
            service.ship_date, service.expected_delivery = shipment.ship_date, shipment.delivery
            service.cost, service.promise_kept, service.plan = shipment.cost, shipment.on_time, plan
            service.score = score_text(rule.strategy.key(plan, request, rule))
            if shipment.ship_date != shipment.earliest_ship_date:
                service.reason = (
                    f"capacity full on {shipment.earliest_ship_date}: leaves {shipment.ship_date}"
                )
            if (site.location_id, lane.carrier, lane.name) in chosen:
                service.verdict = "chosen"
            candidates.append(service)
    ranked = sorted(
        candidates,
        key=lambda s: (rule.strategy.key(s.plan, request, rule), tie_break(s.plan)),  # type: ignore[arg-type]
    )
    for rank, service in enumerate(ranked, start=1):
        service.rank = rank
    return traces


def score_text(key: tuple[Any, ...]) -> str:
    """A strategy key as people read it: ``(0, 20.65)``, dates as ISO dates."""
    parts = []
    for part in key:
        if isinstance(part, tuple):
            parts.append(score_text(part))
        elif isinstance(part, bool):
            parts.append("late" if part else "on time")
        else:
            parts.append(str(part.isoformat() if hasattr(part, "isoformat") else part))
    return "(" + ", ".join(parts) + ")"


def _stock_levels(run: RoutingRun) -> dict[tuple[str, str], list[int]]:
    """(location, sku) -> [on_hand, reserved, safety_stock] from the run's stock input."""
    levels: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for level in run.inputs.stock:
        row = levels[(level.location_id, level.sku)]
        row[0] += level.on_hand
        row[1] += level.reserved
        row[2] += level.safety_stock
    return levels


def _stock_rows(run: RoutingRun, request: Request, site: Site, levels) -> list[dict[str, Any]]:
    resources = run.allocator.resources
    rows = []
    for sku, needed in request.units:
        on_hand, reserved, safety = levels.get((site.location_id, sku), (0, 0, 0))
        earlier = run.inputs.reserved.get((site.location_id, sku), 0)
        start = resources.initial_units(sku, site.location_id)
        left = resources.free_units(sku, site.location_id)
        rows.append(
            {
                "sku": sku,
                "needed": needed,
                "on_hand": on_hand,
                "reserved": reserved,
                "safety_stock": safety,
                "reserved_by_earlier_runs": earlier,
                "available": start,
                "taken_by_other_orders": start - left,
                "left": left,
            }
        )
    return rows


def _plan_document(plan: Plan) -> dict[str, Any]:
    return {
        "shipments": [
            {
                "location_id": s.site.location_id,
                "carrier": s.lane.carrier,
                "service": s.lane.name,
                "ship_date": s.ship_date,
                "expected_delivery": s.delivery,
                "cost": s.cost,
                "currency": s.lane.currency,
            }
            for s in plan.shipments
        ],
        "promise_kept": plan.on_time,
        "cost": plan.cost.quantize(CENT),
    }


def _location_document(trace: LocationTrace) -> dict[str, Any]:
    return {
        "rule": trace.rule,
        "location_id": trace.location_id,
        "verdict": trace.verdict,
        "reason": trace.reason,
        "distance_km": None if trace.distance_km is None else round(trace.distance_km, 1),
        "stock": trace.stock,
        "services": [
            {
                "carrier": s.carrier,
                "service": s.service,
                "verdict": s.verdict,
                "reason": s.reason,
                "ship_date": s.ship_date,
                "expected_delivery": s.expected_delivery,
                "cost": s.cost,
                "currency": s.currency,
                "promise_kept": s.promise_kept,
                "rank": s.rank,
                "score": s.score,
            }
            for s in trace.services
        ],
    }


def _note(decision, winners: list[dict[str, Any]], chain) -> str:
    """A sentence on how the decision relates to the strategy's first choice now."""
    if not chain:
        return decision.reason or "no rule takes the order"
    if decision.plan is None:
        return f"{decision.status}: {decision.reason}"
    used = next((w for w in winners if w["rule"] == decision.rule.name), None)
    if used is None or used["plan"] is None:
        return "routed"
    first = [(s["location_id"], s["carrier"], s["service"]) for s in used["plan"]["shipments"]]
    actual = [(s.site.location_id, s.lane.carrier, s.lane.name) for s in decision.plan.shipments]
    if first == actual:
        return (
            f"routed by rule {decision.rule.name!r} to its strategy's first choice given the stock "
            "and capacity the other orders of the batch hold"
        )
    return (
        f"routed by rule {decision.rule.name!r} to a plan its strategy ranks lower than "
        f"{' + '.join('/'.join(p) for p in first)}: the batch allocation gave this order another "
        "plan that keeps its promise when it kept one, so that more promises are kept overall "
        "(docs/routing.md, batch allocation)"
    )


def trace_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per location and service, for table, CSV and NDJSON output."""
    rows = []
    for location in document.get("locations", []):
        base = {"rule": location["rule"], "location": location["location_id"]}
        if not location["services"]:
            rows.append(
                {
                    **base,
                    "service": "",
                    "verdict": location["verdict"],
                    "detail": location["reason"] or "",
                }
            )
            continue
        for service in location["services"]:
            detail = service["reason"] or ""
            if service["verdict"] != "refused":
                detail = f"rank {service['rank']}, score {service['score']}" + (
                    f"; {detail}" if detail else ""
                )
            rows.append(
                {
                    **base,
                    "service": f"{service['carrier']}/{service['service']}",
                    "verdict": service["verdict"],
                    "ship_date": service["ship_date"],
                    "delivery": service["expected_delivery"],
                    "cost": service["cost"],
                    "kept": service["promise_kept"],
                    "detail": detail,
                }
            )
    return rows


TRACE_COLUMNS = [
    "rule",
    "location",
    "service",
    "verdict",
    "ship_date",
    "delivery",
    "cost",
    "kept",
    "detail",
]
