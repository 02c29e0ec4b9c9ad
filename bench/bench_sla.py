"""SLA check speed: ``opsctl sla check`` over files against the pandas script an analyst writes.

The data is the demo shop at 1M orders (about 1.07M shipments and 8.7M
tracking events over 30 days), generated once into ``bench/data/`` (the same
folder as ``bench_load.py``'s), with its tracking events copied once to CSV
beside the NDJSON file (``tracking_events.csv``): both sides read the same
two CSV files, the format both read best.

* opsctl: ``opsctl sla check`` as of the export time, the full verdicts of
  :mod:`opsctl.sla.engine` (business days, holidays, destination time zones,
  first attempts, pickup points, stalls and losses), the summary and every
  breach written as CSV;
* the peer (``bench/sla_pandas_peer.py``): pandas computing last status,
  delivered on time, late in transit and stalled, and writing the breaches.

Each side runs in its own process tree. Time is the median wall-clock time of
``--runs`` runs of each, alternated, measured by ``wait4`` alone: sampling a
process's memory (``/proc/PID/smaps_rollup`` walks its page tables) slowed
opsctl by 1.0-1.5 s and the peer by 0.7-0.8 s, so memory comes from one more
run of each. Memory is the peak of the resident memory summed over the tree
(opsctl forks helpers to judge on every CPU; the pages they share with it
count once per process, so the sum overstates it, and the note gives the
proportional set size too), sampled every 20 ms and never below the kernel's
peak for the largest single process. Goals: faster than the peer, at most
half its memory.
Two more rows split opsctl's time between DuckDB (checking the files,
folding the events, counting the shipments surely delivered on time) and
Python (judging the other shipments), from its own log.

    python bench/bench_sla.py --scale 0.1 --runs 3
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BENCH_DIR, measure, row

AS_OF = "2026-11-02T09:00Z"
NAME = "sla check, files"
PEER = BENCH_DIR / "sla_pandas_peer.py"
#: ``opsctl -vv`` says how long each step took.
STEPS = {
    "checked": re.compile(r"shipments and orders checked in ([\d.]+) s"),
    "folded": re.compile(r"events folded and checked in ([\d.]+) s"),
    "joined": re.compile(r"shipments joined in ([\d.]+) s"),
    "judged": re.compile(r"shipments judged in ([\d.]+) s"),
}


def dataset(scale: float) -> Path:
    """The demo shop at ``scale`` x 1M orders (shared with bench_load.py)."""
    from bench_load import dataset as load_dataset

    return load_dataset(scale)


def events_csv(folder: Path) -> Path:
    """The tracking events of ``folder`` as CSV, converted once from NDJSON (cached)."""
    target = folder / "tracking_events.csv"
    source = folder / "tracking_events.ndjson"
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    import duckdb

    from opsctl.model import schema_for

    names = schema_for("tracking_events").column_names
    columns = ", ".join(f"{name}: 'VARCHAR'" for name in names)
    partial = folder / "tracking_events.csv.partial"
    with duckdb.connect() as connection:
        connection.execute(
            f"COPY (SELECT * FROM read_json('{source}', format = 'newline_delimited', "
            f"columns = {{{columns}}})) TO '{partial}' (HEADER, DELIMITER ',')"
        )
    partial.replace(target)
    return target


@dataclass
class Run:
    """One measured command: wall seconds, peak memory of its process tree, stderr.

    ``peak_mb`` sums the resident memory of the processes (pages that forked
    processes share are counted once per process: an overestimate);
    ``peak_pss_mb`` sums their proportional set size (shared pages split).
    """

    seconds: float
    peak_mb: float
    peak_pss_mb: float
    stderr: str


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
        except OSError:
            continue
    return pids


def _memory_kb(pid: int) -> tuple[int, int]:
    """The resident and proportional set sizes of ``pid`` (0 once it is gone)."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def measure_tree(command: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run ``command``; its wall time and the peak resident memory of its process tree."""
    with tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **(env or {})}
        )
        peak_kb = peak_pss_kb = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            sizes = [_memory_kb(p) for p in _tree(process.pid)]
            peak_kb = max(peak_kb, sum(rss for rss, _ in sizes))
            peak_pss_kb = max(peak_pss_kb, sum(pss for _, pss in sizes))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        err.seek(0)
        stderr = err.read()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise RuntimeError(
                f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-2000:]}"
            )
    return Run(seconds, max(peak_kb, usage.ru_maxrss) / 1024, peak_pss_kb / 1024, stderr)


def opsctl_command(folder: Path, events: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "opsctl",
        "-vv",
        "--config",
        str(folder / "opsctl.toml"),
        "sla",
        "check",
        "--as-of",
        AS_OF,
        "--events",
        str(events),
        "--format",
        "csv",
        "--output",
        str(output),
    ]


def peer_command(folder: Path, events: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        str(PEER),
        str(folder / "shipments.csv"),
        str(events),
        "--as-of",
        AS_OF,
        "--breaches",
        str(output),
    ]


def pandas_installed() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


def timed(commands: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Wall-clock seconds of ``runs`` runs of each command, alternated, unobserved."""
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            seconds[name].append(measure(command).seconds)
    return seconds


def run(scale: float = 1.0, runs: int = 3) -> list[dict]:
    folder = dataset(scale)
    events = events_csv(folder)
    with open(folder / "shipments.csv", encoding="utf-8") as handle:
        shipments = sum(1 for _ in handle) - 1
    label = f"{NAME} ({shipments:,} shipments)"
    with tempfile.TemporaryDirectory(prefix="bench-sla-") as scratch:
        commands = {"opsctl": opsctl_command(folder, events, Path(scratch) / "opsctl.csv")}
        if pandas_installed():
            commands["peer"] = peer_command(folder, events, Path(scratch) / "peer.csv")
        seconds = timed(commands, runs)
        ours = measure_tree(commands["opsctl"])
        peer = measure_tree(commands["peer"]) if "peer" in commands else None
    ours_s = statistics.median(seconds["opsctl"])
    spread = ", ".join(
        f"{name} " + "/".join(f"{t:.2f}" for t in times) for name, times in seconds.items()
    )
    steps = {name: float(m[1]) for name, p in STEPS.items() if (m := p.search(ours.stderr))}
    if peer is None:
        note = "peer skipped: pandas not installed"
        rows = [
            row(label, "time (s)", round(ours_s, 2), goal="< pandas peer", note=note),
            row(label, "peak RSS (MB)", round(ours.peak_mb), goal="< 1/2 pandas", note=note),
        ]
    else:
        peer_s = statistics.median(seconds["peer"])
        rows = [
            row(
                label,
                "time (s)",
                round(ours_s, 2),
                peer="pandas script",
                peer_value=round(peer_s, 2),
                ratio=round(ours_s / peer_s, 2),
                goal="ratio < 1",
                note=f"full verdicts vs last status/on-time/late/stalled; median of {runs} "
                f"alternated runs ({spread} s)",
            ),
            row(
                label,
                "peak RSS (MB)",
                round(ours.peak_mb),
                peer="pandas script",
                peer_value=round(peer.peak_mb),
                ratio=round(ours.peak_mb / peer.peak_mb, 2),
                goal="ratio < 0.5",
                note=f"summed over the process tree (PSS {ours.peak_pss_mb:.0f} MB)",
            ),
        ]
    if steps.keys() == STEPS.keys():
        rest = ours.seconds - sum(steps.values())  # of the observed run
        rows += [
            row(
                label,
                "opsctl: DuckDB checks + fold (s)",
                round(steps["checked"] + steps["folded"] + steps["joined"], 2),
                note=f"shipments and orders checked {steps['checked']:.1f} s, events "
                f"folded and checked {steps['folded']:.1f} s, shipments joined and those "
                f"surely on time counted {steps['joined']:.1f} s",
            ),
            row(
                label,
                "opsctl: Python judging (s)",
                round(steps["judged"], 2),
                note=f"the other shipments streamed from DuckDB and judged by assess; "
                f"start-up and output {rest:.1f} s",
            ),
        ]
    else:
        rows.append(row(label, "fast path", 0, note="opsctl read the files with its loaders"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side")
    args = parser.parse_args(argv)
    from run import print_table

    print_table(run(args.scale, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
