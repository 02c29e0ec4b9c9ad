"""Documentation that cannot drift: every hook documented and tested, the CLI reference fresh."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from opsctl import docs, hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), "opsctl_spec"))


def test_hooks_are_found():
    assert "register_commands" in HOOKS and "register_carriers" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook):
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    match = re.search(rf"^### `{hook}\((.*?)\)`\n(.*?)(?=^### |^## |\Z)", text, re.M | re.S)
    assert match, f"docs/plugins.md has no section '### `{hook}(...)`'"
    section = match.group(2)
    assert "Called" in section, f"the section of {hook} does not say when it is called"
    assert "```python" in section, f"the section of {hook} has no example"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    assert re.search(rf"^def test_hook_{hook}(_\w+)?\(", sources, re.M), (
        f"no test_hook_{hook}* test"
    )


def test_cli_reference_is_generated_from_help():
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert docs.render(current) == current, "docs/cli.md is stale: run `python -m opsctl.docs`"
