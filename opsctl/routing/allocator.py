"""Batch allocation: route every order of a batch so that as many promises as possible are kept.

The objective, in order: keep the most promises, then serve the most orders,
then ship late orders as early as possible, then give each order the plan its
strategy ranks best (for ``cheapest-on-time``: the lowest cost). Orders are
taken in *fair order* (tightest promise first, then first placed), so scarce
stock goes where promises are tightest. Routing order by order keeps about
87 % of the promises the exact optimum keeps on a scarce-stock week, so:

1. **Promises.** In fair order, each order gets its strategy's best plan if
   that plan keeps its promise (or it promises nothing). Orders whose best plan
   is late, or that have none, wait: they must not take stock an order that
   can still be on time needs.
2. **Relaxation.** When enough waiting orders are *contested* (a location could
   keep their promise were its stock or capacity not taken), they and the
   orders holding what they need are released, the linear relaxation of their
   program (:mod:`opsctl.routing.program`) is solved, and they are routed
   again as it says.
3. **Repair.** A waiting order that could keep its promise somewhere gets it
   when the orders in its way can move to other plans that keep *their*
   promises (ejection chains two moves deep). A move never makes a kept
   promise late.
4. **Late and backorders.** Waiting orders get their best plan even if late;
   those that still cannot be served are backordered or held as their rule
   says, after a last repair that serves them without breaking any promise.
5. **Improve.** Orders that did not get their strategy's first choice because
   another order took the stock try again where moves freed some; an order
   moves only to a plan its strategy ranks higher that keeps its promise if it
   kept it before.

Every step takes stock and capacity through :class:`Resources`, so no location
gives more than it has; every order of evaluation is total and every budget is
counted in evaluations, never in time, so the same batch gives the same result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from itertools import count, islice
from operator import attrgetter

from opsctl.routing.model import (
    BACKORDERED,
    HELD,
    ROUTED,
    Decision,
    Plan,
    Request,
    Shortage,
    Site,
)
from opsctl.routing.planner import ON_TIME, Planner
from opsctl.routing.ruleset import BoundRule, RuleSet
from opsctl.routing.strategies import tie_break

#: How deep an ejection chain goes: the target, a blocker, a blocker's blocker.
REPAIR_DEPTH = 2
#: Holders of a resource tried per shortfall, and plans evaluated per target order.
REPAIR_HOLDERS = 12
REPAIR_POOL = 256
REPAIR_BUDGET = 400
#: Plan evaluations all repairs of one run may use, so a large troubled batch stays fast.
REPAIR_RUN_BUDGET = 20_000
#: Orders the linear relaxation re-routes at most (contested orders and their holders).
RELAXATION_ORDERS = 2_500
#: The relaxation runs when at least this share of the batch is contested; below it, a
#: few contested orders are left to the repair pass alone, which is cheaper.
RELAXATION_SHARE = 0.01
IMPROVE_ROUNDS = 3
#: Plans the improve pass evaluates at most in one run.
IMPROVE_BUDGET = 10_000
#: Ship days at most between an order's first departure and its promise for which
#: :meth:`Allocator._on_time_state` remembers the capacity used (longer: not remembered).
STATE_DAYS = 31


#: An empty mapping, for what the resources have no entry for.
_NONE: dict = {}
#: A request's order id.
_order_id = attrgetter("order_id")


def _kg(weight) -> str:
    return format(weight.normalize(), "f")


def _fair_sort_key(request: Request) -> tuple:
    """:attr:`Request.fair_key` with the placed time in UTC: the same order, sorted without
    working out two UTC offsets for every comparison (times with the very same ``tzinfo``
    compare field by field)."""
    order = request.order
    placed = order.placed_at
    if placed.tzinfo is not timezone.utc:
        placed = placed.astimezone(timezone.utc)
    return (request.promise or date.max, placed, order.order_id)


def _sites_of(plan: Plan) -> tuple[str, ...]:
    return tuple(shipment.site.location_id for shipment in plan.shipments)


@dataclass(frozen=True)
class _Claim:
    """Stock and one capacity slot taken for an order before the room for it exists."""

    order_id: str
    site_id: str
    units: tuple[tuple[str, int], ...]
    day: date


class Allocator:
    """Routes a batch of requests; see the module docstring for the passes."""

    def __init__(self, rules: RuleSet, planner: Planner, *, optimise: bool = True):
        self.rules, self.planner, self.resources = rules, planner, planner.resources
        #: False: the fair-order passes only (no relaxation, repair or improve), to compare.
        self.optimise = optimise
        self.decisions: dict[str, Decision] = {}
        self.rule_of: dict[str, BoundRule] = {}
        self.chains: dict[str, tuple[BoundRule, ...]] = {}
        self._compromised: set[str] = set()
        self._budget = 0
        self._run_budget = REPAIR_RUN_BUDGET
        self._claimable_memo: dict[tuple[str, int, str | None], list[tuple[Site, date]]] = {}
        #: order id -> position in the fair order of the batch
        self._rank: dict[str, int] = {}
        #: SKUs whose stock moved between orders after they were first routed.
        self._changed_skus: set[str] = set()
        #: (order id, rule) -> what a plan keeping its promise could use (see _on_time_state)
        self._scopes: dict[tuple[str, int], tuple | None] = {}
        #: (order id, rule) -> the state of what it could use when no plan kept its promise
        self._no_plan: dict[tuple[str, int], tuple] = {}

    # -- the passes ------------------------------------------------------------------------

    def run(self, requests: Sequence[Request]) -> list[Decision]:
        """Route ``requests``; the decisions come back in the order of ``requests``."""
        batch = sorted(requests, key=_fair_sort_key)
        self._rank = dict(zip(map(_order_id, batch), count()))  # order id -> rank, in C
        waiting = self._route_on_time(batch)
        # orders the relaxation found it cannot keep, or serve: repairing them is futile
        not_kept: set[str] = set()
        not_served: set[str] = set()
        if self.optimise:
            contested = self._contested(waiting)
            if contested and len(contested) >= RELAXATION_SHARE * len(batch):
                waiting, not_kept, not_served = self._rebalance(batch, contested, waiting)
            for request in waiting:
                if request.promise is not None and request.order_id not in not_kept:
                    self._repair(request, ON_TIME)
        self._route_the_rest(waiting, not_served)
        if self.optimise:
            self._improve(batch)
        return [self.decisions[request.order_id] for request in requests]

    def _route_on_time(self, batch: Sequence[Request]) -> list[Request]:
        """Pass 1: give each order its best plan if it keeps the promise; return the others."""
        waiting: list[Request] = []
        for request in batch:
            chain = self.chains[request.order_id] = self.rules.chain(request)
            if request.hold is not None:
                self._hold(request, None, request.hold)
            elif not request.lines:
                self._hold(request, None, "the order has no lines")
            elif not chain:
                self._hold(request, None, "no rule takes the order")
            else:
                rule, plan, blocked = self._first_fit(request, chain)
                if plan is not None and not plan.late:
                    self._commit(request, rule, plan, blocked)
                else:
                    waiting.append(request)
        return waiting

    def _route_the_rest(self, waiting: Sequence[Request], not_served: set[str]) -> None:
        """Pass 4: waiting orders get their best plan even if late, else their no-fit action."""
        unserved = []
        for request in waiting:
            if request.order_id in self.decisions:
                continue
            rule, plan, blocked = self._first_fit(request, self.chains[request.order_id])
            if plan is not None:
                self._commit(request, rule, plan, blocked)
            else:
                unserved.append((request, rule))
        for request, rule in unserved:
            repairable = self.optimise and request.order_id not in not_served
            if not (repairable and self._repair(request, None)):
                self._no_fit(request, rule)

    def _first_fit(
        self, request: Request, chain: Sequence[BoundRule]
    ) -> tuple[BoundRule, Plan | None, bool]:
        """The first rule of the chain that has a plan, with that plan (see :meth:`choose`)."""
        for rule in chain:
            plan, blocked = self.planner.choose(request, rule)
            if plan is not None:
                return rule, plan, blocked
        return chain[-1], None, False

    # -- decisions -------------------------------------------------------------------------

    def _commit(self, request: Request, rule: BoundRule, plan: Plan, compromised: bool) -> None:
        order_id = request.order_id
        self.resources.take(order_id, plan)
        self.decisions[order_id] = Decision(request, ROUTED, plan, rule.rule)
        self.rule_of[order_id] = rule
        if compromised:
            self._compromised.add(order_id)
        else:
            self._compromised.discard(order_id)

    def _uncommit(self, order_id: str) -> Plan:
        decision = self.decisions.pop(order_id)
        assert decision.plan is not None
        self.resources.give_back(order_id, decision.plan)
        return decision.plan

    def _hold(self, request: Request, rule: BoundRule | None, reason: str) -> None:
        self.decisions[request.order_id] = Decision(
            request, HELD, rule=rule.rule if rule else None, reason=reason
        )

    def _no_fit(self, request: Request, rule: BoundRule) -> None:
        """Backorder or hold an order no rule of its chain can serve, saying why."""
        chain = self.chains[request.order_id]
        short = self._shortages(request, chain)
        action = rule.rule.on_no_fit if rule.rule.on_no_fit != "next-rule" else "backorder"
        if short:
            where = (
                "at the allowed locations"
                if any(r.rule.split for r in chain)
                else ("at any one allowed location")
            )
            reason = f"not enough stock {where}: " + ", ".join(
                f"{s.sku} needs {s.quantity}, {s.available} available" for s in short
            )
        elif not any(r.rule.split for r in chain) and not any(
            self.planner.fits(request.units, site.location_id, self.resources.free)
            for r in chain
            for site in r.sites
        ):
            reason = "no allowed location has every line, and the rule does not allow splitting"
        elif not self._some_lane_carries(request, chain):
            reason = (
                f"it weighs {_kg(request.weight)} kg, over the weight limit of every carrier "
                "service the rule allows from its locations (shipments are split by location, "
                "not by parcel)"
            )
        elif any(r.rule.require_on_time for r in chain):
            reason = "no plan keeps the promise, and the rule requires one (require_on_time)"
        else:
            reason = (
                "no allowed location has a carrier service, weight limit and capacity that fit "
                f"(see opsctl route --explain {request.order_id})"
            )
        status = HELD if action == "hold" else BACKORDERED
        self.decisions[request.order_id] = Decision(request, status, None, rule.rule, reason, short)

    def _some_lane_carries(self, request: Request, chain: Sequence[BoundRule]) -> bool:
        """Whether any lane from the chain's sites could carry the whole order."""
        planner = self.planner
        return any(
            lane.carries(request.weight)
            for rule in chain
            for site, _ in planner.sites(request, rule)
            for lane in planner.lanes(rule, site, request)
        ) or any(rule.rule.split for rule in chain)

    def _shortages(self, request: Request, chain: Sequence[BoundRule]) -> tuple[Shortage, ...]:
        """SKUs the chain's locations cannot supply: at one location, or pooled when splitting."""
        site_ids = {site.location_id for rule in chain for site in rule.sites}
        pooled = any(rule.rule.split for rule in chain)
        short = []
        for sku, quantity in request.units:
            by_location = self.resources.free.get(sku, {})
            units = [max(0, by_location.get(site_id, 0)) for site_id in site_ids]
            have = sum(units) if pooled else max(units, default=0)
            if have < quantity:
                short.append(Shortage(sku, quantity, have))
        return tuple(short)

    # -- rebalance: the relaxation decides where scarce stock goes -------------------------

    def _contested(self, waiting: Sequence[Request]) -> list[Request]:
        """Waiting orders that could keep their promise were some stock or capacity not taken."""
        return [
            request
            for request in waiting
            if request.promise is not None
            # _claims has one claim per claimable site: whether there is one is enough here
            and any(
                self._claimable(request, rule, ON_TIME) for rule in self.chains[request.order_id]
            )
        ]

    def _rebalance(
        self, batch: Sequence[Request], contested: Sequence[Request], waiting: Sequence[Request]
    ) -> tuple[list[Request], set[str], set[str]]:
        """Re-route the contested orders and those holding what they need, as the linear
        relaxation of the batch says; return the orders that still wait, and those of the
        group the relaxation does not keep the promise of, and does not serve.

        A contested order waits for a plan that keeps its promise, and some
        location could give it one were its stock or capacity not taken. The
        group is the contested orders (tightest promise first) and the orders
        holding that stock or capacity, up to :data:`RELAXATION_ORDERS`. All of
        them are released, the relaxation (:mod:`opsctl.routing.program`) is
        solved for them, and they are routed again: the orders it keeps first,
        then those it serves, each from the locations it ships them from (the
        strategy picks the lane and day there), the rest in fair order after.
        """
        from opsctl.routing.program import build_program, solve_relaxation

        group = self._relaxation_group(batch, contested)
        rules, before = {}, {}
        for request in group:
            order_id = request.order_id
            if order_id in self.decisions:
                rules[order_id] = self.rule_of[order_id]
                before[order_id] = _sites_of(self._uncommit(order_id))
            else:
                rules[order_id] = self.chains[order_id][0]
        relaxation = solve_relaxation(
            build_program([(request, rules[request.order_id]) for request in group], self.planner)
        )
        kept, served = relaxation.kept, relaxation.served
        group.sort(
            key=lambda r: (
                -round(kept.get(r.order_id, 0), 3),
                -round(served[r.order_id], 3),
                r.fair_key,
            )
        )
        still_waiting = [r for r in waiting if r.order_id not in rules]
        for request in group:
            order_id, rule = request.order_id, rules[request.order_id]
            plan = self._rounded_plan(request, rule, relaxation)
            if plan is not None and (not plan.late or kept.get(order_id, 0) < 0.5):
                self._commit(request, rule, plan, compromised=True)
            else:
                still_waiting.append(request)
            if order_id in before and (plan is None or _sites_of(plan) != before[order_id]):
                self._changed_skus.update(sku for sku, _ in request.units)
        still_waiting.sort(key=lambda r: r.fair_key)
        not_kept = {i for i in rules if kept.get(i, 0) < 0.5}
        not_served = {i for i in rules if served[i] < 0.5}
        return still_waiting, not_kept, not_served

    def _relaxation_group(
        self, batch: Sequence[Request], contested: Sequence[Request]
    ) -> list[Request]:
        """The contested orders, the holders of what they need, then other orders wanting
        the same SKUs, up to :data:`RELAXATION_ORDERS`, in fair order."""
        resources = self.resources
        chosen: dict[str, None] = {}

        def add(order_id: str) -> bool:
            if len(chosen) >= RELAXATION_ORDERS:
                return False
            chosen[order_id] = None
            return True

        for request in contested:
            if not add(request.order_id):
                break
            for rule in self.chains[request.order_id]:
                for claim in self._claims(request, rule, ON_TIME):
                    holders = {
                        *(
                            holder
                            for sku, _ in claim.units
                            for holder in resources.holders.get((claim.site_id, sku), ())
                        ),
                        *resources.shippers.get((claim.site_id, claim.day), ()),
                    }
                    for holder in sorted(holders):
                        add(holder)
        skus = {sku for request in contested for sku, _ in request.units}
        for request in batch:
            if request.order_id in self.decisions and any(sku in skus for sku, _ in request.units):
                add(request.order_id)
        return [
            request
            for request in batch
            if request.order_id in chosen
            and (request.order_id not in self.decisions or self.decisions[request.order_id].plan)
        ]

    def _rounded_plan(self, request: Request, rule: BoundRule, relaxation) -> Plan | None:
        """The plan the relaxation points to: from the locations it ships the order from,
        most of the order first; elsewhere only if those are taken."""
        order_id = request.order_id
        if relaxation.served[order_id] < 0.5:
            return None
        accept = ON_TIME if relaxation.kept.get(order_id, 0) >= 0.5 else None
        shares = relaxation.sites.get(order_id, {})
        places = sorted(shares, key=lambda site_id: -shares[site_id])
        choices = [set(places)] if rule.rule.split else [{place} for place in places]
        for only in [*choices, None]:
            plan, _ = self.planner.choose(request, rule, accept, only=only)
            if plan is not None:
                return plan
        return None

    # -- repair: ejection chains -----------------------------------------------------------

    def _repair(self, request: Request, accept: str | None) -> bool:
        """Route ``request`` (on time with ``accept=ON_TIME``) by moving orders in its way."""
        if self._run_budget <= 0:
            return False
        self._budget = min(REPAIR_BUDGET, self._run_budget)
        for rule in self.chains[request.order_id]:
            journal: list[tuple[str, BoundRule, Plan | None, Plan | None]] = []
            plan = self._make_room(request, rule, accept, REPAIR_DEPTH, {request.order_id}, journal)
            if plan is None:
                continue
            choice = self.planner.best(request, rule)  # the strategy's own pick, now there is room
            if choice is not None and not (accept == ON_TIME and choice.late):
                self._commit(request, rule, choice, compromised=True)
                return True
            self._rollback(journal, 0)
        return False

    def _goal(self, decision: Decision) -> str | None:
        """What a moved order must keep: its promise if it keeps it now."""
        return ON_TIME if decision.plan is not None and decision.plan.on_time else None

    def _make_room(
        self,
        request: Request,
        rule: BoundRule,
        accept: str | None,
        depth: int,
        busy: set[str],
        journal: list,
    ) -> Plan | None:
        """A plan for ``request`` after moving the orders that hold what one of its
        single-location options needs; the moves stay applied and are in ``journal``."""
        for claim in self._claims(request, rule, accept):
            mark = len(journal)
            self._take_claim(claim)
            cleared = self._clear(claim, depth, busy, journal)
            self._drop_claim(claim)
            if cleared:
                plan = self.planner.best(request, rule, accept)
                if plan is not None:
                    return plan
            self._rollback(journal, mark)
            if self._budget <= 0:
                break
        return None

    def _claims(self, request: Request, rule: BoundRule, accept: str | None) -> list[_Claim]:
        """The single-location options that moving others could open, fewest units short first.

        An option qualifies when its location held every unit at the start of
        the run and its earliest departure delivers in time (for ``ON_TIME``).
        """
        resources = self.resources
        found = []
        for site, day in self._claimable(request, rule, accept):
            site_id = site.location_id
            short = sum(
                max(0, quantity - resources.free_units(sku, site_id))
                for sku, quantity in request.units
            )
            full = (
                site.capacity is not None and resources.shipments_on(site_id, day) >= site.capacity
            )
            found.append(
                (
                    short + full,
                    site.priority,
                    site_id,
                    _Claim(request.order_id, site_id, request.units, day),
                )
            )
        found.sort(key=lambda entry: entry[:3])
        return [entry[3] for entry in found]

    def _claimable(
        self, request: Request, rule: BoundRule, accept: str | None
    ) -> list[tuple[Site, date]]:
        """The sites (and first departures) :meth:`_claims` considers: they do not change
        during a run, so they are worked out once per order, rule and goal."""
        key = (request.order_id, id(rule), accept)
        found = self._claimable_memo.get(key)
        if found is not None:
            return found
        planner = self.planner
        must_keep = accept == ON_TIME or rule.rule.require_on_time
        promise, weight = request.promise, request.weight
        found = []
        for site, _ in planner.sites(request, rule):
            table = None
            if must_keep and promise is not None:
                table = planner.departures(request, rule, site)
                if table[1] > promise:
                    continue  # no departure delivers in time
            if not planner.fits(request.units, site.location_id, self.resources.initial):
                continue
            first = None
            for lane, day, delivery, _ in (table or planner.departures(request, rule, site))[0]:
                if must_keep and delivery > promise:  # type: ignore[operator]
                    continue
                limit = lane.max_weight_kg  # Lane.carries, inline
                if (limit is None or weight <= limit) and (first is None or day < first):
                    first = day
            if first is not None:
                found.append((site, first))
        self._claimable_memo[key] = found
        return found

    def _take_claim(self, claim: _Claim) -> None:
        free = self.resources.free
        for sku, quantity in claim.units:
            by_location = free.setdefault(sku, {})
            by_location[claim.site_id] = by_location.get(claim.site_id, 0) - quantity
        by_day = self.resources.load.setdefault(claim.site_id, {})
        by_day[claim.day] = by_day.get(claim.day, 0) + 1

    def _drop_claim(self, claim: _Claim) -> None:
        free = self.resources.free
        for sku, quantity in claim.units:
            free[sku][claim.site_id] += quantity
        self.resources.load[claim.site_id][claim.day] -= 1

    def _clear(self, claim: _Claim, depth: int, busy: set[str], journal: list) -> bool:
        """Move holders until the claim's stock and capacity are no longer overdrawn."""
        resources = self.resources
        site = self.planner.network.sites[claim.site_id]
        for sku, _ in claim.units:
            holders = resources.holders.get((claim.site_id, sku), {})
            if resources.free_units(sku, claim.site_id) < 0 and not self._move_some(
                lambda sku=sku: resources.free_units(sku, claim.site_id) >= 0,
                holders,
                depth,
                busy,
                journal,
            ):
                return False
        if site.capacity is not None:
            shippers = resources.shippers.get((claim.site_id, claim.day), {})
            if resources.shipments_on(claim.site_id, claim.day) > site.capacity and not (
                self._move_some(
                    lambda: resources.shipments_on(claim.site_id, claim.day) <= site.capacity,
                    shippers,
                    depth,
                    busy,
                    journal,
                )
            ):
                return False
        return True

    def _move_some(self, done, holders, depth: int, busy: set[str], journal: list) -> bool:
        """Move holders until ``done()``; False if they cannot.

        Holders with the loosest promises are tried first, at most
        :data:`REPAIR_HOLDERS` of them, chosen among the :data:`REPAIR_POOL` most
        recently routed (so popular stock with thousands of holders stays cheap).
        """
        # the pool: the most recent, less the orders of the chain (busy) among them
        recent = [i for i in islice(reversed(holders), REPAIR_POOL + len(busy)) if i not in busy]
        # loosest promise first: the reverse of the fair order (a rank per order, no ties)
        candidates = sorted(recent[:REPAIR_POOL], key=self._rank.__getitem__, reverse=True)
        for decision in [self.decisions[order_id] for order_id in candidates[:REPAIR_HOLDERS]]:
            if done():
                return True
            if self._budget <= 0:
                return False
            self._move(decision, depth, busy, journal)
        return done()

    def _move(self, decision: Decision, depth: int, busy: set[str], journal: list) -> bool:
        """Give ``decision``'s order another plan as good for its promise, if there is one."""
        order_id, request = decision.order_id, decision.request
        rule, goal = self.rule_of[order_id], self._goal(decision)
        self._budget -= 1
        self._run_budget -= 1
        if depth <= 1 and goal == ON_TIME and self._stuck(decision, rule):
            # what giving the plan back and taking it again leaves: the order last in line
            self.resources.requeue(order_id, decision.plan)  # type: ignore[arg-type]
            return False
        old = self._uncommit(order_id)
        if goal == ON_TIME:
            new = self._best_on_time(request, rule)
        else:
            new = self.planner.best(request, rule, goal)
        if new is None and depth > 1:
            new = self._make_room(request, rule, goal, depth - 1, busy | {order_id}, journal)
        if new is None:
            self._commit(request, rule, old, order_id in self._compromised)
            return False
        self._commit(request, rule, new, compromised=True)
        self._changed_skus.update(sku for sku, _ in request.units)
        journal.append((order_id, rule, old, new))
        return True

    def _best_on_time(self, request: Request, rule: BoundRule) -> Plan | None:
        """:meth:`Planner.best` with ``ON_TIME``, without asking the planner again when
        nothing it would read changed since it last found no plan.

        Holders of popular stock are asked to move over and over while little
        changes; their answer depends only on :meth:`_on_time_state`, so the same
        state gives the same ``None`` (the move still counts against the budgets).
        """
        key = (request.order_id, id(rule))
        state = self._on_time_state(request, rule, key)
        if state is not None and self._no_plan.get(key) == state:
            return None
        plan = self.planner.best(request, rule, ON_TIME)
        if plan is None and state is not None:
            self._no_plan[key] = state
        return plan

    def _stuck(self, decision: Decision, rule: BoundRule) -> bool:
        """Whether :meth:`_best_on_time` would find no plan for ``decision``'s order were
        its plan given back: the state it would see is the one it last found none in."""
        request, plan = decision.request, decision.plan
        key = (request.order_id, id(rule))
        stuck = self._no_plan.get(key)
        if stuck is None or plan is None:
            return False
        resources = self.resources
        resources.shift(plan, 1)  # the stock and capacity only: who holds what is kept
        try:
            return self._on_time_state(request, rule, key) == stuck
        finally:
            resources.shift(plan, -1)

    def _on_time_state(self, request: Request, rule: BoundRule, key: tuple) -> tuple | None:
        """What :meth:`Planner.choose` reads of the resources when only plans that keep
        ``request``'s promise count, or None when that is not worth remembering.

        Only the sites that can deliver by the promise count (the others are skipped,
        and splits use only those). Of their stock, each SKU's units up to the order's
        quantity (a site has them all or not, and a split takes at most that many);
        of their capacity, whether each day from the order's first departure to the
        promise is full (a parcel shipped later is late).
        """
        scope = self._scopes.get(key, ())
        if scope == ():
            scope = self._scopes[key] = self._on_time_scope(request, rule)
        if scope is None:
            return None
        site_ids, days_of = scope
        free, load = self.resources.free, self.resources.load
        state: list = []
        for sku, quantity in request.units:
            by_location = free.get(sku, _NONE)
            for site_id in site_ids:
                units = by_location.get(site_id, 0)
                state.append(quantity if units >= quantity else units if units > 0 else 0)
        for site_id, capacity, days in days_of:
            shipments_on = load.get(site_id, _NONE).get
            state += [shipments_on(day, 0) >= capacity for day in days]
        return tuple(state)

    def _on_time_scope(
        self, request: Request, rule: BoundRule
    ) -> tuple[tuple[str, ...], tuple[tuple[str, int, tuple[date, ...]], ...]] | None:
        """For :meth:`_on_time_state`: the ids of the sites that can deliver ``request`` by
        its promise, and for those with a daily capacity, that capacity and the days the
        order could ship on."""
        promise = request.promise
        if promise is None:
            return None
        planner = self.planner
        site_ids, days_of = [], []
        for site, _ in planner.sites(request, rule):
            departures, fastest = planner.departures(request, rule, site)
            if fastest > promise:
                continue
            site_ids.append(site.location_id)
            if site.capacity is not None and site.capacity > 0:
                first = min(day for _, day, delivery, _ in departures if delivery <= promise)
                span = (promise - first).days
                if span > STATE_DAYS:
                    return None
                days = tuple(first + timedelta(days=n) for n in range(span + 1))
                days_of.append((site.location_id, site.capacity, days))
        return tuple(site_ids), tuple(days_of)

    def _rollback(self, journal: list, mark: int) -> None:
        while len(journal) > mark:
            order_id, rule, old, _ = journal.pop()
            request = self.decisions[order_id].request
            self._uncommit(order_id)
            self._commit(request, rule, old, compromised=True)

    # -- improve ---------------------------------------------------------------------------

    def _improve(self, batch: Sequence[Request]) -> None:
        """Let orders that missed their first choice take a better plan freed since."""
        budget = IMPROVE_BUDGET
        compromised, changed = self._compromised, self._changed_skus
        for _ in range(IMPROVE_ROUNDS):
            moved = False
            for request in batch:
                order_id = request.order_id
                if order_id not in compromised or not any(
                    sku in changed for sku, _ in request.units
                ):
                    continue
                decision = self.decisions[order_id]
                if decision.status != ROUTED or decision.plan is None:
                    continue
                budget -= 1
                if budget < 0:
                    return
                rule, old = self.rule_of[order_id], decision.plan
                goal = self._goal(decision)
                # choose as if the old plan were given back: its stock and capacity only, as
                # nothing reads who holds what any more and nearly every order keeps its plan
                self.resources.shift(old, 1)
                new, blocked = self.planner.choose(request, rule, goal)
                self.resources.shift(old, -1)
                assert new is not None  # the old plan is still possible
                key = rule.strategy.key
                new_key, old_key = key(new, request, rule), key(old, request, rule)
                if new_key < old_key or (new_key == old_key and tie_break(new) < tie_break(old)):
                    self._uncommit(order_id)
                    self._commit(request, rule, new, blocked)
                    moved = True
            if not moved:
                break
