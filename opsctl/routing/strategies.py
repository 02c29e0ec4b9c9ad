"""Routing strategies: how the plans that can serve an order are ranked.

A strategy is any object with a ``name``, a one-line ``description`` and a
``key(plan, request, rule)`` method returning a tuple: the plan with the
smallest key wins. Plugins register strategies with the
``register_routing_strategies(register)`` hook; opsctl's own four come from
its first-party plugin ``routing-strategies`` (``plugins/opsctl_routing_strategies``).

Plans whose keys are equal are told apart by :func:`tie_break`, the same for
every strategy, so the same input always gives the same routing: fewer
shipments, then lower cost, then earlier delivery, then the locations'
``priority`` column, then location id, carrier and service in alphabetical
order.

Every built-in strategy except ``fewest-shipments`` ranks a plan that keeps
the order's promise before any plan that does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from opsctl.routing.model import Plan, Request
    from opsctl.routing.ruleset import BoundRule

_FAR = float("inf")


@runtime_checkable
class RoutingStrategy(Protocol):
    """What a routing strategy provides (see ``docs/routing.md``).

    ``key`` must be a pure function of its arguments and must not keep the
    plan: the planner refills one plan object for every option it ranks. A
    strategy that reads ``shipment.distance_km`` sets ``uses_distance = True``
    (distances are worked out only for those).
    """

    name: str
    description: str

    def key(self, plan: Plan, request: Request, rule: BoundRule) -> tuple[Any, ...]:
        """The plan's rank: smaller is better."""
        ...


def tie_break(plan: Plan) -> tuple[Any, ...]:
    """How plans with equal strategy keys are ordered (the same for every strategy)."""
    shipments = plan.shipments
    if len(shipments) == 1:  # nearly every plan: the same tuple, built without generators
        (s,) = shipments
        site, lane = s.site, s.lane
        return (
            1,
            plan.cost,
            plan.delivery,
            (site.priority,),
            (site.location_id,),
            (lane.carrier,),
            (lane.name,),
            (s.ship_date,),
        )
    return (
        len(shipments),
        plan.cost,
        plan.delivery,
        tuple(s.site.priority for s in shipments),
        tuple(s.site.location_id for s in shipments),
        tuple(s.lane.carrier for s in shipments),
        tuple(s.lane.name for s in shipments),
        tuple(s.ship_date for s in shipments),
    )


def _distance(plan: Plan) -> float:
    total = 0.0
    for shipment in plan.shipments:
        if shipment.distance_km is None:
            return _FAR
        total += shipment.distance_km
    return total


class CheapestOnTime:
    """The lowest shipping cost among plans that keep the promise; else the earliest delivery."""

    name = "cheapest-on-time"
    description = (
        "lowest shipping cost among plans that keep the promise; if none does, the earliest "
        "delivery"
    )

    def key(self, plan: Plan, request: Request, rule: BoundRule) -> tuple[Any, ...]:
        if plan.on_time is False:
            return (1, plan.delivery, plan.cost)
        return (0, plan.cost)


class Nearest:
    """The shortest great-circle distance from the locations to the destination."""

    name = "nearest"
    uses_distance = True
    description = (
        "plans that keep the promise first, then fewest shipments, then the shortest "
        "great-circle distance to the destination (unknown distances last), then cost"
    )

    def key(self, plan: Plan, request: Request, rule: BoundRule) -> tuple[Any, ...]:
        return (plan.on_time is False, len(plan.shipments), _distance(plan), plan.cost)


class Priority:
    """Locations in the rule's ``priority`` list order, else by their ``priority`` column."""

    name = "priority"
    description = (
        "plans that keep the promise first, then fewest shipments, then the rule's priority "
        "list (else the locations' priority column), then cost"
    )

    def key(self, plan: Plan, request: Request, rule: BoundRule) -> tuple[Any, ...]:
        ranks = tuple(sorted(rule.priority_rank(s.site) for s in plan.shipments))
        return (plan.on_time is False, len(plan.shipments), ranks, plan.cost)


class FewestShipments:
    """As few parcels as possible, even when that misses the promise; then cheapest."""

    name = "fewest-shipments"
    description = (
        "fewest shipments, even at the cost of the promise; then plans that keep the "
        "promise, then cost"
    )

    def key(self, plan: Plan, request: Request, rule: BoundRule) -> tuple[Any, ...]:
        return (len(plan.shipments), plan.on_time is False, plan.cost)


#: opsctl's own strategies, registered by the ``routing-strategies`` plugin
#: (``plugins/opsctl_routing_strategies``).
BUILTIN_STRATEGIES: tuple[RoutingStrategy, ...] = (
    CheapestOnTime(),
    Nearest(),
    Priority(),
    FewestShipments(),
)
