"""Configuration: discovery order, validation messages, secrets."""

from __future__ import annotations

import pytest

from opsctl.config import load_config
from opsctl.errors import ConfigError

VALID = """\
[defaults]
timezone = "Europe/London"
currency = "GBP"
format = "json"

[plugins.dhl]
api_key = "${DHL_API_KEY}"
base_url = "https://api-eu.dhl.com"
"""


def test_discovery_order(opsctl_env, monkeypatch, tmp_path):
    user_config = tmp_path / "home" / ".config" / "opsctl"
    user_config.mkdir(parents=True)
    (user_config / "opsctl.toml").write_text('[defaults]\ncurrency = "USD"\n')
    assert load_config().get("defaults.currency") == "USD"

    (opsctl_env / "opsctl.toml").write_text('[defaults]\ncurrency = "GBP"\n')
    nested = opsctl_env / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert load_config().get("defaults.currency") == "GBP"  # found in a parent folder

    env_file = tmp_path / "env.toml"
    env_file.write_text('[defaults]\ncurrency = "CHF"\n')
    monkeypatch.setenv("OPSCTL_CONFIG", str(env_file))
    assert load_config().get("defaults.currency") == "CHF"

    explicit = tmp_path / "explicit.toml"
    explicit.write_text('[defaults]\ncurrency = "JPY"\n')
    assert load_config(explicit).get("defaults.currency") == "JPY"


def test_show_prints_sources_and_never_secret_values(opsctl_run):
    result = opsctl_run(
        "config", "show", "--format", "json", config=VALID, env={"DHL_API_KEY": "s3cr3t-value"}
    )
    result.assert_success()
    document = result.json()
    values = {row["key"]: row for row in document["values"]}
    assert values["defaults.timezone"]["value"] == "Europe/London"
    assert values["defaults.timezone"]["source"].endswith("opsctl.toml:2")
    assert values["defaults.on_bad_rows"]["source"] == "default"
    assert values["plugins.dhl.api_key"]["value"] == "${DHL_API_KEY}"
    assert "s3cr3t-value" not in result.stdout + result.stderr


def test_default_format_comes_from_config(opsctl_run):
    result = opsctl_run("config", "show", config=VALID)
    result.assert_success()
    assert result.stdout.lstrip().startswith("{")  # [defaults] format = "json"


def test_validate_accepts_a_valid_file(opsctl_run):
    result = opsctl_run("config", "validate", config=VALID)
    result.assert_success()
    assert "configuration is valid" in result.stdout


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[defaults]\ntimezone = "Mars/Olympus"\n',
            "opsctl.toml:2: defaults.timezone: 'Mars/Olympus' is not an IANA timezone name",
        ),
        (
            '[defaults]\ncurrency = "pounds"\n',
            "opsctl.toml:2: defaults.currency: 'pounds' is not an ISO 4217 currency code",
        ),
        (
            '[defaults]\n\nformat = "xml"\n',
            "opsctl.toml:3: defaults.format: 'xml' is not one of table, json, ndjson, csv",
        ),
        (
            '[defaults]\ncolour = "red"\n',
            "opsctl.toml:2: defaults.colour: unknown key; expected one of",
        ),
        ("[shipping]\nfast = true\n", "opsctl.toml:1: shipping: unknown section; expected one of"),
        (
            '[plugins.ups]\nclient_secret = "hunter2"\n',
            "opsctl.toml:2: plugins.ups.client_secret: secrets must be environment references",
        ),
        ('[defaults\ntimezone = "UTC"\n', "opsctl.toml:1: invalid TOML, column 10"),
    ],
)
def test_config_errors_name_file_line_key_and_expectation(opsctl_run, toml, message):
    result = opsctl_run("config", "validate", config=toml)
    result.assert_exit(2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr


def test_validate_lists_every_problem(opsctl_run):
    result = opsctl_run(
        "config", "validate", config='[defaults]\ntimezone = "Nowhere"\ncurrency = "x"\n'
    )
    result.assert_exit(2)
    assert "defaults.timezone" in result.stderr and "defaults.currency" in result.stderr
    assert "2 problem(s) in the configuration" in result.stderr


def test_missing_explicit_config_is_a_usage_error(opsctl_run):
    result = opsctl_run("--config", "nowhere.toml", "config", "show")
    result.assert_exit(2)
    assert "nowhere.toml: config file not found" in result.stderr


def test_secret_resolved_at_use_and_unset_variable_named(opsctl_env, monkeypatch):
    path = opsctl_env / "opsctl.toml"
    path.write_text(VALID)
    monkeypatch.setenv("DHL_API_KEY", "abc123")
    config = load_config()
    assert config.resolve("plugins.dhl.api_key") == "abc123"
    monkeypatch.delenv("DHL_API_KEY")
    with pytest.raises(ConfigError) as raised:
        load_config().resolve("plugins.dhl.api_key")
    assert str(raised.value).endswith(
        "opsctl.toml:7: plugins.dhl.api_key: environment variable DHL_API_KEY is not set"
    )


def test_plugin_settings_are_namespaced(opsctl_env):
    (opsctl_env / "opsctl.toml").write_text(VALID)
    config = load_config()
    assert config.plugin_settings("dhl")["base_url"] == "https://api-eu.dhl.com"
    assert config.plugin_settings("ups") == {}


def test_relative_paths_are_relative_to_the_config_file(opsctl_env, tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "opsctl.toml").write_text('[state]\npath = "state/opsctl.db"\n')
    config = load_config(folder / "opsctl.toml")
    assert config.path_for("state.path") == (folder / "state" / "opsctl.db").resolve()
