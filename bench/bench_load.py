"""Load speed: opsctl's CSV loader against Python's plain ``csv`` module (the floor).

The data is 1M orders with about 3M lines (``orders.csv`` + ``order_lines.csv``)
at full scale, cached in ``bench/data/``. The demo-shop generator
(``opsctl.demo.generator``) makes it when it is installed; otherwise a small
generator here writes the same two files. Each measurement runs in its own
process, so its peak resident memory is its own:

* the floor: ``csv.reader`` reading every row, converting nothing;
* opsctl: :func:`opsctl.loaders.load` reading, converting and validating every
  row into typed records (duplicate-key check included).

    python bench/bench_load.py --scale 0.1
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DATA_DIR, measure, row

FULL_ORDERS = 1_000_000
ENTITY_OF_FILE = {"orders.csv": "orders", "order_lines.csv": "order_lines"}
ORDER_HEADER = [
    "order_id",
    "channel",
    "placed_at",
    "customer_type",
    "currency",
    "ship_to_country",
    "ship_to_postal_code",
    "service_level",
    "promised_by",
    "shipping_paid",
    "status",
]
LINE_HEADER = ["order_id", "line_id", "sku", "quantity", "unit_price", "weight_kg"]


def write_orders(folder: Path, orders: int, seed: int = 7) -> None:
    """Write ``orders.csv`` and ``order_lines.csv`` (1 to 5 lines an order, 3 on average)."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    channels = ["web", "amazon", "ebay", "instagram"]
    countries = ["GB", "DE", "FR", "NL", "US"]
    levels = ["standard", "standard", "express", "same_day"]
    folder.mkdir(parents=True, exist_ok=True)
    with (
        open(folder / "orders.csv", "w", newline="", encoding="utf-8") as order_file,
        open(folder / "order_lines.csv", "w", newline="", encoding="utf-8") as line_file,
    ):
        orders_out, lines_out = csv.writer(order_file), csv.writer(line_file)
        orders_out.writerow(ORDER_HEADER)
        lines_out.writerow(LINE_HEADER)
        for number in range(orders):
            order_id = f"SO-{number:08d}"
            placed = start + timedelta(seconds=number * 30 + rng.randrange(30))
            orders_out.writerow(
                [
                    order_id,
                    rng.choice(channels),
                    placed.isoformat(),
                    "retail" if rng.random() < 0.9 else "wholesale",
                    "EUR",
                    rng.choice(countries),
                    f"{rng.randrange(10000, 99999)}",
                    rng.choice(levels),
                    (placed + timedelta(days=3)).date().isoformat(),
                    f"{rng.choice([0, 4.95, 9.9])}",
                    "open" if rng.random() < 0.97 else "cancelled",
                ]
            )
            for line in range(1, rng.choice((1, 2, 3, 3, 4, 5)) + 1):
                lines_out.writerow(
                    [
                        order_id,
                        str(line),
                        f"SKU-{rng.randrange(20000):05d}",
                        rng.randint(1, 4),
                        f"{rng.randrange(100, 20000) / 100:.2f}",
                        f"{rng.randrange(50, 5000) / 1000:.3f}",
                    ]
                )


def dataset(scale: float) -> Path:
    """The folder of the cached data set for ``scale``, generated on first use."""
    orders = max(1000, int(FULL_ORDERS * scale))
    try:
        from opsctl.demo.generator import generate
    except ImportError:
        generate = None
    folder = DATA_DIR / f"orders-{orders}-{'demo' if generate else 'plain'}"
    complete = folder / ".complete"
    if not complete.exists():
        if generate is None:
            write_orders(folder, orders)
        else:
            generate(folder, orders=orders, seed=7)
        complete.touch()
    return folder


# -- what the measured processes run ---------------------------------------------------


def read_with_csv(path: Path) -> int:
    with open(path, newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def read_with_opsctl(path: Path) -> int:
    from opsctl.loaders import load

    count = 0
    for _ in load(ENTITY_OF_FILE[path.name], path):
        count += 1
    return count


def child(reader: str, path: Path) -> None:
    rows = (read_with_opsctl if reader == "opsctl" else read_with_csv)(path)
    print(rows)


# -- the benchmark ------------------------------------------------------------------------


def run(scale: float = 1.0) -> list[dict]:
    folder = dataset(scale)
    rows: list[dict] = []
    totals = {"csv": [0, 0.0, 0.0], "opsctl": [0, 0.0, 0.0]}  # rows, seconds, peak MB
    for name in ENTITY_OF_FILE:
        timed = {}
        for reader in ("csv", "opsctl"):
            result = measure([sys.executable, __file__, "--child", reader, str(folder / name)])
            count = int(result.stdout.strip())
            timed[reader] = (count, result.seconds, result.peak_rss_mb)
            total = totals[reader]
            total[0] += count
            total[1] += result.seconds
            total[2] = max(total[2], result.peak_rss_mb)
        rows += _rows(f"load {name}", timed["opsctl"], timed["csv"])
    rows += _rows("load orders + lines", tuple(totals["opsctl"]), tuple(totals["csv"]))
    return rows


def _rows(benchmark: str, ours: tuple, floor: tuple) -> list[dict]:
    our_speed, floor_speed = ours[0] / ours[1], floor[0] / floor[1]
    return [
        row(
            benchmark,
            "rows/s",
            round(our_speed),
            peer="csv module",
            peer_value=round(floor_speed),
            ratio=round(our_speed / floor_speed, 2),
            note=f"{ours[0]:,} rows typed and validated in {ours[1]:.1f} s; ratio: share of csv's",
        ),
        row(
            benchmark,
            "peak RSS MB",
            round(ours[2]),
            peer="csv module",
            peer_value=round(floor[2]),
            ratio=round(ours[2] / floor[2], 2),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1M orders")
    parser.add_argument("--child", nargs=2, metavar=("READER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    started = time.perf_counter()
    results = run(args.scale)
    from tabulate import tabulate

    print(tabulate(results, headers="keys", tablefmt="github", disable_numparse=True))
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
