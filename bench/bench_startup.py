"""Start-up time: median wall time of `opsctl --help` against a bare click + pluggy CLI.

The bare CLI does the minimum any click + pluggy tool does: import both, load
the plugins of the same ``opsctl`` entry-point group and print its help. The
goal is a ratio of at most 1.5.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from harness import median_of, row

BARE_CLI = '''
import click
import pluggy

pm = pluggy.PluginManager("opsctl")
pm.load_setuptools_entrypoints("opsctl")


@click.group()
def cli():
    """A bare click + pluggy CLI."""


@cli.command()
def hello():
    """Say hello."""


cli(["--help"])
'''


def run(scale: float = 1.0) -> list[dict]:
    runs = max(5, int(21 * scale))
    with tempfile.TemporaryDirectory() as folder:
        bare = Path(folder) / "bare_cli.py"
        bare.write_text(BARE_CLI)
        # Warm the file cache so neither side pays for a cold disk.
        median_of([sys.executable, str(bare)], 2)
        median_of([sys.executable, "-m", "opsctl", "--help"], 2)
        bare_time = median_of([sys.executable, str(bare)], runs).seconds
        help_time = median_of([sys.executable, "-m", "opsctl", "--help"], runs).seconds
        version_time = median_of([sys.executable, "-m", "opsctl", "--version"], runs).seconds
    return [
        row(
            "start-up: opsctl --help",
            "median ms",
            round(help_time * 1000, 1),
            peer="bare click+pluggy CLI",
            peer_value=round(bare_time * 1000, 1),
            ratio=round(help_time / bare_time, 2),
            goal="ratio <= 1.5",
            note=f"median of {runs} runs",
        ),
        row(
            "start-up: opsctl --version",
            "median ms",
            round(version_time * 1000, 1),
            peer="bare click+pluggy CLI",
            peer_value=round(bare_time * 1000, 1),
            ratio=round(version_time / bare_time, 2),
            goal="ratio <= 1.5",
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    from run import print_table

    print_table(run(parser.parse_args().scale))
