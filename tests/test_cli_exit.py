"""How the ``opsctl`` console script ends after a command that keeps its results
(``opsctl.cli.outlive``): everything written arrives, with the command's exit code."""

from __future__ import annotations

import json

from helpers import install_fake_distribution, run_opsctl
from route_shop import write_shop

LINES = 200_000

KEEPER_PLUGIN = f"""
    import logging
    import sys

    import click

    from opsctl import hookimpl
    from opsctl.cli import outlive

    @hookimpl
    def register_commands(cli):
        @cli.command()
        def keeper():
            '''Print many lines, keep them, log a warning and end with exit code 4.'''
            lines = [f"line {{number}}" for number in range({LINES})]
            for line in lines:  # buffered: click.echo would flush each line
                sys.stdout.write(line + "\\n")
            outlive(lines)
            logging.getLogger("opsctl").warning("kept %d lines", len(lines))
            click.get_current_context().exit(4)
"""


def test_the_console_script_writes_everything_and_keeps_the_exit_code(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)  # stdout buffered, as in a pipe
    site = tmp_path / "site"
    install_fake_distribution(
        site, "opsctl-keeper", {"opsctl_keeper": KEEPER_PLUGIN}, {"keeper": "opsctl_keeper"}
    )
    result = run_opsctl("keeper", site=site, cwd=tmp_path)
    assert result.returncode == 4
    lines = result.stdout.splitlines()
    assert len(lines) == LINES and lines[-1] == f"line {LINES - 1}"
    assert f"kept {LINES} lines" in result.stderr


def test_outlive_keeps_nothing_in_a_program_that_calls_the_cli(opsctl_run, tmp_path):
    import types

    from opsctl import cli, hookimpl

    kept = []
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_commands(cli):
        @cli.command()
        def keeper():
            """Keep a list."""
            kept.append([1, 2, 3])
            from opsctl.cli import outlive

            outlive(kept[-1])
            print("done")

    plugin.register_commands = register_commands
    result = opsctl_run("keeper", plugins=[("keeper", plugin)], only_plugins=True)
    assert result.assert_success().stdout == "done\n"
    assert cli._outliving is None


def test_route_as_a_console_script_writes_its_whole_output(tmp_path):
    shop = write_shop(tmp_path)
    result = run_opsctl("route", "--format", "json", cwd=shop)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["orders"] == 4
    written = run_opsctl("route", "--format", "csv", "--output", "routed.csv", cwd=shop)
    assert written.returncode == 0, written.stderr
    rows = (shop / "routed.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("order_id,status,rule") and len(rows) >= 5
    assert not list(shop.glob(".routed.csv.*"))  # the atomic write finished
