"""Helpers shared by opsctl's tests: fake installed distributions and subprocess runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def install_fake_distribution(
    site: Path, dist: str, modules: dict[str, str], entry_points: dict[str, str], version="1.0"
) -> None:
    """Lay out a distribution in ``site`` exactly as pip would: modules plus a dist-info.

    ``entry_points`` maps plugin names to module paths in the ``opsctl`` group.
    """
    site.mkdir(parents=True, exist_ok=True)
    for name, source in modules.items():
        (site / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"  # escaped, as pip writes it
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[opsctl]\n{lines}", encoding="utf-8")


def run_opsctl(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    site: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess:
    """Run ``python -m opsctl`` in a subprocess, as a user's shell would."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPSCTL_")}
    environment.update(env or {})
    if site is not None:
        environment["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(site), environment.get("PYTHONPATH", "")) if p
        )
    return subprocess.run(
        [sys.executable, "-m", "opsctl", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=timeout,
    )


def skip_without(reason: str) -> None:
    """Skip a test whose optional tool (Chromium, Playwright) is missing.

    CI sets ``OPSCTL_REQUIRE_BROWSER=1``: there a missing tool fails the test, so a
    broken install can never pass as a skip.
    """
    import pytest

    if os.environ.get("OPSCTL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and OPSCTL_REQUIRE_BROWSER=1 requires it")
    pytest.skip(reason)
