"""The output and exit-code contract every command shares (docs/cli.md)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
import types
from pathlib import Path

import click
import pytest
from helpers import install_fake_distribution, run_opsctl

from opsctl import hookimpl
from opsctl.cli import BUILTIN_COMMANDS, load_builtin, lockable, resolve_color
from opsctl.errors import CheckFailed, DataError, ServiceError
from opsctl.output import emit, output_options

ROWS = [
    {"order_id": "A-1", "total": "12.50", "late": True},
    {"order_id": "A-2", "total": "7.00", "late": False},
]


def contract_plugin():
    """A plugin whose commands exercise each part of the contract."""
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_commands(cli):
        @cli.command()
        @output_options
        def rows():
            """Print two rows."""
            emit(ROWS, ["order_id", "total", "late"], document={"orders": ROWS})

        @cli.command()
        @click.argument("kind")
        def fail(kind):
            """Fail in the way asked for."""
            if kind == "check":
                raise CheckFailed("2 shipments are late")
            if kind == "data":
                raise DataError(
                    "is not a valid ISO 8601 timestamp",
                    source="orders.csv",
                    line=1832,
                    column="placed_at",
                )
            if kind == "service":
                raise ServiceError("carrier dhl: HTTP 503 from /track/shipments")
            raise ZeroDivisionError("a bug")

        @cli.command()
        @lockable
        @click.option("--seconds", type=float, default=0)
        def slow(seconds):
            """Sleep while holding the lock."""
            print("started", flush=True)
            time.sleep(seconds)
            print("done")

    plugin.register_commands = register_commands
    return plugin


@pytest.fixture
def run(opsctl_run):
    def invoke(*args, **kwargs):
        return opsctl_run(
            *args, plugins=[("contract", contract_plugin())], only_plugins=True, **kwargs
        )

    return invoke


def test_table_is_the_default(run):
    result = run("rows").assert_success()
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["order_id", "total", "late"]
    assert lines[2].split() == ["A-1", "12.50", "true"]


def test_json_ndjson_csv_markdown(run):
    assert run("rows", "--format", "json").json() == {"orders": ROWS}
    assert run("rows", "--format", "ndjson").ndjson() == ROWS
    rows = list(csv.DictReader(io.StringIO(run("rows", "--format", "csv").stdout)))
    assert rows == [
        {"order_id": "A-1", "total": "12.50", "late": "true"},
        {"order_id": "A-2", "total": "7.00", "late": "false"},
    ]
    markdown = run("rows", "--format", "markdown").stdout.splitlines()
    assert markdown[0].replace(" ", "") == "|order_id|total|late|"
    assert set(markdown[1].replace("|", "").replace(" ", "")) <= {"-", ":"}


def test_output_file_is_written_atomically(run, opsctl_env):
    target = opsctl_env / "out.json"
    target.write_text("previous content")
    result = run("rows", "--format", "json", "--output", str(target)).assert_success()
    assert result.stdout == ""
    assert json.loads(target.read_text()) == {"orders": ROWS}
    assert [p.name for p in opsctl_env.iterdir()] == ["out.json"]  # no temp file left


def test_output_to_a_pipe_writes_into_it_and_leaves_it_a_pipe(run, opsctl_env):
    # The same path as `--output /dev/null`: the target is not a regular file, so it must
    # be written, not replaced by a rename (as root, that would replace the device).
    import stat
    import threading

    fifo = opsctl_env / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    run("rows", "--format", "json", "--output", str(fifo)).assert_success()
    reader.join(timeout=10)
    assert json.loads(received[0]) == {"orders": ROWS}
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in opsctl_env.iterdir()) == ["pipe"]


def test_exit_code_1_for_a_failed_check(run):
    result = run("fail", "check").assert_exit(1)
    assert result.stderr == "opsctl: error: 2 shipments are late\n"


def test_exit_code_2_for_usage_errors(run):
    result = run("rows", "--format", "xml").assert_exit(2)
    assert "Invalid value for '--format'" in result.stderr
    run("no-such-command").assert_exit(2)


def test_exit_code_3_for_bad_data_with_location(run):
    result = run("fail", "data").assert_exit(3)
    assert result.stderr == (
        "opsctl: error: orders.csv:1832: placed_at: is not a valid ISO 8601 timestamp\n"
    )


def test_exit_code_4_for_a_failed_service(run):
    result = run("fail", "service").assert_exit(4)
    assert "carrier dhl: HTTP 503" in result.stderr


def test_internal_errors_are_one_line_unless_debugging(run):
    result = run("fail", "bug").assert_exit(70)
    assert result.stderr.startswith("opsctl: error: internal error: ZeroDivisionError: a bug")
    assert "Traceback" not in result.stderr
    debug = run("--debug", "fail", "data").assert_exit(3)
    assert "Traceback (most recent call last)" in debug.stderr


def test_log_format_json_for_cron(run):
    result = run("--log-format", "json", "fail", "service").assert_exit(4)
    record = json.loads(result.stderr)
    assert record["level"] == "error"
    assert record["exit_code"] == 4
    assert "carrier dhl" in record["message"]


def test_exit_code_5_when_another_run_holds_the_lock(tmp_path):
    site = tmp_path / "site"
    tests_dir = str(Path(__file__).parent)
    install_fake_distribution(
        site,
        "contract",
        {
            "contract_plugin": f"import sys\nsys.path.insert(0, {tests_dir!r})\n"
            "from test_cli import contract_plugin\nplugin = contract_plugin()\n"
        },
        {"contract": "contract_plugin:plugin"},
    )
    env = {"XDG_STATE_HOME": str(tmp_path / "state")}
    first = subprocess.Popen(
        [sys.executable, "-m", "opsctl", "slow", "--lock", "--seconds", "5"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env, "PYTHONPATH": str(site)},
    )
    try:
        assert first.stdout.readline() == "started\n"
        second = run_opsctl("slow", "--lock", env=env, site=site)
        assert second.returncode == 5, second.stderr
        assert "another run of `opsctl slow` holds the lock" in second.stderr
        assert f"(pid {first.pid})" in second.stderr
        unlocked = run_opsctl("slow", "--no-lock", env=env, site=site)
        assert unlocked.returncode == 0
    finally:
        first.kill()
        first.wait()
    # The kernel released the lock with the process: the next run takes it.
    again = run_opsctl("slow", "--lock", env=env, site=site)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    ("choice", "environ", "expected"),
    [
        ("always", {"NO_COLOR": "1"}, True),
        ("never", {"FORCE_COLOR": "1"}, False),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        ("auto", {"FORCE_COLOR": "1"}, True),
        ("auto", {"TERM": "dumb"}, False),
        ("auto", {}, None),
    ],
)
def test_colour_resolution(choice, environ, expected):
    assert resolve_color(choice, environ) is expected


def test_no_colour_codes_when_piped(run):
    result = run("--color", "auto", "rows")
    assert "\x1b[" not in result.stdout + result.stderr


def test_version_and_help(opsctl_run):
    from opsctl import __version__

    assert opsctl_run("--version").stdout == f"opsctl {__version__}\n"
    help_text = opsctl_run("--help").assert_success().stdout
    for name in BUILTIN_COMMANDS:
        assert name in help_text


@pytest.mark.parametrize("name", sorted(BUILTIN_COMMANDS))
def test_lazy_help_matches_the_command_docstring(name):
    """The help line listed without importing a command is the command's own."""
    command = load_builtin(name)
    assert BUILTIN_COMMANDS[name][1] == command.get_short_help_str(limit=200)


def test_quiet_hides_warnings_but_not_errors(opsctl_run):
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_teleporters(register):
        pass

    plugin.register_teleporters = register_teleporters
    noisy = opsctl_run("plugins", plugins=[("odd", plugin)], only_plugins=True)
    assert "skipped" in noisy.stderr
    quiet = opsctl_run("-q", "plugins", plugins=[("odd", plugin)], only_plugins=True)
    assert quiet.stderr == ""


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_rows_rendered_line_by_line_read_as_render_writes_them(fmt):
    """RowLines gives, row by row, the lines render() writes for the same rows."""
    from datetime import date

    from opsctl.output import RowLines, render

    keys = ["id", "note", "late", "kept", "day", "extra"]
    columns = ["note", "id", "kept", "day"]
    values = [
        ("S-1", 'quote " and, comma', 2, True, date(2026, 10, 2), None),
        ("S-2", "two\nlines", 0, False, None, "é ü"),
        ("S-3", "", None, None, "2026-10-03", 1.5),
    ]
    rows = [dict(zip(keys, row, strict=True)) for row in values]
    line = RowLines(fmt, keys, columns)
    text = "".join(line(row) for row in values)
    expected = render(fmt, rows, columns)
    assert (text if fmt == "ndjson" else "note,id,kept,day\n" + text) == expected
