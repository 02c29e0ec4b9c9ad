"""Routing rules: which orders each rule takes, and config errors that name the rule and line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from route_shop import (
    LOCATIONS,
    LONDON,
    SERVICES,
    STRATEGIES,
    decided,
    line,
    order,
    run,
    settings,
    stock,
)

import opsctl.routing.settings  # noqa: F401  (declares [routing])
from opsctl.config import load_config
from opsctl.errors import ConfigError
from opsctl.routing.batch import build_requests
from opsctl.routing.network import Network
from opsctl.routing.rules import read_candidate, read_settings, rule_lines
from opsctl.routing.ruleset import RuleSet


def chain_names(toml: str, request_order, lines=None) -> list[str]:
    routing = settings(toml)
    network = Network(LOCATIONS, SERVICES, routing)
    rules = RuleSet(routing, network, STRATEGIES)
    requests, _ = build_requests(
        [request_order], lines or [line(request_order.order_id)], routing, network, tz=LONDON
    )
    return [rule.name for rule in rules.chain(requests[0])]


RULES = """
[[rules]]
name = "wholesale"
when = { customer_type = "wholesale" }
on_no_fit = "hold"

[[rules]]
name = "big eu orders"
when = { country = ["DE", "FR"], min_value = "100" }
on_no_fit = "next-rule"

[[rules]]
name = "tents"
when = { sku = "TNT-*" }
unless = { channel = "ebay" }

[[rules]]
name = "gifts"
when = { tags = "gift", columns = { gift_wrap = ["yes", "true"] } }

[[rules]]
name = "highlands"
when = { postal_code = ["IV*", "HS*"] }

[[rules]]
name = "the rest"
"""


@pytest.mark.parametrize(
    ("request_order", "lines", "expected"),
    [
        (order(customer_type="wholesale"), None, ["wholesale"]),
        (order(ship_to_country="DE", currency="EUR"), [line(unit_price=Decimal("200"))],
         ["big eu orders", "the rest"]),
        (order(ship_to_country="DE", currency="EUR"), [line(unit_price=Decimal("10"))],
         ["the rest"]),
        (order(), [line(sku="TNT-2P")], ["tents"]),
        (order(channel="ebay"), [line(sku="TNT-2P")], ["the rest"]),
        (order(extra={"tags": "first_order;gift", "gift_wrap": "Yes"}), None, ["gifts"]),
        (order(extra={"tags": "gift"}), [line(extra={"gift_wrap": "true"})], ["gifts"]),
        (order(ship_to_postal_code="IV2 3AB"), None, ["highlands"]),
    ],
)  # fmt: skip
def test_each_order_follows_the_first_rule_that_takes_it(request_order, lines, expected):
    assert chain_names(RULES, request_order, lines) == expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ('{ channel = "ebay" }', [["rest"], ["first", "rest"], ["rest"], ["first", "rest"]]),
        ('{ channel = "ebay", country = "IE" }', [["rest"], ["rest"], ["rest"], ["first", "rest"]]),
        ("{}", [["first", "rest"]] * 4),
    ],
)
def test_one_rule_set_gives_each_order_the_chain_of_its_own_fields(when, expected):
    # the chain of orders alike in the fields the rules read is worked out once: orders
    # unlike in any of them must not share it
    toml = f'[[rules]]\nname = "first"\nwhen = {when}\non_no_fit = "next-rule"\n'
    toml += '[[rules]]\nname = "rest"\n'
    routing = settings(toml)
    network = Network(LOCATIONS, SERVICES, routing)
    rules = RuleSet(routing, network, STRATEGIES)
    ireland = {"ship_to_country": "IE", "currency": "EUR"}
    orders = [
        order("O1", channel="web"),
        order("O2", channel="ebay"),
        order("O3", channel="web", **ireland),
        order("O4", channel="ebay", **ireland),
    ]
    lines = [line(each.order_id) for each in orders]
    requests, _ = build_requests(orders, lines, routing, network, tz=LONDON)
    for _ in range(2):  # worked out, then from what was worked out
        assert [[rule.name for rule in rules.chain(each)] for each in requests] == expected


def test_value_criteria_compare_in_the_routing_currency():
    # 120 EUR is 102 GBP at 0.85: above a 100 GBP threshold
    toml = '[[rules]]\nname = "big"\nwhen = { min_value = "100" }\n[[rules]]\nname = "rest"\n'
    euro = order(currency="EUR")
    assert chain_names(toml, euro, [line(unit_price=Decimal("120"))]) == ["big"]
    assert chain_names(toml, euro, [line(unit_price=Decimal("115"))]) == ["rest"]


def test_without_rules_one_default_rule_routes_everything():
    routing = run([order()], [line()], stock(("leeds", "A", 1)))
    assert decided(routing)["O1"].rule.name == "default"
    assert decided(routing)["O1"].status == "routed"


def test_an_order_no_rule_takes_is_held_never_guessed():
    toml = '[[rules]]\nname = "web only"\nwhen = { channel = "web" }\n'
    routing = run([order(channel="ebay")], [line()], stock(("leeds", "A", 1)), toml)
    decision = decided(routing)["O1"]
    assert (decision.status, decision.reason) == ("held", "no rule takes the order")


# -- config errors ------------------------------------------------------------------------

CONFIG = """\
[defaults]
currency = "GBP"

[routing]
exchange_rates = {{ EUR = "0.85" }}

[[routing.rules]]
name = "first"
strategy = "cheapest-on-time"

[[routing.rules]]
name = "second"
{body}
"""


def config_error(opsctl_env, body: str) -> ConfigError:
    path = opsctl_env / "opsctl.toml"
    path.write_text(CONFIG.format(body=body), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_settings(load_config(path).check(), STRATEGIES)
    return caught.value


@pytest.mark.parametrize(
    ("body", "line_number", "key", "words"),
    [
        ('strategy = "cheepest"', 13, "routing.rules[2].strategy",
         ["rule 'second'", "'cheepest' is not a routing strategy", "cheapest-on-time"]),
        ('stratgy = "nearest"', 13, "routing.rules[2].stratgy",
         ["unknown key 'stratgy'", "did you mean 'strategy'"]),
        ('on_no_fit = "wait"', 13, "routing.rules[2].on_no_fit",
         ["'wait' is not one of next-rule, backorder, hold"]),
        ("max_shipments = 3", 13, "routing.rules[2].max_shipments", ["needs split = true"]),
        ('[routing.rules.when]\nchannel = "web"\nvalue_over = 5', 15,
         "routing.rules[2].when.value_over", ["unknown key 'value_over'"]),
        ("when.min_value = \"ten\"", 13, "routing.rules[2].when.min_value",
         ["'ten' is not a number"]),
    ],
)  # fmt: skip
def test_bad_rules_name_the_file_line_rule_and_key(opsctl_env, body, line_number, key, words):
    error = config_error(opsctl_env, body)
    assert (error.line, error.key) == (line_number, key)
    assert str(error).startswith(f"{opsctl_env / 'opsctl.toml'}:{line_number}: {key}: ")
    for word in words:
        assert word in str(error)


def test_two_rules_with_one_name_are_an_error(opsctl_env):
    path = opsctl_env / "opsctl.toml"
    path.write_text(CONFIG.format(body="").replace('"second"', '"first"'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_settings(load_config(path), STRATEGIES)
    assert (caught.value.line, caught.value.key) == (12, "routing.rules[2].name")
    assert "another rule (routing.rules[1]) has this name" in str(caught.value)


def test_an_unknown_location_is_a_config_error_listing_the_known_ones(opsctl_env):
    path = opsctl_env / "opsctl.toml"
    path.write_text(CONFIG.format(body='locations = ["leds"]'), encoding="utf-8")
    routing = read_settings(load_config(path), STRATEGIES)
    with pytest.raises(ConfigError) as caught:
        RuleSet(routing, Network(LOCATIONS, SERVICES, routing), STRATEGIES)
    assert caught.value.line == 13
    assert "'leds' is neither a location (known: leeds, venlo, dublin)" in str(caught.value)


def test_a_missing_exchange_rate_names_the_currency_and_the_key(opsctl_env):
    routing = settings('exchange_rates = { USD = "0.8" }')
    with pytest.raises(ConfigError, match=r"no exchange rate for EUR: add EUR = "):
        Network(LOCATIONS, SERVICES, routing)


def test_a_bad_guardrail_lists_the_metrics(opsctl_env):
    with pytest.raises(ConfigError, match=r"unknown guardrail 'max_cost_pct'.*promises_kept"):
        settings("[guardrails]\nmax_cost_pct = 2")


def test_rule_lines_follow_dotted_keys_and_sub_tables():
    text = (
        "[routing]\n[[routing.rules]]\nname = 'a'\nwhen.channel = 'web'\n"
        "[[routing.rules]]\nname = 'b'\n[routing.rules.when]\nsku = 'X'\n[routing.groups]\nx = []\n"
    )
    assert rule_lines(text) == [
        {"": 2, "name": 3, "when.channel": 4},
        {"": 5, "name": 6, "when": 7, "when.sku": 8},
    ]


def test_a_candidate_file_replaces_the_rules_but_never_the_guardrails(opsctl_env):
    config_path = opsctl_env / "opsctl.toml"
    config_path.write_text(
        '[routing]\ncurrency = "GBP"\n[routing.guardrails]\nmin_promises_kept_change = 0\n'
        '[[routing.rules]]\nname = "old"\n',
        encoding="utf-8",
    )
    candidate = opsctl_env / "candidate.toml"
    candidate.write_text(
        "[routing.guardrails]\nmax_total_cost_change_pct = 50\n"
        '[[routing.rules]]\nname = "new"\nstrategy = "nearest"\n',
        encoding="utf-8",
    )
    routing = read_candidate(candidate, load_config(config_path), STRATEGIES)
    assert [rule.name for rule in routing.rules] == ["new"]
    assert [g.key for g in routing.guardrails] == ["min_promises_kept_change"]
    candidate.write_text('[[routing.rules]]\nname = "new"\nsplit = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_candidate(candidate, load_config(config_path), STRATEGIES)
    assert (caught.value.path, caught.value.line) == (str(candidate), 3)
