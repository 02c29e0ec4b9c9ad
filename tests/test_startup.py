"""`opsctl --help` and `--version` stay fast: no command implementations or heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from opsctl.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="opsctl")
except SystemExit:
    pass
sys.stdout.flush()
print("\\n" + json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

#: Modules whose import at start-up would make every invocation slow.
HEAVY = (
    "opsctl.commands.",
    "opsctl.config",
    "opsctl.loaders",
    "opsctl.store",
    "opsctl.calendars",
    "opsctl.http",
    "opsctl.demo",
    "tabulate",
    "holidays",
    "sqlite3",
    "decimal",
    "zoneinfo",
    "requests",
    "httpx",
    "urllib3",
    "tomllib",
    "platformdirs",
)


def imported_modules(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60
    )
    return json.loads(result.stderr.strip().splitlines()[-1])


def plugin_internals(modules: list[str]) -> list[str]:
    """Submodules of first-party or third-party plugins (their entry modules are allowed)."""
    from importlib.metadata import entry_points

    roots = {ep.value.split(":")[0] for ep in entry_points(group="opsctl")}
    return [m for m in modules if any(m.startswith(root + ".") for root in roots)]


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_start_up_imports_nothing_heavy(args):
    modules = imported_modules(*args)
    heavy = [m for m in modules if any(m == h.rstrip(".") or m.startswith(h) for h in HEAVY)]
    assert heavy == [], f"`opsctl {' '.join(args)}` imported {heavy}"
    assert plugin_internals(modules) == []


def test_the_guard_catches_a_heavy_import():
    """The probe does see a command's modules once that command runs."""
    modules = imported_modules("config", "--help")
    assert "opsctl.commands.config" in modules
