"""Replay: the same orders routed with the current rules and with candidate rules, compared.

:func:`compare` is pure: two finished runs in, the differences out (the
numbers, the load per location, the orders whose routing changed) and the
verdict of each guardrail. ``opsctl route replay`` exits 1 when one fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from opsctl.routing.batch import RoutingRun, Summary
from opsctl.routing.guardrails import METRICS, Guardrail
from opsctl.routing.model import Decision


@dataclass
class Comparison:
    """What changes from the current rules to the candidate."""

    current: Summary
    candidate: Summary
    metrics: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    guardrails: list[dict[str, Any]]

    @property
    def passed(self) -> bool:
        return all(check["ok"] for check in self.guardrails)

    def document(self) -> dict[str, Any]:
        """The JSON output of ``opsctl route replay`` (``docs/routing.md``)."""
        return {
            "metrics": self.metrics,
            "changed_orders": self.changed,
            "guardrails": self.guardrails,
            "passed": self.passed,
        }


def _route_of(decision: Decision) -> str:
    if decision.plan is None:
        return decision.status
    return " + ".join(
        f"{s.site.location_id} {s.lane.label} {s.ship_date}" for s in decision.plan.shipments
    )


def _change(current: Decimal, candidate: Decimal) -> tuple[Decimal, Decimal | None]:
    difference = candidate - current
    percent = (difference * 100 / current).quantize(Decimal("0.1")) if current else None
    return difference, percent


def compare(
    current: RoutingRun, candidate: RoutingRun, guardrails: Sequence[Guardrail]
) -> Comparison:
    """Compare two runs over the same orders, and check the guardrails."""
    before, after = current.summary(), candidate.summary()
    numbers_before, numbers_after = before.metrics(), after.metrics()
    metrics = []
    for name, label in METRICS.items():
        difference, percent = _change(numbers_before[name], numbers_after[name])
        metrics.append(
            {
                "metric": label,
                "current": numbers_before[name],
                "candidate": numbers_after[name],
                "change": difference,
                "change_pct": percent,
            }
        )
    loads_after = {load.location_id: load for load in after.load}
    for load in before.load:
        other = loads_after.get(load.location_id)
        shipments = other.shipments if other else 0
        difference, percent = _change(Decimal(load.shipments), Decimal(shipments))
        metrics.append(
            {
                "metric": f"shipments from {load.location_id}",
                "current": load.shipments,
                "candidate": shipments,
                "change": difference,
                "change_pct": percent,
            }
        )
    decided = {decision.order_id: decision for decision in candidate.decisions}
    changed = []
    for decision in current.decisions:
        other = decided[decision.order_id]
        route_before, route_after = _route_of(decision), _route_of(other)
        if route_before == route_after:
            continue
        cost_before = decision.plan.cost if decision.plan else Decimal(0)
        cost_after = other.plan.cost if other.plan else Decimal(0)
        changed.append(
            {
                "order_id": decision.order_id,
                "current": route_before,
                "candidate": route_after,
                "kept_current": decision.promise_kept,
                "kept_candidate": other.promise_kept,
                "cost_change": (cost_after - cost_before).quantize(Decimal("0.01")),
            }
        )
    checks = []
    for guardrail in guardrails:
        value_before, value_after = (
            numbers_before[guardrail.metric],
            numbers_after[guardrail.metric],
        )
        change = guardrail.change(value_before, value_after)
        checks.append(
            {
                "guardrail": guardrail.key,
                "rule": guardrail.describe(),
                "limit": guardrail.limit,
                "change": change,
                "ok": guardrail.holds(value_before, value_after),
            }
        )
    return Comparison(before, after, metrics, changed, checks)
