"""The quarantine: where bad rows go, with their reason, under ``--on-bad-rows skip``.

CSV input gives a CSV file with an ``_error`` column first (so that it lines
up whatever the row's length) and the row's raw cells after it;
JSON and NDJSON input give NDJSON, one raw object a line with an ``_error``
key (a line that is not JSON at all is kept as text under ``_raw``). The file
is written atomically when the load completes; a load that fails leaves none.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opsctl.atomic import atomic_open
from opsctl.errors import DataError
from opsctl.output import to_jsonable

ERROR_COLUMN = "_error"


def default_quarantine_path(source: str, input_format: str) -> Path:
    """``orders.csv`` -> ``orders.quarantine.csv`` beside it (in the current folder for stdin)."""
    suffix = ".csv" if input_format == "csv" else ".ndjson"
    if source == "<stdin>":
        return Path.cwd() / f"stdin.quarantine{suffix}"
    path = Path(source)
    return path.with_name(f"{path.stem}.quarantine{suffix}")


class Quarantine:
    """Collects bad rows into one file, created on the first one."""

    def __init__(self, path: str | Path, input_format: str):
        self.path = Path(path)
        self.as_csv = input_format == "csv"
        self.count = 0
        self._files = contextlib.ExitStack()
        self._writer: Any = None

    def add(self, raw: Any, error: DataError, header: Sequence[str] = ()) -> None:
        """Keep one bad row: its raw cells (CSV) or object (JSON), and why it is bad."""
        if self._writer is None:
            handle = self._files.enter_context(atomic_open(self.path, "w"))
            self._writer = csv.writer(handle, lineterminator="\r\n") if self.as_csv else handle
            if self.as_csv:
                self._writer.writerow([ERROR_COLUMN, *header])
        self.count += 1
        if self.as_csv:
            self._writer.writerow([str(error), *raw])
            return
        if isinstance(raw, dict):
            entry = {**raw, ERROR_COLUMN: str(error)}
        else:
            entry = {ERROR_COLUMN: str(error), "_raw": raw}
        self._writer.write(json.dumps(to_jsonable(entry), ensure_ascii=False) + "\n")

    def commit(self) -> None:
        """Put the file in place (if any row was bad)."""
        self._files.close()

    def discard(self) -> None:
        """Drop what was written: the load failed, the next run will redo it."""
        self._files.__exit__(DataError, DataError("discarded"), None)
