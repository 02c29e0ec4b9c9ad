"""Run opsctl's benchmarks and print one table of figures.

    python bench/run.py                 # every benchmark at full scale
    python bench/run.py --only startup  # the benchmarks whose name contains "startup"
    python bench/run.py --scale 0.1     # a tenth of the data, for a quick look
    python bench/run.py --json results.json

Each ``bench/bench_*.py`` module exposes ``run(scale) -> list[dict]`` rows
(benchmark, metric, value, peer, peer value, ratio, goal, note). Timings are
medians of several runs where a run is short; peak memory is the resident set
of the measured process. Large generated data is cached in ``bench/data/``
(git-ignored).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
COLUMNS = ["benchmark", "metric", "value", "peer", "peer value", "ratio", "goal", "note"]


def discover(only: str | None) -> list[str]:
    names = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))
    return [n for n in names if not only or only in n]


def print_table(rows: list[dict]) -> None:
    from tabulate import tabulate

    table = [[("" if r.get(c) is None else r.get(c)) for c in COLUMNS] for r in rows]
    print(tabulate(table, headers=COLUMNS, tablefmt="github", disable_numparse=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="run only benchmarks whose module name contains this")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data size")
    parser.add_argument("--json", dest="json_path", help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(BENCH_DIR))
    rows: list[dict] = []
    for name in discover(args.only):
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.extend(importlib.import_module(name).run(args.scale))
        print(f"  {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print_table(rows)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
