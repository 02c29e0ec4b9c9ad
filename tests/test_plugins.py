"""The plugin system: loading, provenance, clashes, broken plugins and escape hatches."""

from __future__ import annotations

import json
import types

import pytest
from helpers import install_fake_distribution, run_opsctl

from opsctl import hookimpl
from opsctl.errors import PluginError
from opsctl.plugins import PluginHost


class Carrier:
    def __init__(self, name: str):
        self.name = name

    def map_status(self, raw_code):
        return None


def carrier_plugin(carrier_name: str):
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_carriers(register):
        register(Carrier(carrier_name))

    plugin.register_carriers = register_carriers
    return plugin


def command_plugin(command_name: str, text: str = "hello"):
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_commands(cli):
        @cli.command(name=command_name)
        def command():
            """Say something."""
            print(text)

    plugin.register_commands = register_commands
    return plugin


GOOD_PLUGIN = """
    from opsctl import hookimpl

    class Acme:
        name = "acme"
        def map_status(self, raw_code):
            return None

    @hookimpl
    def register_carriers(register):
        register(Acme())

    @hookimpl
    def register_commands(cli):
        @cli.command()
        def acme():
            '''Acme's own command.'''
            print("acme says hi")
"""


def test_hook_register_commands(opsctl_run):
    result = opsctl_run("greet", plugins=[("greeter", command_plugin("greet"))], only_plugins=True)
    result.assert_success()
    assert result.stdout == "hello\n"
    help_text = opsctl_run("--help", plugins=[("greeter", command_plugin("greet"))]).stdout
    assert "greet" in help_text and "Say something." in help_text


def test_hook_register_carriers_records_provenance():
    host = PluginHost(discover=False, environ={}, extra_plugins=[("acme", carrier_plugin("acme"))])
    [registration] = host.registry.registrations("carriers")
    assert (registration.name, registration.plugin) == ("acme", "acme")
    assert host.registry.get("carriers", "acme").name == "acme"


def test_hook_register_marketplaces():
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_marketplaces(register):
        register(object(), name="amazon")

    plugin.register_marketplaces = register_marketplaces
    host = PluginHost(discover=False, environ={}, extra_plugins=[("amz", plugin)])
    assert host.registry.by_plugin("amz") == {"marketplaces": ["amazon"]}


def test_hook_register_review_sources():
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_review_sources(register):
        register(types.SimpleNamespace(name="trustpilot"))

    plugin.register_review_sources = register_review_sources
    host = PluginHost(discover=False, environ={}, extra_plugins=[("tp", plugin)])
    assert host.registry.names("review_sources") == ["trustpilot"]


def test_hook_register_notifiers():
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_notifiers(register):
        register(types.SimpleNamespace(name="pager"))

    plugin.register_notifiers = register_notifiers
    host = PluginHost(discover=False, environ={}, extra_plugins=[("pg", plugin)])
    assert host.registry.by_plugin("pg") == {"notifiers": ["pager"]}


def test_duplicate_carrier_names_both_plugins(opsctl_run):
    plugins = [("first", carrier_plugin("dhl")), ("second", carrier_plugin("dhl"))]
    result = opsctl_run("plugins", plugins=plugins, only_plugins=True)
    result.assert_exit(2)
    assert "carrier 'dhl' is registered by both plugin 'first' and plugin 'second'" in result.stderr
    assert "Traceback" not in result.stderr


def test_command_clash_with_builtin_is_an_error(opsctl_run):
    result = opsctl_run("--help", plugins=[("rogue", command_plugin("config"))], only_plugins=True)
    result.assert_exit(2)
    assert "command 'config' of plugin 'rogue' clashes with the built-in command" in result.stderr


def test_command_clash_between_plugins_names_both(opsctl_run):
    plugins = [("one", command_plugin("hello")), ("two", command_plugin("hello"))]
    result = opsctl_run("hello", plugins=plugins, only_plugins=True)
    result.assert_exit(2)
    assert "command 'hello' is registered by both plugin 'one' and plugin 'two'" in result.stderr


def test_unknown_hook_is_reported_and_skipped(opsctl_run):
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_teleporters(register):
        register(object())

    plugin.register_teleporters = register_teleporters
    result = opsctl_run("plugins", "--format", "json", plugins=[("odd", plugin)], only_plugins=True)
    result.assert_success()
    assert "plugin 'odd' skipped: implements unknown hook(s): register_teleporters" in result.stderr
    [row] = result.json()
    assert row["status"] == "skipped" and "register_teleporters" in row["problem"]


def test_strict_mode_makes_a_broken_plugin_fatal(opsctl_run):
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_teleporters(register):
        pass

    plugin.register_teleporters = register_teleporters
    result = opsctl_run(
        "plugins", plugins=[("odd", plugin)], only_plugins=True, env={"OPSCTL_STRICT_PLUGINS": "1"}
    )
    result.assert_exit(2)
    assert "plugin 'odd': implements unknown hook(s)" in result.stderr


def test_a_hook_that_raises_is_skipped_and_others_still_load(opsctl_run):
    broken = types.SimpleNamespace()

    @hookimpl
    def register_carriers(register):
        raise RuntimeError("missing API key table")

    broken.register_carriers = broken_carriers = register_carriers
    assert broken_carriers
    plugins = [("broken", broken), ("fine", carrier_plugin("ups"))]
    result = opsctl_run("plugins", "--format", "json", plugins=plugins, only_plugins=True)
    result.assert_success()
    rows = {row["name"]: row for row in result.json()}
    assert rows["fine"]["registered"] == {"carriers": ["ups"]}
    assert rows["broken"]["status"] == "skipped"
    assert "missing API key table" in rows["broken"]["problem"]


def test_installed_third_party_plugins_load_and_a_broken_one_is_skipped(tmp_path):
    site = tmp_path / "site"
    install_fake_distribution(
        site,
        "opsctl-acme",
        {"opsctl_acme": GOOD_PLUGIN},
        {"acme": "opsctl_acme"},
        version="2.3.0",
    )
    install_fake_distribution(
        site,
        "opsctl-broken",
        {"opsctl_broken": "import module_that_does_not_exist\n"},
        {"broken": "opsctl_broken"},
    )
    result = run_opsctl("plugins", "--format", "json", site=site, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["acme"]["version"] == "2.3.0"
    assert rows["acme"]["registered"] == {"carriers": ["acme"], "commands": ["acme"]}
    assert rows["acme"]["hooks"] == ["register_carriers", "register_commands"]
    assert rows["broken"]["status"] == "skipped"
    assert "plugin 'broken' skipped: failed to import 'opsctl_broken'" in result.stderr
    assert "No module named 'module_that_does_not_exist'" in result.stderr

    # The rest of the CLI keeps working, including the good plugin's command.
    acme = run_opsctl("acme", site=site, cwd=tmp_path)
    assert (acme.returncode, acme.stdout) == (0, "acme says hi\n")

    strict = run_opsctl("plugins", site=site, cwd=tmp_path, env={"OPSCTL_STRICT_PLUGINS": "1"})
    assert strict.returncode == 2
    assert "plugin 'broken': failed to import" in strict.stderr
    assert "Traceback" not in strict.stderr


def test_load_and_disable_plugins_by_name(tmp_path):
    site = tmp_path / "site"
    install_fake_distribution(
        site, "opsctl-acme", {"opsctl_acme": GOOD_PLUGIN}, {"acme": "opsctl_acme"}
    )

    def names(env):
        result = run_opsctl("plugins", "--format", "json", site=site, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        return {row["name"] for row in json.loads(result.stdout)}

    assert "acme" in names({})
    assert names({"OPSCTL_LOAD_PLUGINS": ""}) == set()
    assert names({"OPSCTL_LOAD_PLUGINS": "acme"}) == {"acme"}
    assert "acme" not in names({"OPSCTL_DISABLE_PLUGINS": "acme"})


def test_plugins_table_lists_what_each_plugin_provides(opsctl_run):
    plugins = [("acme", carrier_plugin("acme")), ("greeter", command_plugin("greet"))]
    result = opsctl_run("plugins", plugins=plugins, only_plugins=True)
    result.assert_success()
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["plugin", "version", "status", "hooks", "provides"]
    assert any(line.startswith("acme") and "carriers: acme" in line for line in lines)
    assert any(line.startswith("greeter") and "commands: greet" in line for line in lines)


def test_unnamed_registration_is_an_error_naming_the_plugin():
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_notifiers(register):
        register(object())

    plugin.register_notifiers = register_notifiers
    host = PluginHost(discover=False, environ={}, extra_plugins=[("anon", plugin)])
    with pytest.raises(PluginError, match="plugin 'anon' registered a notifier without a name"):
        host.registry.registrations("notifiers")


def test_each_kind_is_collected_when_first_asked_for():
    """A command pays only for the kinds it uses: route never imports a carrier module."""
    called = []
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_carriers(register):
        called.append("carriers")
        register(types.SimpleNamespace(name="acme"))

    @hookimpl
    def register_routing_strategies(register):
        called.append("routing_strategies")
        register(object(), name="cheapest-acme")

    plugin.register_carriers = register_carriers
    plugin.register_routing_strategies = register_routing_strategies
    host = PluginHost(discover=False, environ={}, extra_plugins=[("acme", plugin)])
    assert host.registry.names("routing_strategies") == ["cheapest-acme"]
    assert called == ["routing_strategies"]
    host.registry.names("routing_strategies")
    assert called == ["routing_strategies"]  # once per run
    assert host.registry.by_plugin("acme") == {
        "carriers": ["acme"],
        "routing_strategies": ["cheapest-acme"],
    }
    assert called == ["routing_strategies", "carriers"]


def test_a_clash_in_one_kind_is_met_on_every_use_of_it():
    def carrier_plugin(plugin_name):
        plugin = types.SimpleNamespace()

        @hookimpl
        def register_carriers(register):
            register(types.SimpleNamespace(name="dhl"))

        plugin.register_carriers = register_carriers
        return plugin

    host = PluginHost(
        discover=False,
        environ={},
        extra_plugins=[("one", carrier_plugin("one")), ("two", carrier_plugin("two"))],
    )
    for _ in range(2):
        with pytest.raises(PluginError, match="carrier 'dhl' is registered by both"):
            host.registry.registrations("carriers")
    assert host.registry.registrations("kpis") == []
