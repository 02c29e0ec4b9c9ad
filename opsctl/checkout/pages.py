"""Getting a checkout's pages: saved files, URLs over HTTP(S), or rendered in Chromium.

Plain fetching uses the standard library; rendering (``--render``) needs the
``browser`` extra (:mod:`opsctl.checkout.browser`). Evidence lines of a
rendered page refer to the markup Chromium produced, not to the server's.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from opsctl import __version__
from opsctl.checkout.extract import PageReading, read_page
from opsctl.errors import DataError, ServiceError, UsageError

USER_AGENT = f"opsctl/{__version__} (checkout audit)"
TIMEOUT_SECONDS = 20
MAX_PAGE_BYTES = 20 * 1024 * 1024
#: From this many pages on, pages are read in parallel processes.
PARALLEL_FROM = 64


@dataclass(frozen=True)
class PageSource:
    """A page's location (a path or URL) and its HTML."""

    location: str
    html: bytes


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def read_file(path: str | Path) -> PageSource:
    """A saved page; an unreadable file is a :class:`DataError`."""
    try:
        return PageSource(str(path), Path(path).read_bytes())
    except OSError as exc:
        raise DataError(f"cannot read the page: {exc.strerror or exc}", source=str(path)) from None


def fetch(url: str, *, timeout: float = TIMEOUT_SECONDS) -> PageSource:
    """A page over HTTP(S); a failure is a :class:`ServiceError` (exit code 4)."""
    if not is_url(url):
        raise UsageError(f"{url!r} is not an http:// or https:// URL")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            html = response.read(MAX_PAGE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise ServiceError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ServiceError(f"{url}: cannot fetch the page: {reason}") from None
    if len(html) > MAX_PAGE_BYTES:
        raise DataError(f"the page is larger than {MAX_PAGE_BYTES} bytes", source=url)
    return PageSource(url, html)


def gather(locations: Sequence[str], *, render: bool = False) -> list[PageSource]:
    """The pages at ``locations`` (files or URLs), rendered in Chromium if ``render``."""
    if render:
        from opsctl.checkout.browser import render_pages

        return render_pages(locations)
    return [fetch(location) if is_url(location) else read_file(location) for location in locations]


def _read(source: PageSource) -> PageReading:
    return read_page(source.html, source.location)


def read_all(sources: Sequence[PageSource]) -> list[PageReading]:
    """Read every page, in order; many pages are read in parallel processes."""
    if len(sources) < PARALLEL_FROM:
        return [_read(source) for source in sources]
    with ProcessPoolExecutor() as pool:
        return list(pool.map(_read, sources, chunksize=16))
