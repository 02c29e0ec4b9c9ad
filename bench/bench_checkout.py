"""Checkout audit: 1,000 saved checkout pages, and the funnel over 10M GA4 events.

Pages: the real storefront pages of ``tests/checkout_pages/`` and the demo shop's, copied
round-robin (each copy with its own order number and prices) to ``bench/data/checkout_pages/``
and audited by one ``opsctl checkout audit`` run. Goal: under 20 s.

Events: 10M GA4 ``checkout_events`` rows (CSV, the cheapest format to read) generated once into
``bench/data/`` (git-ignored), then one ``opsctl checkout audit --events`` run, where DuckDB
reads the file and counts the funnel in SQL (``opsctl.checkout.funnelsql``). Goal: under 30 s.
With ``--loader``, two more rows: the same run through the shared loader
(``OPSCTL_CHECKOUT_ENGINE=python``, the path before DuckDB, minutes at full scale), and the
funnel counting alone on the same events already parsed, to show where that time goes.

Each run is a fresh process measured by the harness (wall time, peak RSS). The built-in audits
are passed explicitly, so the benchmark does not depend on the entry point being installed.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

from harness import BENCH_DIR, DATA_DIR, measure, row

ROOT = BENCH_DIR.parent
SOURCES = sorted((ROOT / "tests" / "checkout_pages").glob("*.html")) + sorted(
    (ROOT / "fixtures" / "checkout" / "pages").glob("*.html")
)
STEPS = ("view_cart", "begin_checkout", "add_shipping_info", "add_payment_info", "purchase")
DEVICES = ("mobile", "desktop", "tablet")
#: Share of sessions that go on from each step to the next (about 72% never buy).
GO_ON = (0.56, 0.79, 0.78, 0.80)

#: Runs ``opsctl`` in a fresh process with the built-in audits registered explicitly.
DRIVER = """
import sys
import opsctl_checkout_audits
from opsctl.app import App
from opsctl.cli import cli

plugins = [("checkout-audits", opsctl_checkout_audits)]
app = App(environ={"OPSCTL_LOAD_PLUGINS": ""}, extra_plugins=plugins)
sys.exit(cli.main(sys.argv[1:], obj=app, standalone_mode=False))
"""
#: The same, with stderr (where ``-vv`` says which engine counted) sent to stdout, and the
#: environment (``OPSCTL_CHECKOUT_ENGINE``) passed on.
LOGGING_DRIVER = "import os; os.dup2(1, 2)\n" + DRIVER.replace(
    'environ={"OPSCTL_LOAD_PLUGINS": ""}', 'environ={**os.environ, "OPSCTL_LOAD_PLUGINS": ""}'
)
COUNT_ONLY = """
import csv, sys, time
from datetime import datetime, timezone
from types import SimpleNamespace
from opsctl.checkout.funnel import count_events

with open(sys.argv[1], newline="") as handle:
    reader = csv.reader(handle)
    next(reader)
    events = [
        SimpleNamespace(
            event_timestamp=datetime.fromtimestamp(int(r[0]) / 1e6, timezone.utc),
            event_name=r[1], user_pseudo_id=r[2], ga_session_id=r[3], device_category=r[4],
        )
        for r in reader
    ]
started = time.perf_counter()
funnel = count_events(events, sys.argv[1])
print(f"{time.perf_counter() - started:.3f} {funnel.overall.sessions}")
"""


def make_pages(count: int) -> list[Path]:
    """``count`` checkout pages in ``bench/data/checkout_pages/`` (reused when present)."""
    folder = DATA_DIR / "checkout_pages"
    folder.mkdir(parents=True, exist_ok=True)
    texts = [source.read_text(encoding="utf-8") for source in SOURCES]
    pages = []
    for number in range(count):
        path = folder / f"page-{number:04d}.html"
        if not path.exists():
            text = _reprice(texts[number % len(texts)], number % 7)
            path.write_text(f"<!-- copy {number} -->\n{text}", encoding="utf-8")
        pages.append(path)
    return pages


def _reprice(text: str, extra: int) -> str:
    """The page with each dollar price raised by ``extra``, so no two copies are the same."""
    return re.sub(r"\$(\d+)\.(\d\d)", lambda m: f"${int(m[1]) + extra}.{m[2]}", text)


def make_events(count: int) -> Path:
    """A GA4 events CSV of ``count`` rows in ``bench/data/`` (reused when present)."""
    path = DATA_DIR / f"checkout_events_{count}.csv"
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261101)
    temporary = path.with_suffix(".tmp")
    written = session = 0
    timestamp = 1_790_000_000_000_000
    with temporary.open("w", encoding="utf-8") as out:
        out.write("event_timestamp,event_name,user_pseudo_id,ga_session_id,device_category\n")
        while written < count:
            session += 1
            device = DEVICES[session % 3]
            timestamp += rng.randrange(1, 5_000_000)
            at = timestamp
            lines = []
            for index, step in enumerate(STEPS):
                lines.append(f"{at},{step},u{session // 3}.{session % 977},{session},{device}\n")
                if index == len(GO_ON) or rng.random() > GO_ON[index]:
                    break
                at += rng.randrange(20_000_000, 400_000_000)
            out.writelines(lines[: count - written])
            written += min(len(lines), count - written)
    temporary.replace(path)
    return path


def run(scale: float = 1.0, loader: bool = False) -> list[dict]:
    page_count = max(20, int(1000 * scale))
    event_count = max(10_000, int(10_000_000 * scale))
    python = [sys.executable, "-c", DRIVER]
    pages = make_pages(page_count)
    audit = measure(
        [*python, "checkout", "audit", "-f", "json", "-o", "/dev/null", *map(str, pages)]
    )
    events = make_events(event_count)
    funnel_command = [
        *(sys.executable, "-c", LOGGING_DRIVER, "-vv"),
        *("checkout", "audit", "--events", str(events), "-f", "json", "-o", "/dev/null"),
    ]
    funnel = measure(funnel_command)
    if "counted by DuckDB" not in funnel.stdout:
        raise RuntimeError(f"the funnel was not counted by DuckDB:\n{funnel.stdout[-2000:]}")
    rows = [
        row(
            f"checkout: audit {page_count:,} saved pages",
            "seconds",
            round(audit.seconds, 2),
            goal="< 20 s at 1,000 pages",
            note=f"peak RSS {audit.peak_rss_mb:.0f} MB; "
            f"{audit.seconds / page_count * 1000:.1f} ms a page",
        ),
        row(
            f"checkout: funnel over {event_count:,} GA4 events",
            "seconds",
            round(funnel.seconds, 2),
            goal="< 30 s at 10M events",
            note=f"peak RSS {funnel.peak_rss_mb:.0f} MB; DuckDB reads the CSV and counts in SQL",
        ),
    ]
    if not loader:
        return rows
    slow = measure(funnel_command, env={"OPSCTL_CHECKOUT_ENGINE": "python"})
    if "counted by DuckDB" in slow.stdout:
        raise RuntimeError("OPSCTL_CHECKOUT_ENGINE=python did not reach the command")
    counting = measure([sys.executable, "-c", COUNT_ONLY, str(events)])
    count_seconds = float(counting.stdout.split()[0])
    return [
        *rows,
        row(
            f"checkout: funnel over {event_count:,} GA4 events, through the loader",
            "seconds",
            round(slow.seconds, 2),
            note=f"peak RSS {slow.peak_rss_mb:.0f} MB; OPSCTL_CHECKOUT_ENGINE=python; "
            f"{slow.seconds / funnel.seconds:.1f}x the DuckDB run",
        ),
        row(
            f"checkout: funnel counting alone, {event_count:,} parsed events",
            "seconds",
            round(count_seconds, 2),
            note=f"{count_seconds / event_count * 1e6:.2f} µs an event; the rest is loading",
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--loader", action="store_true", help="also time the funnel through the shared loader"
    )
    from run import print_table

    arguments = parser.parse_args()
    print_table(run(arguments.scale, loader=arguments.loader))
