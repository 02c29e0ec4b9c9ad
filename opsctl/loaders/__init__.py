"""Loaders: files of the data contract, streamed as typed records.

``load("orders", "orders.csv", tz=ZoneInfo("Europe/London"))`` returns a
:class:`Loader`; iterating it yields :mod:`opsctl.model` records one at a
time, so memory does not grow with the file. CSV, JSON (an array, streamed)
and NDJSON are read from a path, ``-`` (stdin) or a binary stream.
"""

from __future__ import annotations

from opsctl.loaders.lines import DEFAULT_MAX_LINE_BYTES
from opsctl.loaders.loader import BAD_ROW_POLICIES, Loader, load
from opsctl.loaders.sources import FORMATS, detect_format

__all__ = [
    "BAD_ROW_POLICIES",
    "DEFAULT_MAX_LINE_BYTES",
    "FORMATS",
    "Loader",
    "detect_format",
    "load",
]
