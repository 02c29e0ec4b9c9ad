"""pytest fixtures for opsctl plugin authors (and opsctl's own tests).

Installed with opsctl as a pytest plugin (entry point ``pytest11``), so a
plugin's test suite can use them without any import::

    from opsctl import hookimpl

    class Hello:
        @hookimpl
        def register_commands(self, cli):
            @cli.command()
            def hello():
                print("hi")

    def test_hello(opsctl_run):
        result = opsctl_run("hello", plugins=[Hello()], only_plugins=True)
        result.assert_success()
        assert result.stdout == "hi\\n"

``opsctl_env`` isolates a test from the user's machine: HOME and the XDG
config/data/state/cache directories point into ``tmp_path``, ``OPSCTL_*``
variables are cleared and the working directory is a fresh folder.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class RunResult:
    """The outcome of one opsctl invocation, with helpers that fail with full context."""

    args: list[str]
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.stdout)

    def ndjson(self) -> list[Any]:
        """stdout parsed as NDJSON, one value per line."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def _context(self) -> str:
        command = "opsctl " + shlex.join(self.args)
        return (
            f"{command}\nexit code: {self.exit_code}\n--- stdout ---\n{self.stdout}"
            f"--- stderr ---\n{self.stderr}"
        )

    def assert_exit(self, code: int) -> RunResult:
        """Fail, showing the command, both streams and the exit code, unless it exited ``code``."""
        assert self.exit_code == code, f"expected exit code {code}\n{self._context()}"
        return self

    def assert_success(self) -> RunResult:
        return self.assert_exit(0)


def _plugin_pairs(plugins: Iterable[Any]) -> list[tuple[str, object]]:
    pairs = []
    for plugin in plugins:
        if isinstance(plugin, tuple):
            pairs.append(plugin)
        else:
            name = getattr(plugin, "__name__", None) or type(plugin).__name__.lower()
            pairs.append((name, plugin))
    return pairs


@pytest.fixture
def opsctl_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated home for opsctl: returns the working directory of the test."""
    home = tmp_path / "home"
    for variable, folder in {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_CACHE_HOME": home / ".cache",
    }.items():
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(variable, str(folder))
    for variable in list(os.environ):
        if variable.startswith("OPSCTL_") or variable in ("NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(variable, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def opsctl_run(opsctl_env: Path) -> Callable[..., RunResult]:
    """Run opsctl in-process: ``opsctl_run("plugins", "--format", "json")``.

    Keyword arguments:

    ``plugins``
        plugin objects or modules (or ``(name, plugin)`` pairs) to load as if
        installed;
    ``only_plugins``
        load none of the installed plugins, only ``plugins``;
    ``config``
        TOML text written to ``opsctl.toml`` in the working directory;
    ``env``
        extra environment variables; ``input``: text for stdin.
    """
    from click.testing import CliRunner

    from opsctl.app import App
    from opsctl.cli import cli

    def run(
        *args: str,
        plugins: Iterable[Any] = (),
        only_plugins: bool = False,
        config: str | None = None,
        env: Mapping[str, str] | None = None,
        input: str | bytes | None = None,
    ) -> RunResult:
        if config is not None:
            (opsctl_env / "opsctl.toml").write_text(config, encoding="utf-8")
        environment = dict(env or {})
        if only_plugins:
            environment["OPSCTL_LOAD_PLUGINS"] = ""
        runner = CliRunner()
        app = App(environ={**os.environ, **environment}, extra_plugins=_plugin_pairs(plugins))
        # The CLI points opsctl's logger at stderr and stops propagation; put it back
        # afterwards so that pytest's ``caplog`` keeps working in the same test.
        logger = logging.getLogger("opsctl")
        saved = (logger.handlers[:], logger.level, logger.propagate)
        try:
            result = runner.invoke(
                cli, list(args), obj=app, env=environment, input=input, catch_exceptions=False
            )
        finally:
            logger.handlers[:], logger.level, logger.propagate = saved
        return RunResult(
            args=list(args),
            exit_code=result.exit_code,
            stdout=result.stdout,
            stderr=result.stderr,
            exception=result.exception,
        )

    return run
