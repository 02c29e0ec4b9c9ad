"""Progress on stderr for long work: shown on a terminal, silent otherwise.

Cron jobs and pipes see nothing (stderr is not a terminal), ``-q`` hides it,
and ``--log-format json`` keeps stderr to JSON lines only.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

#: Seconds between two updates of the line.
INTERVAL = 0.25


def enabled() -> bool:
    """Whether progress may be drawn: stderr is a terminal, not quiet, plain-text logs."""
    import logging

    from opsctl import logs

    if not sys.stderr.isatty() or logs.is_json():
        return False
    return logging.getLogger("opsctl").getEffectiveLevel() <= logging.WARNING


def counting(items: Iterable[T], label: str, unit: str = "records") -> Iterator[T]:
    """Yield ``items`` unchanged, showing how many went by and how fast."""
    if not enabled():
        yield from items
        return
    started = last = time.monotonic()
    try:
        for count, item in enumerate(items, start=1):
            yield item
            if count % 1024 == 0:
                now = time.monotonic()
                if now - last >= INTERVAL:
                    last = now
                    rate = count / (now - started)
                    sys.stderr.write(f"\r{label}: {count:,} {unit} ({rate:,.0f}/s)\x1b[K")
                    sys.stderr.flush()
    finally:
        if last != started:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
