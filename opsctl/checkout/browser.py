"""Rendering pages in headless Chromium first, for checkouts built by JavaScript.

Needs the ``browser`` extra (``pip install 'opsctl[browser]'``: Playwright)
and a Chromium on the machine: ``OPSCTL_CHROMIUM`` names it, else
``chromium`` or ``chromium-browser`` on the PATH is used (Debian:
``apt-get install chromium``). Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from opsctl.checkout.pages import PageSource, is_url
from opsctl.errors import ServiceError, UsageError

#: Flags for a headless Chromium that also runs as root in a container or CI.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
RENDER_TIMEOUT_MS = 30_000


def find_chromium(environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The Chromium to drive: ``OPSCTL_CHROMIUM``, else ``chromium`` on the PATH."""
    if environ.get("OPSCTL_CHROMIUM"):
        return environ["OPSCTL_CHROMIUM"]
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def render_pages(locations: Sequence[str]) -> list[PageSource]:
    """Load each page in headless Chromium and return the HTML it rendered."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise UsageError(
            "--render needs the browser extra: pip install 'opsctl[browser]'"
        ) from None
    executable = find_chromium()
    if executable is None:
        raise UsageError(
            "--render needs Chromium: install it (Debian: apt-get install chromium) or set "
            "OPSCTL_CHROMIUM to its path"
        )
    rendered = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=list(CHROMIUM_FLAGS)
            )
            try:
                page = browser.new_page()
                for location in locations:
                    url = location if is_url(location) else Path(location).resolve().as_uri()
                    page.goto(url, wait_until="load", timeout=RENDER_TIMEOUT_MS)
                    rendered.append(PageSource(location, page.content().encode("utf-8")))
            finally:
                browser.close()
    except PlaywrightError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ServiceError(f"Chromium could not render the page: {first_line}") from None
    return rendered
