"""``opsctl route`` as a user runs it: output, explain, apply, replay, errors, plugins."""

from __future__ import annotations

import sqlite3
import types
from pathlib import Path

import opsctl_routing_strategies
import pytest
from route_shop import ORDERS_CSV, RULES_TOML, write_shop

from opsctl import hookimpl

ROUTING = ("routing-strategies", opsctl_routing_strategies)


@pytest.fixture
def shop(opsctl_env: Path) -> Path:
    return write_shop(opsctl_env)


@pytest.fixture
def route(opsctl_run, shop):
    def run(*args, plugins=(ROUTING,)):
        return opsctl_run("route", *args, plugins=plugins, only_plugins=True)

    return run


def test_route_prints_a_readable_table_and_a_summary(route):
    result = route().assert_success()
    assert result.stdout.splitlines()[0].split()[:4] == ["order_id", "status", "rule", "location"]
    assert "A-1" in result.stdout and "promises kept" in result.stdout
    assert "busiest_day" in result.stdout  # the load per location


def test_route_json_has_every_open_order_and_the_summary(route):
    document = route("--format", "json").assert_success().json()
    by_id = {o["order_id"]: o for o in document["orders"]}
    assert sorted(by_id) == ["A-1", "A-2", "A-3", "A-4"]  # A-5 is cancelled
    wholesale = by_id["A-4"]
    assert (wholesale["status"], wholesale["rule"]) == ("routed", "wholesale")
    assert [s["location_id"] for s in wholesale["shipments"]] == ["leeds"]
    assert sorted((i["sku"], i["quantity"]) for i in wholesale["shipments"][0]["lines"]) == [
        ("JACKET", 3),
        ("SOCKS", 10),
    ]
    late = by_id["A-3"]  # placed after the cutoff, promised the next day
    assert (late["promise_kept"], late["shipments"][0]["ship_date"]) == (False, "2026-03-03")
    summary = document["summary"]
    assert (summary["orders"], summary["skipped"], summary["routed"]) == (4, 1, 4)
    assert summary["promises_at_risk"] == 1
    assert summary["currency"] == "GBP" and {row["location_id"] for row in summary["load"]} == {
        "leeds",
        "venlo",
        "dublin",
    }


def test_explain_says_why_an_order_went_there(route):
    document = route("--explain", "A-2", "--format", "json").assert_success().json()
    assert document["decision"]["shipments"][0]["location_id"] == "venlo"
    verdicts = {(loc["location_id"], loc["verdict"]) for loc in document["locations"]}
    assert ("dublin", "refused") in verdicts  # serves web only; A-2 is from Amazon
    dublin = next(loc for loc in document["locations"] if loc["location_id"] == "dublin")
    assert "does not serve channel 'amazon'" in dublin["reason"]
    leeds = next(loc for loc in document["locations"] if loc["location_id"] == "leeds")
    ranks = {(s["carrier"], s["service"]): s["rank"] for s in leeds["services"]}
    assert ranks[("dpd", "classic")] is not None
    table = route("--explain", "A-2").assert_success().stdout
    assert "decision" in table and "venlo dhl/standard" in table and "refused" in table


def test_explain_of_an_unknown_order_is_a_usage_error(route):
    result = route("--explain", "NOPE").assert_exit(2)
    assert "order 'NOPE' is not among the 4 orders routed" in result.stderr


def test_bad_rules_exit_2_naming_file_line_rule_and_key(opsctl_run, opsctl_env):
    write_shop(opsctl_env, rules=RULES_TOML.replace('"fewest-shipments"', '"fewest"'))
    result = opsctl_run("route", plugins=[ROUTING], only_plugins=True).assert_exit(2)
    assert (
        "opsctl.toml:27: routing.rules[1].strategy: rule 'wholesale': 'fewest' is not a "
        "routing strategy" in result.stderr
    )
    assert result.stdout == ""


def test_bad_input_exits_3_naming_file_line_and_column(opsctl_run, opsctl_env):
    write_shop(
        opsctl_env, orders_csv=ORDERS_CSV.replace("2026-03-02T10:00:00Z", "2026-02-31 10:00")
    )
    result = opsctl_run("route", plugins=[ROUTING], only_plugins=True).assert_exit(3)
    assert "orders.csv:3: placed_at: '2026-02-31 10:00' is not a valid ISO 8601" in result.stderr


def test_without_the_strategies_plugin_the_error_says_so(opsctl_run, shop):
    result = opsctl_run("route", only_plugins=True).assert_exit(2)
    assert "is the routing-strategies plugin loaded?" in result.stderr


# -- apply -------------------------------------------------------------------------------


def stored(opsctl_env: Path, query: str):
    with sqlite3.connect(opsctl_env / "state.db") as connection:
        return connection.execute(query).fetchall()


def test_apply_records_once_and_reserves_stock(route, opsctl_run, opsctl_env):
    ingest = opsctl_run("ingest", "--all", only_plugins=True).assert_success()
    assert "orders" in ingest.stdout
    first = route("--apply", "--as-of", "2026-03-02T08:00:00Z", "--format", "json")
    assert first.assert_success().json()["recorded_orders"] == 4
    assert stored(opsctl_env, "SELECT count(DISTINCT order_id) FROM routing_allocations") == [(4,)]
    reserved = dict(stored(opsctl_env, "SELECT sku, sum(quantity) FROM routing_reservations "
                                       "WHERE location_id = 'leeds' GROUP BY sku"))  # fmt: skip
    assert reserved["JACKET"] == 3
    again = route("--apply", "--as-of", "2026-03-02T08:00:00Z", "--format", "json")
    document = again.assert_success().json()
    assert (document["recorded_orders"], document["summary"]["orders"]) == (0, 0)
    assert stored(opsctl_env, "SELECT count(*) FROM routing_allocations") == [(4,)]


def test_a_run_that_dies_while_recording_leaves_nothing_and_the_next_run_completes(
    route, opsctl_run, opsctl_env, monkeypatch
):
    from opsctl.store.sqlite.routing import SqliteAllocationLedger

    opsctl_run("ingest", "--all", only_plugins=True).assert_success()
    original = SqliteAllocationLedger._count
    calls = []

    def crash_after_writing(self):
        calls.append(1)
        if len(calls) == 2:  # after the INSERTs, inside the transaction
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(SqliteAllocationLedger, "_count", crash_after_writing)
    route("--apply").assert_exit(130)
    assert stored(opsctl_env, "SELECT count(*) FROM routing_allocations") == [(0,)]
    assert stored(opsctl_env, "SELECT count(*) FROM routing_reservations") == [(0,)]
    monkeypatch.setattr(SqliteAllocationLedger, "_count", original)
    assert route("--apply", "--format", "json").assert_success().json()["recorded_orders"] == 4


# -- replay ------------------------------------------------------------------------------


def candidate(opsctl_env: Path, body: str) -> str:
    path = opsctl_env / "candidate.toml"
    path.write_text(body, encoding="utf-8")
    return str(path)


def test_replay_of_the_same_rules_changes_nothing_and_passes(route, opsctl_env):
    same = candidate(opsctl_env, RULES_TOML)
    result = route("replay", "--rules", same, "--format", "json").assert_success()
    document = result.json()
    assert document["changed_orders"] == [] and document["passed"] is True
    assert "0 of 4 orders routed differently" in result.stderr


def test_replay_shows_the_differences_and_the_guardrail_fails_the_run(route, opsctl_env):
    venlo_first = candidate(
        opsctl_env,
        '[[routing.rules]]\nname = "all from venlo"\nlocations = ["venlo"]\n',
    )
    result = route("replay", "--rules", venlo_first, "--format", "json").assert_exit(1)
    document = result.json()
    assert document["passed"] is False
    changed = {row["order_id"]: row for row in document["changed_orders"]}
    assert changed["A-4"]["candidate"] == "backordered"  # Venlo does not serve wholesale
    failed = {row["guardrail"] for row in document["guardrails"] if not row["ok"]}
    assert "max_total_cost_change_pct" in failed or "min_promises_kept_change" in failed
    assert "the candidate rules break the guardrail(s)" in result.stderr
    table = route("replay", "--rules", venlo_first).assert_exit(1).stdout
    assert "promises kept" in table and "shipments from venlo" in table


def test_replay_of_bad_candidate_rules_exits_2_naming_the_candidate_file(route, opsctl_env):
    bad = candidate(opsctl_env, '[[routing.rules]]\nname = "x"\nsplit = "sometimes"\n')
    result = route("replay", "--rules", bad).assert_exit(2)
    assert (
        "candidate.toml:3: routing.rules[1].split: rule 'x': 'sometimes' is not true or "
        "false" in result.stderr
    )


# -- the plugin hook -----------------------------------------------------------------------


class Slowest:
    """A third-party strategy: the latest delivery (to test the hook)."""

    name = "slowest"
    description = "latest delivery first"

    def key(self, plan, request, rule):
        return (-plan.delivery.toordinal(),)


def strategy_plugin(strategy) -> types.SimpleNamespace:
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_routing_strategies(register):
        register(strategy)

    plugin.register_routing_strategies = register_routing_strategies
    return plugin


def test_hook_register_routing_strategies(opsctl_run, opsctl_env):
    rules = '[routing]\ncurrency = "GBP"\nexchange_rates = { EUR = "0.85" }\n' \
        '[[routing.rules]]\nname = "slow"\nstrategy = "slowest"\n'  # fmt: skip
    write_shop(opsctl_env, rules=rules)
    plugins = [ROUTING, ("acme", strategy_plugin(Slowest()))]
    listed = opsctl_run("plugins", "--format", "json", plugins=plugins, only_plugins=True)
    provided = {p["name"]: p["registered"] for p in listed.assert_success().json()}
    assert provided["acme"] == {"routing_strategies": ["slowest"]}
    assert provided["routing-strategies"]["routing_strategies"] == [
        "cheapest-on-time",
        "fewest-shipments",
        "nearest",
        "priority",
    ]
    routed = opsctl_run("route", "--format", "json", plugins=plugins, only_plugins=True)
    a2 = next(o for o in routed.assert_success().json()["orders"] if o["order_id"] == "A-2")
    shipment = a2["shipments"][0]  # to Germany: DPD Classic from Leeds is the slowest
    assert (shipment["location_id"], shipment["service"]) == ("leeds", "classic")


def test_hook_register_routing_strategies_refuses_a_second_strategy_of_a_name(opsctl_run, shop):
    clash = strategy_plugin(types.SimpleNamespace(name="nearest", description="", key=None))
    result = opsctl_run(
        "route", plugins=[ROUTING, ("impostor", clash)], only_plugins=True
    ).assert_exit(2)
    assert (
        "routing strategy 'nearest' is registered by both plugin 'routing-strategies' and "
        "plugin 'impostor'" in result.stderr
    )


def test_json_on_stdout_stays_json_when_the_relaxation_runs(shop):
    """HiGHS prints a banner on the C-level stdout the first time a process builds a solver."""
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "opsctl", "route", "--format", "json"],
        cwd=shop,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout)["summary"]["orders"] == 4
    assert "HiGHS" not in result.stdout
