"""Shared tools for opsctl's benchmarks: timing subprocesses, peak memory, result rows."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"


@dataclass
class Measurement:
    """Wall-clock seconds and peak resident memory of one command run."""

    seconds: float
    peak_rss_mb: float
    stdout: str


def measure(command: Sequence[str], *, env: dict[str, str] | None = None, cwd=None) -> Measurement:
    """Run ``command`` in a fresh process and measure its wall time and peak RSS.

    Peak RSS comes from ``wait4`` on exactly this child, so earlier runs never
    inflate it.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command),
            stdout=out,
            stderr=err,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            text=True,
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise RuntimeError(
                f"{' '.join(command)} failed ({process.returncode}):\n{err.read()[-2000:]}"
            )
        return Measurement(elapsed, usage.ru_maxrss / 1024, out.read())


def median_of(command: Sequence[str], runs: int, **kwargs) -> Measurement:
    """The median time (and the largest peak RSS) of ``runs`` runs of ``command``."""
    measurements = [measure(command, **kwargs) for _ in range(runs)]
    return Measurement(
        statistics.median(m.seconds for m in measurements),
        max(m.peak_rss_mb for m in measurements),
        measurements[-1].stdout,
    )


def python_command(script: str | Path, *args: str) -> list[str]:
    return [sys.executable, str(script), *args]


def row(
    benchmark: str,
    metric: str,
    value: float,
    *,
    peer: str = "",
    peer_value=None,
    ratio=None,
    goal: str = "",
    note: str = "",
) -> dict:
    """One line of the benchmark table."""
    return {
        "benchmark": benchmark,
        "metric": metric,
        "value": value,
        "peer": peer,
        "peer value": peer_value,
        "ratio": ratio,
        "goal": goal,
        "note": note,
    }
