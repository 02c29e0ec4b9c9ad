"""KPI export speed: ``opsctl kpi export`` against a hand-written DuckDB query (the peer).

The data is the demo shop at 1M orders (about 1.07M shipments and 8.7M
tracking events over 30 days), generated once into ``bench/data/`` (the same
folder as ``bench_load.py``'s). Each measurement runs in its own process, so
its time and peak resident memory are its own:

* opsctl: ``opsctl kpi export`` of the core KPIs (orders, cancellation rate,
  split-shipment rate, on-time delivery rate, click-to-door p50/p90) for the
  30 days, ``--by day --dimension carrier``, to CSV;
* the peer: the same KPIs as one DuckDB SQL query over the same files
  (``bench/kpi_duckdb_peer.py``), the way an analyst would write it; the two take
  turns, three times each, so that other work on a shared machine weighs on both;
* opsctl exporting every KPI of its catalogue by day (no peer).

The goal is opsctl within 2x of the peer. The rows also say how far the two
agree (orders per day exactly; on-time rate per day and carrier).

    python bench/bench_kpi.py --scale 0.1
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import sys
from importlib.metadata import entry_points
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BENCH_DIR, measure, python_command, row

CORE = (
    "orders,cancellation_rate,split_shipment_rate,on_time_delivery_rate,"
    "click_to_door_p50,click_to_door_p90"
)
AS_OF = "2026-11-02T09:00Z"
PERIOD = ("--from", "2026-10-01", "--to", "2026-10-30")
#: The same 30 local days for the peer, as instants.
PEER_PERIOD = ("2026-10-01T00:00:00+01:00", "2026-10-31T00:00:00+00:00")
NAME = "kpi export, 30 days by day x carrier"


def dataset(scale: float) -> Path:
    """The demo shop at ``scale`` x 1M orders (shared with bench_load.py)."""
    from bench_load import dataset as load_dataset

    return load_dataset(scale)


def child(folder: Path, *args: str) -> None:
    """Run ``opsctl kpi export`` in this process (the built-in KPIs even if not installed)."""
    from opsctl.app import App
    from opsctl.cli import cli

    installed = {ep.name for ep in entry_points(group="opsctl")}
    extra = []
    if "kpis" not in installed:
        sys.path.insert(0, str(BENCH_DIR.parent / "plugins"))
        import opsctl_kpis

        extra.append(("kpis", opsctl_kpis))
    app = App(extra_plugins=extra)
    code = cli.main(
        [
            "--config",
            str(folder / "opsctl.toml"),
            "kpi",
            "export",
            "--as-of",
            AS_OF,
            *PERIOD,
            *args,
        ],
        obj=app,
        standalone_mode=False,
    )
    sys.exit(code)


def _opsctl(folder: Path, *args: str) -> list[str]:
    return python_command(__file__, "--child", str(folder), *args)


def _agreement(ours: str, peer: str) -> str:
    """How far opsctl's and the peer's figures agree."""
    orders, on_time = {}, {}
    for record in csv.DictReader(io.StringIO(ours)):
        if record["kpi"] == "orders" and record["value"]:
            orders[record["period"]] = int(record["value"])
        if record["kpi"] == "on_time_delivery_rate" and record["value"]:
            on_time[(record["period"], record["carrier"])] = float(record["value"])
    peer_orders, peer_on_time = {}, {}
    for line in peer.splitlines():
        item = json.loads(line)
        if item["grain"] == "order":
            peer_orders[item["day"]] = item["orders"]
        elif item["on_time_delivery_rate"] is not None:
            peer_on_time[(item["day"], item["carrier"])] = item["on_time_delivery_rate"]
    same_orders = orders == {day: n for day, n in peer_orders.items() if day in orders}
    shared = [key for key in on_time if key in peer_on_time]
    gaps = [abs(on_time[key] - peer_on_time[key]) for key in shared]
    worst = max(gaps) if gaps else float("nan")
    return (
        f"orders/day {'identical' if same_orders else 'DIFFER'}; on-time per day x carrier "
        f"within {worst:.3f} (median {statistics.median(gaps) if gaps else float('nan'):.4f})"
    )


def _load() -> str:
    """The 1-minute load average over the machine's CPUs: other work skews the times."""
    try:
        return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    except OSError:
        return "unknown"


def run(scale: float = 1.0) -> list[dict]:
    folder = dataset(scale)
    runs = 3
    core = ("--kpi", CORE, "--by", "day", "-d", "carrier", "-f", "csv")
    try:
        import duckdb  # noqa: F401
    except ImportError:
        peer_command = None
    else:
        peer_command = python_command(
            BENCH_DIR / "kpi_duckdb_peer.py",
            str(folder),
            "--from",
            PEER_PERIOD[0],
            "--to",
            PEER_PERIOD[1],
        )
    # opsctl and the peer take turns, so that other work on a shared machine weighs on
    # both alike rather than on whichever ran while it lasted.
    ours, peers = [], []
    for _ in range(runs):
        ours.append(measure(_opsctl(folder, *core)))
        if peer_command:
            peers.append(measure(peer_command))
    seconds = statistics.median(m.seconds for m in ours)
    memory = max(m.peak_rss_mb for m in ours)
    rows = []
    if not peers:
        note = "peer skipped: DuckDB is not installed (pip install duckdb)"
        rows += [
            row(NAME, "seconds", round(seconds, 2), note=note),
            row(NAME, "peak RSS MB", round(memory), note=note),
        ]
    else:
        peer_seconds = statistics.median(m.seconds for m in peers)
        peer_memory = max(m.peak_rss_mb for m in peers)
        agreement = _agreement(ours[-1].stdout, peers[-1].stdout)
        turns = ", ".join(f"{o.seconds / p.seconds:.2f}" for o, p in zip(ours, peers, strict=True))
        rows += [
            row(
                NAME,
                "seconds",
                round(seconds, 2),
                peer="DuckDB SQL",
                peer_value=round(peer_seconds, 2),
                ratio=round(seconds / peer_seconds, 2),
                goal="<= 2x",
                note=f"median of {runs} turns (ratios {turns}); {agreement}; "
                f"load average {_load()}",
            ),
            row(
                NAME,
                "peak RSS MB",
                round(memory),
                peer="DuckDB SQL",
                peer_value=round(peer_memory),
                ratio=round(memory / peer_memory, 2),
            ),
        ]
    everything = measure(_opsctl(folder, "--by", "day", "-f", "csv"))
    rows.append(
        row(
            "kpi export, every KPI, 30 days by day",
            "seconds",
            round(everything.seconds, 2),
            note=f"peak RSS {everything.peak_rss_mb:.0f} MB; also reads lines, returns, "
            "reviews and 4.7M checkout events",
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--child", metavar="DATA_DIR", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.child:
        child(Path(args.child), *rest)
    from run import print_table

    print_table(run(args.scale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
