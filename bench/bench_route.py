"""Routing: throughput on 100,000 orders, and decision quality against the exact optimum.

Throughput
    ``opsctl route --summary --format json`` on the ``throughput`` scenario of
    ``route_scenarios.py`` (100,000 orders of 1 to 5 lines, 8 locations, 12
    carrier services, realistic rules), in its own process: wall time (load,
    route, print), orders per second and peak resident memory; plus, in this
    process, the split between loading and routing. Goal: under 10 s.

Decision quality
    The ``scarce`` scenario (2,000 orders, stock for about 95 % of the demand
    spread thin, so not every promise can be kept) routed by opsctl, by a naive
    greedy (orders by promise date, each taking the cheapest plan that keeps its
    promise and has stock, else its earliest delivery), and solved exactly as
    a mixed-integer program (``route_milp.py``: scipy's ``milp``, HiGHS; the
    router's own program with integer variables). Reported: promises kept and
    cost per served order as ratios to the optimum. Goals: >= 0.98 and <= 1.03.

    python bench/bench_route.py --scale 0.1
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import measure, python_command, row
from route_scenarios import scenario

THROUGHPUT_ORDERS = 100_000
QUALITY_ORDERS = 2_000
PLUGIN = "routing-strategies"


def _plugins() -> list:
    """The routing-strategies plugin, when the installed entry points lack it."""
    from importlib.metadata import entry_points

    if any(ep.name == PLUGIN for ep in entry_points(group="opsctl")):
        return []
    import opsctl_routing_strategies

    return [(PLUGIN, opsctl_routing_strategies)]


def cli(argv: list[str]) -> None:
    """Run the opsctl command line as the ``opsctl`` console script does (with the routing
    strategies, installed or not); the process ends with it."""
    from opsctl.app import App
    from opsctl.cli import main

    main(argv, obj=App(extra_plugins=_plugins()))


def load_scenario(folder: Path):
    """(settings, inputs, strategies, timezone) of a scenario folder, read as opsctl reads it."""
    import opsctl.routing.settings  # noqa: F401
    from opsctl.app import App
    from opsctl.datasets import Dataset
    from opsctl.routing.inputs import read_inputs
    from opsctl.routing.rules import read_settings

    app = App(config_path=str(folder / "opsctl.toml"), extra_plugins=_plugins())
    strategies = {r.name: r.obj for r in app.plugins.registry.registrations("routing_strategies")}
    with Dataset(app) as data:
        inputs = read_inputs(data)
    tz = ZoneInfo(app.config.get("defaults.timezone", "UTC"))
    return read_settings(app.config, strategies), inputs, strategies, tz


def naive_greedy(inputs, settings, strategies, tz):
    """Each order in fair order takes its strategy's best plan with the stock left, or none."""
    from opsctl.routing.batch import build_requests, summarise
    from opsctl.routing.model import BACKORDERED, ROUTED, Decision
    from opsctl.routing.network import Network
    from opsctl.routing.planner import Planner
    from opsctl.routing.resources import Resources, available_stock
    from opsctl.routing.ruleset import RuleSet

    network = Network(inputs.locations, inputs.carrier_services, settings)
    rules = RuleSet(settings, network, strategies)
    planner = Planner(network, Resources(available_stock(inputs.stock), inputs.load))
    requests, skipped = build_requests(inputs.orders, inputs.lines, settings, network, tz=tz)
    decisions = []
    for request in sorted(requests, key=lambda r: r.fair_key):
        decision = Decision(request, BACKORDERED, reason="greedy: no plan")
        for rule in rules.chain(request):
            plan = planner.best(request, rule)
            if plan is not None:
                planner.resources.take(request.order_id, plan)
                decision = Decision(request, ROUTED, plan, rule.rule)
                break
        decisions.append(decision)
    return summarise(decisions, skipped, settings, network)


def throughput(scale: float) -> list[dict]:
    orders = max(1000, int(THROUGHPUT_ORDERS * scale))
    folder = scenario("throughput", orders)
    command = python_command(
        __file__,
        "--cli",
        "--config",
        str(folder / "opsctl.toml"),
        "route",
        "--summary",
        "--format",
        "json",
    )
    measured = measure(command)
    from opsctl.routing.batch import route

    load_started = time.perf_counter()
    settings, inputs, strategies, tz = load_scenario(folder)
    loading = time.perf_counter() - load_started
    started = time.perf_counter()
    run = route(inputs, settings, strategies, tz=tz)
    routing = time.perf_counter() - started
    summary = run.summary()
    note = f"{orders} orders, {len(inputs.lines)} lines, 8 locations, 12 carrier services"
    return [
        row(
            "route throughput",
            "wall seconds (load, route, print)",
            round(measured.seconds, 2),
            goal="< 10 s" if orders == THROUGHPUT_ORDERS else "",
            note=note,
        ),
        row("route throughput", "orders per second", round(orders / measured.seconds)),
        row("route throughput", "peak RSS (MB)", round(measured.peak_rss_mb, 1)),
        row("route throughput", "in-process: load seconds", round(loading, 2)),
        row(
            "route throughput",
            "in-process: route seconds",
            round(routing, 2),
            note=f"{summary.routed} routed, {summary.promises_kept} promises kept, "
            f"{summary.backordered} backordered, {summary.held} held",
        ),
    ]


def quality(scale: float) -> list[dict]:
    import route_milp

    from opsctl.routing.batch import route

    orders = max(200, int(QUALITY_ORDERS * scale))
    settings, inputs, strategies, tz = load_scenario(scenario("scarce", orders))
    started = time.perf_counter()
    run = route(inputs, settings, strategies, tz=tz)
    seconds = time.perf_counter() - started
    ours = run.summary()
    greedy = naive_greedy(inputs, settings, strategies, tz)
    optimum = route_milp.solve(run)
    opt_cost = optimum.cost_per_order
    note = (
        f"optimum: {optimum.promises_kept} kept, {optimum.served} served, "
        f"{float(opt_cost):.2f} {settings.currency}/order; MILP {optimum.variables} variables, "
        f"{sum(optimum.seconds):.0f} s, final gap {optimum.gaps[-1]:.1e}"
    )

    def ratio(value, reference) -> float:
        return round(float(value) / float(reference), 3) if reference else 0.0

    return [
        row(
            "route quality",
            "promises kept",
            ours.promises_kept,
            peer="MILP optimum",
            peer_value=optimum.promises_kept,
            ratio=ratio(ours.promises_kept, optimum.promises_kept),
            goal=">= 0.98",
            note=note,
        ),
        row(
            "route quality",
            "cost per served order",
            float(ours.cost_per_order),
            peer="MILP optimum",
            peer_value=round(float(opt_cost), 2),
            ratio=ratio(ours.cost_per_order, opt_cost),
            goal="<= 1.03",
            note=f"opsctl: {ours.routed} served in {seconds:.2f} s",
        ),
        row(
            "route quality",
            "promises kept (naive greedy)",
            greedy.promises_kept,
            peer="MILP optimum",
            peer_value=optimum.promises_kept,
            ratio=ratio(greedy.promises_kept, optimum.promises_kept),
            note="reference",
        ),
        row(
            "route quality",
            "cost per served order (naive greedy)",
            float(greedy.cost_per_order),
            peer="MILP optimum",
            peer_value=round(float(opt_cost), 2),
            ratio=ratio(greedy.cost_per_order, opt_cost),
            note=f"greedy: {greedy.routed} served",
        ),
    ]


def run(scale: float = 1.0) -> list[dict]:
    """The benchmark's rows (see ``bench/run.py``)."""
    return throughput(scale) + quality(scale)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--cli":
        cli(sys.argv[2:])  # ends the process, as the console script does
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", choices=["throughput", "quality"])
    args = parser.parse_args()
    rows = (
        throughput(args.scale)
        if args.only == "throughput"
        else quality(args.scale)
        if args.only == "quality"
        else run(args.scale)
    )
    from run import print_table

    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
