"""The exact optimum of a routing batch: the router's own program, with integer variables.

:mod:`opsctl.routing.program` writes a batch as a mixed-integer program built
from the router's own pieces (the same rules, sites, lanes, cutoffs,
calendars, capacity spill-over, rate cards and stock), documented there. The
router solves its linear relaxation to decide where scarce stock goes; this
module solves it exactly with scipy's ``milp`` (HiGHS), so the benchmark
compares the router with the optimum of the very problem it solves.

The objective is lexicographic, as the router's: (1) maximise promises kept;
(2) with that many kept, maximise orders served; (3) with both at their
optimum, minimise the days late of the orders that cannot be on time
(``cheapest-on-time`` ships those by the earliest delivery); (4) with all
three at their optimum, minimise the total shipping cost in the routing
currency. Each step is one ``milp`` call; see :func:`solve` for how the steps
are chained.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from opsctl.routing.batch import RoutingRun
from opsctl.routing.planner import Planner
from opsctl.routing.program import BatchProgram, build_program
from opsctl.routing.resources import Resources


@dataclass
class MilpSolution:
    """The optimum's figures and how long each lexicographic step took."""

    promises_kept: int
    served: int
    total_cost: Decimal
    days_late: int
    variables: int
    constraints: int
    seconds: list[float] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    #: Order ids the optimum serves and those whose promise it keeps.
    served_orders: set[str] = field(default_factory=set)
    kept_orders: set[str] = field(default_factory=set)

    @property
    def cost_per_order(self) -> Decimal:
        return self.total_cost / self.served if self.served else Decimal(0)


def program_of(run: RoutingRun) -> BatchProgram:
    """The program of a finished run's whole batch, from the stock it started with."""
    allocator = run.allocator
    resources = Resources(
        {
            (site_id, sku): units
            for sku, by_site in allocator.resources.initial.items()
            for site_id, units in by_site.items()
        },
        run.inputs.load,
    )
    planner = Planner(run.network, resources)
    orders = []
    for decision in run.decisions:
        chain = allocator.chains[decision.order_id]
        if decision.request.lines and chain:
            assert len(chain) == 1, "the benchmark scenario gives every order exactly one rule"
            orders.append((decision.request, chain[0]))
    return build_program(orders, planner)


def solve(run: RoutingRun, *, time_limit: float = 1200.0) -> MilpSolution:
    """Solve the batch of ``run`` lexicographically: promises kept, orders served, cost."""
    program = program_of(run)
    n = program.columns
    # one extra fixed column carries each step's constant offset
    matrix = csr_matrix((program.value, program.index, program.start), shape=(program.rows, n + 1))
    constraints = LinearConstraint(matrix, program.row_lower, program.row_upper)
    integrality = np.array(program.integer, dtype=int)
    solution = MilpSolution(0, 0, Decimal(0), 0, n, program.rows)

    def step(objective: np.ndarray, offset: float) -> np.ndarray:
        """Minimise ``objective @ x - offset`` (the offset is a fixed extra column)."""
        started = time.perf_counter()
        result = milp(
            np.append(objective, -offset),
            integrality=np.append(integrality, 0),
            bounds=Bounds([*program.lower, 1.0], [*program.upper, 1.0]),
            constraints=[constraints],
            options={"time_limit": time_limit, "mip_rel_gap": 1e-6},
        )
        solution.seconds.append(time.perf_counter() - started)
        if result.x is None:
            raise RuntimeError(f"the MILP found no solution: {result.message}")
        solution.gaps.append(float(getattr(result, "mip_gap", 0.0) or 0.0))
        return result.x

    kept_vector = pick_columns(n, list(program.kept.values()))
    served_vector = pick_columns(n, list(program.served.values()))
    late_vector = np.zeros(n)
    for column, days in program.lateness.items():
        late_vector[column] = days
    cost_vector = np.array(program.cost)
    # Each step weighs the earlier objectives instead of fixing their optimum as a
    # constraint (HiGHS, given no starting point, can take minutes to find any point with
    # "kept == K*"), then checks that the earlier optima still hold: if they do, the step's
    # optimum is the exact lexicographic one whatever the weights. The constant offset keeps
    # the objective near the quantity being optimised, so the relative gap is a gap in it.
    orders = len(program.served)
    x = step(-kept_vector, 0.0)[:n]
    kept = solution.promises_kept = round(float(kept_vector @ x))
    w_kept = orders + 1.0
    x = step(-w_kept * kept_vector - served_vector, w_kept * kept)[:n]
    _check(round(float(kept_vector @ x)), kept, "promises kept", 2)
    served = solution.served = round(float(served_vector @ x))
    w_served, w_kept = 100.0, 1000.0
    x = step(
        late_vector - w_served * served_vector - w_kept * kept_vector,
        w_served * served + w_kept * kept,
    )[:n]
    _check(round(float(kept_vector @ x)), kept, "promises kept", 3)
    _check(round(float(served_vector @ x)), served, "orders served", 3)
    late = solution.days_late = round(float(late_vector @ x))
    w_late, w_served, w_kept = 100.0, 10_000.0, 100_000.0
    x = step(
        cost_vector + w_late * late_vector - w_served * served_vector - w_kept * kept_vector,
        -w_late * late + w_served * served + w_kept * kept,
    )[:n]
    _check(round(float(kept_vector @ x)), kept, "promises kept", 4)
    _check(round(float(served_vector @ x)), served, "orders served", 4)
    _check(round(float(late_vector @ x)), late, "days late", 4)
    solution.total_cost = Decimal(f"{float(cost_vector @ x):.2f}")
    solution.served_orders = {i for i, column in program.served.items() if x[column] > 0.5}
    solution.kept_orders = {i for i, column in program.kept.items() if x[column] > 0.5}
    return solution


def pick_columns(n: int, columns: list[int]) -> np.ndarray:
    vector = np.zeros(n)
    vector[columns] = 1.0
    return vector


def _check(found: int, wanted: int, what: str, step: int) -> None:
    if found != wanted:
        raise RuntimeError(f"step {step} lost the optimum of {what} ({found} != {wanted})")
